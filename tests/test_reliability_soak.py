"""A few seconds of the soak: the client's pool keeps the server's connections bounded while
bookings cycle, and nothing but contract codes comes back (`make reliability` soaks minutes)."""

from __future__ import annotations

from clubbooking_dev.reliability import soak


def test_a_short_soak_keeps_connections_within_the_pool_and_cycles_bookings(db_dsn: str) -> None:
    result = soak.soak(db_dsn, 5, workers=4, sample_every=1)
    result.print()
    assert result.samples[-1].cycles > 0
    assert max(s.connections for s in result.samples) <= 4 + 2, result.samples
    assert result.healthy, result.errors
