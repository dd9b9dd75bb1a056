"""Tables and CSV for what staff read: a night's bookings, search results, the catalogue.

Times are shown in the venue's zone (with its abbreviation), tables by number, money with its
currency. Nothing here talks to the database or knows about the CLI.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from rich.table import Table

from clubbooking.models import Catalogue, NightBooking

STATUS_WORDS = {
    "held": "held (not yet requested)",
    "pending_approval": "waiting for approval",
    "confirmed": "confirmed",
    "checked_in": "checked in",
    "no_show": "no-show",
    "expired": "hold expired",
    "cancelled": "cancelled",
    "rejected": "rejected",
}


def booking_rows(bookings: Sequence[NightBooking]) -> list[dict[str, str]]:
    """One flat row per booking, in staff words (what the table and the CSV show)."""
    rows = []
    for b in bookings:
        start, end = b.local_start, b.local_end
        row = {
            "reference": b.reference,
            "time": f"{start:%H:%M}-{end:%H:%M} {start:%Z}",
            "slot": b.slot_id or "",
            "tables": "+".join(str(n) for n in b.table_numbers) or "-",
            "guest": b.guest_name,
            "party": str(b.party_size),
            "status": STATUS_WORDS.get(b.status, b.status),
        }
        if b.deposit is not None:  # a host's view (and above): contact details and money
            row["phone"] = b.guest_phone or ""
            row["email"] = b.guest_email or ""
            row["deposit"] = f"{b.deposit}{' paid' if b.deposit_paid else ''}" if b.deposit.amount else "-"
            row["min spend"] = str(b.minimum_spend) if b.minimum_spend and b.minimum_spend.amount else "-"
        if b.occasion:
            row["occasion"] = b.occasion
        rows.append(row)
    return rows


def _columns(rows: Sequence[dict[str, str]]) -> list[str]:
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    return columns


def bookings_table(title: str, bookings: Sequence[NightBooking]) -> Table:
    """A night's bookings (or search results) as a table."""
    rows = booking_rows(bookings)
    table = Table(title=title)
    columns = _columns(rows) or ["reference", "time", "slot", "tables", "guest", "party", "status"]
    for column in columns:  # what staff read out or type stays on one line; the rest wraps
        table.add_column(column, justify="right" if column == "party" else "left",
                         no_wrap=column in ("reference", "time", "tables", "party"))
    for row in rows:
        table.add_row(*(row.get(column, "") for column in columns))
    return table


def bookings_csv(bookings: Sequence[NightBooking]) -> str:
    """The same rows as CSV, with a header."""
    rows = booking_rows(bookings)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=_columns(rows) or ["reference"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def catalogue_tables(catalogue: Catalogue) -> list[Table]:
    """Per venue: its slots and its tables."""
    out = []
    for venue in catalogue.venues:
        slots = ", ".join(f"{s.slot_id} ({s.label}, from {s.starts_at:%H:%M}, {s.duration})" for s in venue.slots)
        table = Table(title=f"{venue.name} ({venue.club}) {venue.venue_id}",
                      caption=f"{venue.timezone}, open {venue.opens_at:%H:%M}-{venue.closes_at:%H:%M}; "
                              f"slots: {slots or 'none'}")
        for column in ("table", "name", "floor", "seats", "min spend", "deposit"):
            table.add_column(column)
        for t in venue.tables:
            table.add_row(str(t.number), t.name + (" (VIP)" if t.vip else ""), t.floor,
                          f"{t.capacity_min}-{t.capacity_max}", str(t.minimum_spend), str(t.deposit))
        out.append(table)
    return out
