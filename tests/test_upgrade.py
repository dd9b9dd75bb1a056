"""An upgrade loses nothing. A database installed from exactly the migrations the newest release
lists, seeded, runs two nights through the real RPCs as the API roles call them (the reliability
checker's random workload, and a scripted night that leaves a booking in every state, a block and
a waitlist offer: events and audit rows with them), then takes the remaining migrations as
`supabase db push` does, with a watcher subscribed throughout. Every row of every table is kept, channel versions
go on without a gap, the watcher converges, the schema is a fresh HEAD install's, the
checker's invariants hold on the upgraded database, and every slot of those nights, replayed
after the upgrade (get_availability_at) at the instant before it, is what get_availability
served then.

The rows before and after, per table, are printed and written to .clubbooking/upgrade/rows.json.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import difflib
import json
import os
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from clubbooking.client import BookingClient
from clubbooking.models import Availability
from clubbooking.watch import PsycopgListener, ThreadedSource, Update
from clubbooking_dev import harness, leeds, releases, schema
from clubbooking_dev.reliability import runner
from clubbooking_dev.reliability.invariants import Invariant
from conftest import client_at, sql_file
from psycopg import sql
from watching import relay_running, shown, states, until, watch_while

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ROOT / ".clubbooking" / "upgrade" / "rows.json"
# No crashes or killed sessions: the night must leave live holds, requests and offers behind,
# and every write acknowledged (the checker judges them after the upgrade).
NIGHT = runner.RunConfig(seconds=12, workers=4, crash_every=0, kill_every=0, jump_every=1.5, seed=21,
                         timeout_rate=0.0)
SLOT = "slot_21_00"
LONDON = ZoneInfo("Europe/London")
NIGHT_STATES = {  # what the nights leave for the upgrade to carry: (table, status column) -> statuses
    ("public.bookings", "status"): {"held", "pending_approval", "confirmed", "checked_in", "no_show", "rejected",
                                    "cancelled", "expired"},
    ("public.table_blocks", "is_active"): {True},
    ("public.waitlist_entries", "status"): {"waiting", "offered"},
}


@dataclass
class Table:
    """A table's rows by primary key (the whole row where it has none), as jsonb."""

    key_columns: list[str]
    rows: dict[str, dict[str, Any]]


@dataclass
class Kept:
    """One table before and after: rows missing or changed (on the columns it had) break the rule."""

    before: int
    after: int
    missing: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    @property
    def added(self) -> int:
        return self.after - self.before + len(self.missing)


def table_rows(conn: psycopg.Connection[Any]) -> dict[str, Table]:
    tables = {}
    for schema_name, table_name, key_columns in conn.execute(sql_file("tables_with_keys")).fetchall():
        name = sql.Identifier(schema_name, table_name)
        key = sql.SQL("jsonb_build_array({})").format(sql.SQL(", ").join(map(sql.Identifier, key_columns)))
        query = sql.SQL("select {}, to_jsonb(t) from {} t").format(key if key_columns else sql.SQL("null"), name)
        seen: Counter[str] = Counter()
        rows = {}
        for row_key, row in conn.execute(query):
            text = json.dumps(row_key if key_columns else row, sort_keys=True)
            seen[text] += 1
            rows[text if key_columns else f"{text}#{seen[text]}"] = row
        tables[f"{schema_name}.{table_name}"] = Table(list(key_columns), rows)
    return tables


def without_actor_name(row: dict[str, Any]) -> dict[str, Any]:
    payload = row.get("staff_payload") or {}
    if isinstance(payload.get("actor"), dict):
        payload = {**payload, "actor": {k: v for k, v in payload["actor"].items() if k != "name"}}
    return {**row, "staff_payload": payload}


# What a forward migration rewrites on purpose, applied to both sides before they are compared:
# staff payloads carry the actor's id and role, never a name (erasure that erases).
REWRITTEN: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "public.availability_events": without_actor_name,
}


def by_key(table: Table, key_columns: list[str]) -> dict[str, list[dict[str, Any]]]:
    """A table's rows by the key a table had before the upgrade: a primary key may widen (a new
    column joins it), and the rows it kept are still found by the columns of the old one."""
    if table.key_columns == key_columns or not key_columns:
        return {key: [row] for key, row in table.rows.items()}
    rows: dict[str, list[dict[str, Any]]] = {}
    for row in table.rows.values():
        rows.setdefault(json.dumps([row.get(c) for c in key_columns], sort_keys=True), []).append(row)
    return rows


def kept(before: dict[str, Table], after: dict[str, Table]) -> dict[str, Kept]:
    """Per table of ``before``: is every row still there, equal on the columns it had (but for
    what ``REWRITTEN`` says a migration rewrites on purpose)?"""
    figures = {}
    for name, old in before.items():
        new = after.get(name, Table([], {}))
        same = REWRITTEN.get(name, lambda row: row)
        result = Kept(len(old.rows), len(new.rows))
        rows = by_key(new, old.key_columns)
        for key, row in old.rows.items():
            if key not in rows:
                result.missing.append(key)
            elif all(same({column: candidate.get(column, "<dropped>") for column in row}) != same(row)
                     for candidate in rows[key]):
                result.changed.append(key)
        figures[name] = result
    return figures


def report(release: str, figures: dict[str, Kept], applied: list[str]) -> str:
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    FIGURES.write_text(json.dumps({"from": release, "applied": applied, "tables": {
        name: {"before": k.before, "after": k.after, "added": k.added, "missing": len(k.missing),
               "changed": len(k.changed)} for name, k in figures.items()}}, indent=2) + "\n")
    lines = [f"{'table':<36} {'before':>7} {'after':>7} {'missing':>8} {'changed':>8}"]
    lines += [f"{name:<36} {k.before:>7} {k.after:>7} {len(k.missing):>8} {len(k.changed):>8}"
              for name, k in sorted(figures.items())]
    return "\n".join(lines)


@dataclass
class Upgrade:
    release: releases.Release
    installed: list[str]
    recorded: list[str]
    applied: list[str]
    night_states: dict[tuple[str, str], set[Any]]
    figures: dict[str, Kept]
    channel: str
    version_before: int
    version_after: int
    events_after: list[tuple[int, str]]
    chain_breaks: int
    watched: list[Update]
    snapshot_after: Availability
    served: list[tuple[Any, ...]]  # (venue, night, slot, instant, snapshot) before the upgrade
    replayed: list[dict[str, Any]]  # each replayed after it, at its instant
    schema_upgraded: str
    schema_fresh: str
    invariants: list[Invariant]


def script_a_night(dsn: str, admin: psycopg.Connection[Any]) -> dt.date:
    """What the random night may miss, on a night of its own at 21:30 (its first slot under way),
    through the RPCs as the API roles call them: a hold, a request, a confirmed, a checked-in, a
    no-show, a rejected and a cancelled booking, a block, a waitlist entry offered a hold and one
    still waiting (its slot blocked whole)."""
    night = leeds.next_open_night(weeks_ahead=5)
    guests = leeds.create_guests(admin, 10, prefix="upgrade")
    party = dict(admin.execute("select table_number, capacity_min from public.venue_tables").fetchall())
    with client_at(dsn, dt.datetime.combine(night, dt.time(21, 30), LONDON), None) as trusted:
        door, host, manager = (trusted.as_user(leeds.staff_claims(role, aal="aal2"))
                               for role in ("door", "host", "manager"))

        def hold(n: int) -> uuid.UUID:
            return trusted.as_user(guests[n]).hold_tables(leeds.VENUE_ID, night, SLOT, [leeds.TABLE_IDS[n]],
                                                          party[n]).booking_id

        def requested(n: int) -> uuid.UUID:
            return host.record_payment(hold(n), "cash", "paid at the door").booking_id

        hold(1)
        requested(2)
        manager.approve_booking(requested(3))
        door.check_in_booking(manager.approve_booking(requested(4)).booking_id)
        host.mark_no_show(manager.approve_booking(requested(5)).booking_id)
        manager.reject_booking(requested(6), "full")
        host.cancel_booking(hold(7), reason="plans changed")
        host.block_tables(leeds.VENUE_ID, night, [leeds.TABLE_IDS[8]], SLOT, reason="spill")
        trusted.as_user(guests[0]).join_waitlist(leeds.VENUE_ID, night, SLOT, 2)
        host.block_tables(leeds.VENUE_ID, night, list(leeds.TABLE_IDS.values()), "slot_23_30", reason="private hire")
        trusted.as_user(guests[9]).join_waitlist(leeds.VENUE_ID, night, "slot_23_30", 2)  # nothing free: waits
    return night


def replay_served(conn: psycopg.Connection[Any], served: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Each served slot replayed at the instant it was served."""
    replay = "select public.get_availability_at(%s, %s, %s, %s)"
    return [conn.execute(replay, row[:4]).fetchone()[0] for row in served]  # type: ignore[index]


def night_states(conn: psycopg.Connection[Any]) -> dict[tuple[str, str], set[Any]]:
    return {(table, column): {r[0] for r in conn.execute(sql.SQL("select distinct {} from {}").format(
        sql.Identifier(column), sql.Identifier(*table.split("."))))} for table, column in NIGHT_STATES}


@pytest.fixture(scope="module")
def upgrade(server_dsn: str) -> Iterator[Upgrade]:
    release = releases.newest(ROOT)
    name = f"cb_upgrade_{os.getpid()}"
    dsn = harness.create_database(server_dsn, name)
    try:
        yield upgrade_through_a_night(server_dsn, dsn, release)
    finally:
        harness.drop_database(server_dsn, name)


def upgrade_through_a_night(server_dsn: str, dsn: str, release: releases.Release) -> Upgrade:
    installed = harness.install_release(dsn, release)
    harness.seed(dsn)
    played = runner.play(dsn, NIGHT)
    with psycopg.connect(dsn, autocommit=True) as admin, BookingClient.connect(dsn, pool_size=4) as client:
        night = script_a_night(dsn, admin)
        guest = leeds.create_guests(admin, 1, prefix="after")[0]
        watched_before = client.get_availability(leeds.VENUE_ID, night, SLOT)
        version_before = watched_before.version
        table, party = next((t.table_id, t.capacity_min) for t in watched_before.tables if t.state == "available")
        states_before = night_states(admin)
        moment: dict[str, Any] = {}

        async def script(seen: list[Update]) -> None:
            await until(lambda: shown(seen).version == version_before)
            moment["before"] = await asyncio.to_thread(table_rows, admin)
            moment["served"] = await asyncio.to_thread(lambda: admin.execute(sql_file("floors_served")).fetchall())
            moment["applied"] = await asyncio.to_thread(harness.migrate, dsn)  # what `supabase db push` applies
            moment["after"] = await asyncio.to_thread(table_rows, admin)
            moment["replayed"] = await asyncio.to_thread(replay_served, admin, moment["served"])
            await asyncio.to_thread(client.as_user(guest).hold_tables, leeds.VENUE_ID, night, SLOT, [table], party)
            with contextlib.suppress(TimeoutError):  # judged by the tests: a version that never comes
                await until(lambda: shown(seen).version > version_before)

        with relay_running(dsn):
            watched = asyncio.run(watch_while(ThreadedSource(client), night, SLOT, lambda: PsycopgListener(dsn),
                                              script))
        snapshot_after = client.get_availability(leeds.VENUE_ID, night, SLOT)
        channel = snapshot_after.channel
        row = admin.execute("select version from private.channel_versions where channel = %s", (channel,)).fetchone()
        events_after = admin.execute("select version, staff_payload ->> 'newState' from public.availability_events "
                                     "where channel = %s and version > %s order by version",
                                     (channel, version_before)).fetchall()
        breaks = admin.execute(sql_file("event_chain_breaks"), {"channel": channel}).fetchone()
        recorded = [r[0] for r in admin.execute("select version from supabase_migrations.schema_migrations "
                                                "order by version")]
    figures = kept(moment["before"], moment["after"])
    print(f"\nupgrade {release.version} -> HEAD applied {moment['applied'] or 'nothing'}\n"
          + report(release.version, figures, moment["applied"]))
    with schema.fresh_database(server_dsn) as fresh:
        harness.seed(fresh)  # the seed's venue brings its objects (a conflict counter per venue)
        schema_fresh = schema.dump(fresh)
    return Upgrade(release, installed, recorded, moment["applied"], states_before, figures, channel, version_before,
                   row[0] if row else 0, events_after, breaks[0] if breaks else -1, watched, snapshot_after,
                   moment["served"], moment["replayed"], schema.dump(dsn), schema_fresh,
                   runner.check(dsn, played.history, played.clock.now(), played.watch))


def test_the_install_has_exactly_the_release_migrations_and_the_night_left_every_state(upgrade: Upgrade) -> None:
    assert upgrade.installed == [path.name for path in upgrade.release.migrations(ROOT)]
    for (table, column), wanted in NIGHT_STATES.items():
        assert wanted <= upgrade.night_states[table, column], f"the night left no {wanted} in {table}.{column}"


def test_the_upgrade_applies_every_migration_after_the_release_and_records_it(upgrade: Upgrade) -> None:
    everything = sorted(path.name for path in (ROOT / releases.MIGRATIONS).glob("*.sql"))
    assert upgrade.applied == [name for name in everything if name not in upgrade.installed]
    assert upgrade.recorded == [name.partition("_")[0] for name in everything]


def test_every_row_of_every_table_is_kept_by_the_upgrade(upgrade: Upgrade) -> None:
    lost = {name: (k.missing[:3], k.changed[:3]) for name, k in upgrade.figures.items() if k.missing or k.changed}
    assert not lost, f"rows missing or changed by the upgrade (missing, changed): {lost}"
    for table in ("public.bookings", "public.booking_tables", "public.audit_log", "public.availability_events",
                  "private.channel_versions", "public.table_blocks", "public.waitlist_entries"):
        assert upgrade.figures[table].before > 0, f"the night left nothing in {table} to keep"


def test_channel_versions_go_on_without_a_gap_after_the_upgrade(upgrade: Upgrade) -> None:
    assert upgrade.version_after == upgrade.version_before + 1
    assert upgrade.events_after == [(upgrade.version_before + 1, "held")]
    assert upgrade.chain_breaks == 0


def test_a_watcher_subscribed_before_the_upgrade_converges_after_it(upgrade: Upgrade) -> None:
    events = [u.event.version for u in upgrade.watched if u.event is not None]
    assert events[-1:] == [upgrade.version_before + 1], events
    assert states(shown(upgrade.watched)) == states(upgrade.snapshot_after)


def test_the_upgraded_schema_is_a_fresh_install_of_head(upgrade: Upgrade) -> None:
    diff = "".join(difflib.unified_diff(upgrade.schema_fresh.splitlines(True), upgrade.schema_upgraded.splitlines(True),
                                        "fresh install of HEAD", "upgraded", n=1))
    assert not diff, diff[:4000]


def test_the_reliability_checkers_invariants_hold_on_the_upgraded_database(upgrade: Upgrade) -> None:
    broken = {i.name: i.examples for i in upgrade.invariants if i.violations}
    assert not broken, broken
    assert all(i.checked > 0 for i in upgrade.invariants), [(i.name, i.checked) for i in upgrade.invariants]


def test_the_floor_before_the_upgrade_replays_as_it_was_served(upgrade: Upgrade) -> None:
    """The history backfilled from the audit log and the claims: every slot of the nights, as
    get_availability served it just before the upgrade, is what get_availability_at gives for that
    instant after it (but the version: a replay's is 0)."""
    assert upgrade.served and len(upgrade.replayed) == len(upgrade.served)
    def timeless(snapshot: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in snapshot.items() if k not in ("version", "as_of")}

    differ = [(row[1].isoformat(), row[2]) for row, replay in zip(upgrade.served, upgrade.replayed, strict=True)
              if timeless(replay) != timeless(row[4])]
    assert not differ, differ

