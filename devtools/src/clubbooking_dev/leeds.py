"""The seeded Leeds club (supabase/seed.sql): its ids, staff, nights, and demo guests."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import psycopg

CLUB_ID = uuid.UUID("11111111-1111-4111-8111-111111111111")
VENUE_ID = uuid.UUID("22222222-2222-4222-8222-222222222222")
TABLE_IDS = {n: uuid.UUID(f"44444444-4444-4444-8444-4444444444{n:02d}") for n in range(1, 17)}
SLOTS = ("slot_21_00", "slot_23_30")
STAFF_IDS = {
    "admin": uuid.UUID("55555555-5555-4555-8555-555555555501"),
    "manager": uuid.UUID("55555555-5555-4555-8555-555555555502"),
    "host": uuid.UUID("55555555-5555-4555-8555-555555555503"),
    "door": uuid.UUID("55555555-5555-4555-8555-555555555504"),
}
OPEN_WEEKDAYS = (4, 5)  # Friday and Saturday (Python weekday numbers)


def staff_claims(role: str, *, aal: str = "aal1") -> dict[str, Any]:
    """JWT claims of the seeded staff member with that role."""
    return {"sub": str(STAFF_IDS[role]), "role": "authenticated", "aal": aal,
            "email": f"{role}@backroom.example"}


def next_open_night(after: dt.date | None = None, *, weeks_ahead: int = 1) -> dt.date:
    """A Friday or Saturday at least ``weeks_ahead`` weeks after ``after`` (today)."""
    day = (after or dt.date.today()) + dt.timedelta(weeks=weeks_ahead)
    while day.weekday() not in OPEN_WEEKDAYS:
        day += dt.timedelta(days=1)
    return day


# A confirmed email sign-up, as GoTrue writes it (auth.users has no defaults for these).
CONFIRMED_USER = """
insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
                        raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
values ('00000000-0000-0000-0000-000000000000', %s, 'authenticated', 'authenticated', %s, '', now(),
        '{"provider": "email", "providers": ["email"]}', %s, now(), now())
"""


def create_guests(conn: psycopg.Connection[Any], count: int, *, prefix: str = "guest") -> list[dict[str, Any]]:
    """Create ``count`` Supabase Auth users (adults) and return their JWT claims."""
    claims = []
    for i in range(count):
        user_id = uuid.uuid4()
        email = f"{prefix}-{i}-{user_id.hex[:8]}@guests.example"
        meta = {"full_name": f"{prefix.title()} {i}", "date_of_birth": "1995-06-15"}
        conn.execute(CONFIRMED_USER, (user_id, email, json.dumps(meta)))
        claims.append({"sub": str(user_id), "role": "authenticated", "aal": "aal1", "email": email,
                       "user_metadata": meta})
    return claims
