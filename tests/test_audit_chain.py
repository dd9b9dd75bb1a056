"""The audit chain under concurrent commits, and `clubbooking audit` against a tampered log.

Rows are linked at commit under the venue-night lock: bookings of one night committed from many
connections at once still make one chain, position after position, each row linked to the
previous. `audit verify` exits 6 naming the first broken row; anchors exported with `audit
anchors` catch what the database alone cannot: a rewrite of a chain and of its anchors together.
"""

from __future__ import annotations

import itertools
import threading
from pathlib import Path
from typing import Any

import psycopg
from clubbooking import BookingClient
from clubbooking_dev import leeds
from test_cli import clubbooking

NIGHT = leeds.next_open_night(weeks_ahead=5)
SLOT = "slot_23_30"


def book_and_cancel(dsn: str, claims: dict[str, Any], table: int, failures: list[BaseException]) -> None:
    try:
        with BookingClient.connect(dsn, claims, pool_size=1) as client:
            party = client.get_catalogue(leeds.VENUE_ID).venues[0].table(table).capacity_min
            booking = client.hold_tables(leeds.VENUE_ID, NIGHT, SLOT, [leeds.TABLE_IDS[table]], party)
            client.cancel_booking(booking.booking_id, reason="changed plans")
    except BaseException as error:
        failures.append(error)


def night_chain(conn: psycopg.Connection[Any]) -> list[tuple[Any, ...]]:
    return conn.execute("select chain_seq, prev_hash, row_hash from public.audit_log "
                        "where venue_id = %s and chain_night = %s order by chain_seq",
                        (leeds.VENUE_ID, NIGHT)).fetchall()


def test_concurrent_commits_of_one_night_append_one_unbroken_chain(db_dsn: str, admin: psycopg.Connection[Any]) -> None:
    guests = leeds.create_guests(admin, 12, prefix="chain")
    failures: list[BaseException] = []
    threads = [threading.Thread(target=book_and_cancel, args=(db_dsn, claims, table, failures))
               for table, claims in zip(range(1, 13), guests, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    chain = night_chain(admin)
    assert [seq for seq, _, _ in chain] == list(range(1, 25)), "12 holds and 12 cancellations: positions 1-24"
    assert all(prev == before[2] for before, (_, prev, _) in itertools.pairwise(chain)), \
        "each row carries its predecessor's hash"
    check = admin.execute("select public.verify_audit_chain(%s)", (leeds.VENUE_ID,)).fetchone()
    assert check is not None and check[0]["ok"] is True


def tamper(dsn: str, sql: str, *args: Any) -> None:
    """Run ``sql`` as the table's owner behind disabled triggers, as someone rewriting history would."""
    with psycopg.connect(dsn) as conn:
        conn.execute("alter table public.audit_log disable trigger user")
        conn.execute(sql, args)
        conn.execute("alter table public.audit_log enable trigger user")


def test_audit_verify_exits_6_naming_the_first_broken_row(scratch_dsn: str) -> None:
    with psycopg.connect(scratch_dsn, autocommit=True) as conn:
        book_and_cancel(scratch_dsn, leeds.create_guests(conn, 1, prefix="verify")[0], 3, [])
        row = conn.execute("select id, row_id from public.audit_log where chain_night = %s and chain_seq = 1",
                           (NIGHT,)).fetchone()
    assert row is not None
    intact = clubbooking("audit", "verify", "--venue", str(leeds.VENUE_ID), dsn=scratch_dsn)
    assert intact.returncode == 0, intact.stderr
    assert "intact" in intact.stdout
    tamper(scratch_dsn, "update public.audit_log set actor_role = 'manager' where id = %s", row[0])
    broken = clubbooking("audit", "verify", "--venue", str(leeds.VENUE_ID), dsn=scratch_dsn)
    assert broken.returncode == 6, broken.stdout + broken.stderr
    assert f"audit row {row[1]}" in broken.stderr


REWRITE = """
with recursive chain as (
  select a.id, a.chain_seq, private.audit_row_hash(a) as row_hash from public.audit_log a
  where a.chain_night = %(night)s and a.chain_seq = 1
  union all
  select n.id, n.chain_seq, private.audit_row_hash((n.id, n.venue_id, n.entity, n.entity_id, n.action, n.old_status,
           n.new_status, n.reason, n.actor_id, n.actor_role, n.request_id, n.detail, n.created_at, n.chain_night,
           n.chain_seq, c.row_hash, null, n.row_id)::public.audit_log)
  from chain c join public.audit_log n on n.chain_night = %(night)s and n.chain_seq = c.chain_seq + 1
), rewritten as (
  update public.audit_log a set prev_hash = (select p.row_hash from chain p where p.chain_seq = a.chain_seq - 1),
                                row_hash = c.row_hash
  from chain c where c.id = a.id
  returning a.chain_seq, a.row_hash
)
update private.audit_anchors x set row_hash = r.row_hash from rewritten r
where x.chain_night = %(night)s and x.chain_seq = r.chain_seq
"""


def test_exported_anchors_catch_a_rewrite_of_a_chain_and_its_anchors(scratch_dsn: str, tmp_path: Path) -> None:
    with psycopg.connect(scratch_dsn, autocommit=True) as conn:
        book_and_cancel(scratch_dsn, leeds.create_guests(conn, 1, prefix="anchor")[0], 4, [])
    taken = clubbooking("audit", "anchors", "--take", "--as", "service", "--venue", str(leeds.VENUE_ID),
                        dsn=scratch_dsn)
    assert taken.returncode == 0, taken.stderr
    export = tmp_path / "anchors.jsonl"
    export.write_text(taken.stdout)
    assert NIGHT.isoformat() in taken.stdout, "the night's chain head is exported"
    with psycopg.connect(scratch_dsn) as conn:
        conn.execute("alter table public.audit_log disable trigger user")
        conn.execute("update public.audit_log set reason = 'no_show' where chain_night = %s and chain_seq = 1",
                     (NIGHT,))
        conn.execute(REWRITE, {"night": NIGHT})
        conn.execute("alter table public.audit_log enable trigger user")
    alone = clubbooking("audit", "verify", "--venue", str(leeds.VENUE_ID), dsn=scratch_dsn)
    assert alone.returncode == 0, "rewritten with its anchors, the chain is consistent in the database"
    kept = clubbooking("audit", "verify", "--anchors", str(export), "--venue", str(leeds.VENUE_ID), dsn=scratch_dsn)
    assert kept.returncode == 6, kept.stdout + kept.stderr
    assert f"the anchor of {NIGHT.isoformat()} at position 2" in kept.stderr


def test_the_unchained_baseline_marks_its_rows_and_verification_reports_them(scratch_dsn: str) -> None:
    with psycopg.connect(scratch_dsn, autocommit=True) as conn:
        claims = leeds.create_guests(conn, 1, prefix="baseline")[0]
    unchained = scratch_dsn + "?options=-c%20clubbooking.audit_chain%3Doff"
    with BookingClient.connect(unchained, claims, pool_size=1) as client:
        client.hold_tables(leeds.VENUE_ID, NIGHT, SLOT, [leeds.TABLE_IDS[5]],
                           client.get_catalogue(leeds.VENUE_ID).venues[0].table(5).capacity_min)
    with psycopg.connect(scratch_dsn, autocommit=True) as conn:
        rows = conn.execute("select chain_seq, row_hash from public.audit_log where chain_night is null "
                            "and entity = 'booking'").fetchall()
        assert rows == [(None, b"")], "the baseline's rows are outside every chain"
        check = conn.execute("select public.verify_audit_chain(%s)", (leeds.VENUE_ID,)).fetchone()
    assert check is not None and check[0]["ok"] is False, "and verification says so"
