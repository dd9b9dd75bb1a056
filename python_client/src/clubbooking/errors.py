"""The error contract: one exception class per database error code, all under BookingError.

The database raises an exception whose MESSAGE is the code, whose DETAIL is for humans (or
JSON where the code carries data, such as alternatives), with a SQLSTATE of PostgREST's
``PTxyz`` form. ``from_database`` (psycopg) and ``from_postgrest`` (supabase-py) are the one
place where those become Python exceptions. A few errors that PostgreSQL or PostgREST raise
before our functions run (no privilege, a malformed value, a bad or expired JWT) map to the
same classes, so bad input never surfaces as an internal error.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar


class BookingError(Exception):
    """A contract error from the booking database.

    ``code`` (e.g. ``SECTION_NOT_AVAILABLE``), ``detail`` (the DETAIL text), ``data`` (DETAIL
    parsed as JSON, else None), ``sqlstate`` (``PT409``, ...), ``status`` (the HTTP status
    PostgREST answers with) and ``hint``. ``advice`` says in a sentence what to do about it.
    """

    code: ClassVar[str] = "BOOKING_ERROR"
    http_status: ClassVar[int] = 400
    advice: ClassVar[str] = "the booking service refused the request"

    def __init__(self, detail: str = "", *, sqlstate: str | None = None, hint: str | None = None) -> None:
        super().__init__(f"{self.code}: {detail}" if detail else self.code)
        self.detail = detail
        self.sqlstate = sqlstate
        self.hint = hint
        self.data: Any = _json_or_none(detail)

    @property
    def status(self) -> int:
        """The HTTP status PostgREST answers with (from the PTxyz SQLSTATE when known)."""
        if self.sqlstate and self.sqlstate.startswith("PT") and self.sqlstate[2:].isdigit():
            return int(self.sqlstate[2:])
        return self.http_status


def _json_or_none(text: str) -> Any:
    if text[:1] in "{[":
        try:
            return json.loads(text)
        except ValueError:
            return None
    return None


class SectionNotAvailable(BookingError):
    """The table or section is taken, held or blocked; ``alternatives`` lists what is free."""

    code = "SECTION_NOT_AVAILABLE"
    http_status = 409
    advice = "that table is taken, held or blocked for the slot; try one of the alternatives"

    @property
    def alternatives(self) -> list[dict[str, Any]]:
        """Free table sets that fit the party: ``[{table_ids, table_numbers, ...}, ...]``."""
        return list(self.data.get("alternatives", [])) if isinstance(self.data, dict) else []


class TableNotFound(BookingError):
    """A table id that is not a table of that venue."""

    code = "TABLE_NOT_FOUND"
    http_status = 404
    advice = "no such table at this venue; check the table numbers"


class CapacityMismatch(BookingError):
    """The party does not fit the tables; ``data`` holds the tables' range."""

    code = "CAPACITY_MISMATCH"
    http_status = 422
    advice = "the party does not fit those tables; pick tables whose seats cover the party"


class InvalidPartySize(BookingError):
    """Party size outside 1-50."""

    code = "INVALID_PARTY_SIZE"
    http_status = 422
    advice = "party size must be between 1 and 50"


class DateOutOfRange(BookingError):
    """A past night, or one beyond the booking horizon (6 months)."""

    code = "DATE_OUT_OF_RANGE"
    http_status = 422
    advice = "that night is in the past or more than 6 months ahead"


class OutsideOperatingHours(BookingError):
    """Outside opening hours, or a night the venue is closed."""

    code = "OUTSIDE_OPERATING_HOURS"
    http_status = 422
    advice = "the venue is closed then; pick an opening night and one of its slots"


class Underage(BookingError):
    """The guest is under the venue's minimum age on the night."""

    code = "UNDERAGE"
    http_status = 422
    advice = "the guest is under the venue's minimum age on that night"


class MaxTablesExceeded(BookingError):
    """Too many tables for one guest (per night, or held at once)."""

    code = "MAX_TABLES_EXCEEDED"
    http_status = 409
    advice = "this guest already has as many tables as allowed; release one first"


class HoldExpired(BookingError):
    """The hold ran out before it was submitted."""

    code = "HOLD_EXPIRED"
    http_status = 409
    advice = "the hold ran out; hold the tables again"


class InvalidTransition(BookingError):
    """The booking's status does not allow the action (or a deposit is due)."""

    code = "INVALID_TRANSITION"
    http_status = 409
    advice = "the booking's current status does not allow that (or its deposit is unpaid)"


class NotAuthorized(BookingError):
    """Not allowed (status 401 when there is no signed-in user, else 403)."""

    code = "NOT_AUTHORIZED"
    http_status = 403
    advice = "not allowed for this user; act as a user with the right role (--as)"


class MfaRequired(BookingError):
    """A manager override or admin change from a session without ``aal2``."""

    code = "MFA_REQUIRED"
    http_status = 403
    advice = "this needs a session verified with MFA (aal2; --aal2 on the command line)"


class InvalidInput(BookingError):
    """Malformed or missing input (status 404 for an unknown venue, slot or booking)."""

    code = "INVALID_INPUT"
    http_status = 422
    advice = "the request is malformed, or names an unknown venue, slot, booking or customer"


ERRORS: dict[str, type[BookingError]] = {
    cls.code: cls
    for cls in (SectionNotAvailable, TableNotFound, CapacityMismatch, InvalidPartySize, DateOutOfRange,
                OutsideOperatingHours, Underage, MaxTablesExceeded, HoldExpired, InvalidTransition,
                NotAuthorized, MfaRequired, InvalidInput)
}


class DatabaseUnavailable(Exception):
    """The database (or the Supabase project) could not be reached: not a contract error."""


# An exclusion-constraint violation (a write that bypassed the RPCs' locks) is a conflict too.
EXCLUSION_VIOLATION = "23P01"
# No privilege on a function or table: PostgREST answers 401 for anon, else 403.
INSUFFICIENT_PRIVILEGE = "42501"
# Class 22 (data exception: a malformed uuid, date, number) is the caller's bad input.
DATA_EXCEPTION_CLASS = "22"
# PostgREST's "Could not find the function": an RPC the server's schema does not have.
POSTGREST_NO_FUNCTION = "PGRST202"


def _denied_words(message: str | None, anonymous: bool) -> str:
    """PostgreSQL's "permission denied for function hold_tables" as staff read it."""
    what = (message or "").rsplit(" ", 1)[-1] or "that"
    if anonymous:
        return f"sign in first: {what} is for signed-in users"
    return f"this account may not do that ({what}); act as someone with the right role"


# PostgREST's own JWT errors (missing, malformed, expired, bad signature): no signed-in user.
POSTGREST_JWT_ERRORS = ("PGRST300", "PGRST301", "PGRST302", "PGRST303")


def from_parts(message: str | None, detail: str | None, sqlstate: str | None, *, hint: str | None = None,
               anonymous: bool = False) -> BookingError | None:
    """The exception for a database error's parts, or None if it is not a contract error."""
    if message in ERRORS:
        return ERRORS[message](detail or "", sqlstate=sqlstate, hint=hint)
    if sqlstate == EXCLUSION_VIOLATION:
        return SectionNotAvailable(json.dumps({"reason": "taken", "alternatives": []}), sqlstate="PT409")
    if sqlstate == INSUFFICIENT_PRIVILEGE:
        return NotAuthorized(_denied_words(message, anonymous), sqlstate="PT401" if anonymous else "PT403", hint=hint)
    if sqlstate == POSTGREST_NO_FUNCTION:
        return InvalidInput(f"this server has no such operation ({message or 'unknown function'}); "
                            "its database may be older than this client: apply the migrations", sqlstate="PT404")
    if sqlstate in POSTGREST_JWT_ERRORS:
        return NotAuthorized(message or "", sqlstate="PT401", hint=hint)
    if sqlstate is not None and sqlstate.startswith(DATA_EXCEPTION_CLASS):
        return InvalidInput(message or "", sqlstate="PT422", hint=hint)
    return None


def from_database(error: Exception, *, anonymous: bool = False) -> BookingError | None:
    """Map a psycopg error to its contract exception (None for anything else)."""
    diag = getattr(error, "diag", None)
    if diag is None:
        return None
    return from_parts(diag.message_primary, diag.message_detail, diag.sqlstate, hint=diag.message_hint,
                      anonymous=anonymous)


def from_postgrest(body: dict[str, Any], *, anonymous: bool = False) -> BookingError | None:
    """Map PostgREST's error JSON ({code, message, details, hint}) to its contract exception."""
    details = body.get("details")
    if details is not None and not isinstance(details, str):
        details = json.dumps(details)
    return from_parts(body.get("message"), details, body.get("code"), hint=body.get("hint"), anonymous=anonymous)
