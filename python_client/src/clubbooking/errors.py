"""The error contract: one exception class per database error code, all under BookingError.

The database raises an exception whose MESSAGE is the code, whose DETAIL is for humans (or
JSON where the code carries data, such as alternatives), with a SQLSTATE of PostgREST's
``PTxyz`` form. ``from_database`` (psycopg) and ``from_postgrest`` (supabase-py) are the one
place where those become Python exceptions. A few errors that PostgreSQL or PostgREST raise
before our functions run (no privilege, a malformed value, a bad or expired JWT) map to the
same classes, so bad input never surfaces as an internal error.

The codes, their SQLSTATEs and HTTP statuses and the classes' names come from
``clubbooking.error_codes``, generated from the database's ``private.error_codes`` (``make types``):
a class names its code (``class TableNotFound(BookingError, code="TABLE_NOT_FOUND")``) and takes the
rest from that table; what a class adds here is for people (its advice) or for its data.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from clubbooking.error_codes import ERROR_CODES

_ROWS = {row.code: row for row in ERROR_CODES}
ERRORS: dict[str, type[BookingError]] = {}  # each contract code's class, filled as they are defined below


class BookingError(Exception):
    """A contract error from the booking database.

    ``code`` (e.g. ``SECTION_NOT_AVAILABLE``), ``detail`` (the DETAIL text), ``data`` (DETAIL
    parsed as JSON, else None), ``sqlstate`` (``PT409``, ...), ``status`` (the HTTP status
    PostgREST answers with) and ``hint``. ``advice`` says in a sentence what to do about it.
    """

    code: ClassVar[str] = "BOOKING_ERROR"
    http_status: ClassVar[int] = 400
    default_sqlstate: ClassVar[str | None] = None  # the SQLSTATE the database raises the code with
    advice: ClassVar[str] = "the booking service refused the request"

    def __init_subclass__(cls, *, code: str | None = None, **kwargs: Any) -> None:
        """The class of a contract code: its status and SQLSTATE from the generated table, which
        also names the class; a class without ``code`` (a user's subclass) inherits them."""
        super().__init_subclass__(**kwargs)
        if code is None:
            return
        row = _ROWS[code]
        if cls.__name__ != row.class_name:
            raise TypeError(f"the class of {code} is {row.class_name} (clubbooking.error_codes), not {cls.__name__}")
        cls.code, cls.http_status, cls.default_sqlstate = row.code, row.status, row.sqlstate
        ERRORS[code] = cls

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


class SectionNotAvailable(BookingError, code="SECTION_NOT_AVAILABLE"):
    """The table or section is taken, held or blocked; ``alternatives`` lists what is free."""

    advice = "that table is taken, held or blocked for the slot; try one of the alternatives"

    @property
    def alternatives(self) -> list[dict[str, Any]]:
        """Free table sets that fit the party: ``[{table_ids, table_numbers, ...}, ...]``."""
        return list(self.data.get("alternatives", [])) if isinstance(self.data, dict) else []


class TableNotFound(BookingError, code="TABLE_NOT_FOUND"):
    """A table id that is not a table of that venue."""

    advice = "no such table at this venue; check the table numbers"


class CapacityMismatch(BookingError, code="CAPACITY_MISMATCH"):
    """The party does not fit the tables; ``data`` holds the tables' range."""

    advice = "the party does not fit those tables; pick tables whose seats cover the party"


class InvalidPartySize(BookingError, code="INVALID_PARTY_SIZE"):
    """Party size outside 1-50."""

    advice = "party size must be between 1 and 50"


class DateOutOfRange(BookingError, code="DATE_OUT_OF_RANGE"):
    """A past night, or one beyond the booking horizon (6 months)."""

    advice = "that night is in the past or more than 6 months ahead"


class OutsideOperatingHours(BookingError, code="OUTSIDE_OPERATING_HOURS"):
    """Outside opening hours, or a night the venue is closed."""

    advice = "the venue is closed then; pick an opening night and one of its slots"


class Underage(BookingError, code="UNDERAGE"):
    """The guest is under the venue's minimum age on the night."""

    advice = "the guest is under the venue's minimum age on that night"


class MaxTablesExceeded(BookingError, code="MAX_TABLES_EXCEEDED"):
    """Too many tables for one guest (per night, or held at once)."""

    advice = "this guest already has as many tables as allowed; release one first"


class HoldExpired(BookingError, code="HOLD_EXPIRED"):
    """The hold ran out before it was submitted."""

    advice = "the hold ran out; hold the tables again"


class InvalidTransition(BookingError, code="INVALID_TRANSITION"):
    """The booking's status does not allow the action (or a deposit is due)."""

    advice = "the booking's current status does not allow that (or its deposit is unpaid)"


class NotAuthorized(BookingError, code="NOT_AUTHORIZED"):
    """Not allowed (status 401 when there is no signed-in user, else 403)."""

    advice = "not allowed for this user; act as a user with the right role (--as)"


class MfaRequired(BookingError, code="MFA_REQUIRED"):
    """A manager override or admin change from a session without ``aal2``."""

    advice = "this needs a session verified with MFA (aal2; --aal2 on the command line)"


class InvalidInput(BookingError, code="INVALID_INPUT"):
    """Malformed or missing input (status 404 for an unknown venue, slot or booking)."""

    advice = "the request is malformed, or names an unknown venue, slot, booking or customer"


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
# The SQLSTATEs two codes take besides their own (their descriptions in private.error_codes say when):
# NOT_AUTHORIZED with no signed-in user, INVALID_INPUT for an unknown venue, slot, booking or function.
NO_USER_SQLSTATE = "PT401"
UNKNOWN_SQLSTATE = "PT404"


def from_parts(message: str | None, detail: str | None, sqlstate: str | None, *, hint: str | None = None,
               anonymous: bool = False) -> BookingError | None:
    """The exception for a database error's parts, or None if it is not a contract error."""
    if message in ERRORS:
        return ERRORS[message](detail or "", sqlstate=sqlstate, hint=hint)
    if sqlstate == EXCLUSION_VIOLATION:
        return SectionNotAvailable(json.dumps({"reason": "taken", "alternatives": []}),
                                   sqlstate=SectionNotAvailable.default_sqlstate)
    if sqlstate == INSUFFICIENT_PRIVILEGE:
        return NotAuthorized(_denied_words(message, anonymous),
                             sqlstate=NO_USER_SQLSTATE if anonymous else NotAuthorized.default_sqlstate, hint=hint)
    if sqlstate == POSTGREST_NO_FUNCTION:
        return InvalidInput(f"this server has no such operation ({message or 'unknown function'}); "
                            "its database may be older than this client: apply the migrations",
                            sqlstate=UNKNOWN_SQLSTATE)
    if sqlstate in POSTGREST_JWT_ERRORS:
        return NotAuthorized(message or "", sqlstate=NO_USER_SQLSTATE, hint=hint)
    if sqlstate is not None and sqlstate.startswith(DATA_EXCEPTION_CLASS):
        return InvalidInput(message or "", sqlstate=InvalidInput.default_sqlstate, hint=hint)
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
