"""The error contract: one exception class per database error code, all under BookingError.

The database raises an exception whose MESSAGE is the code, whose DETAIL is for humans (or
JSON where the code carries data, such as alternatives), with a SQLSTATE of PostgREST's
``PTxyz`` form. ``from_database`` (psycopg) and ``from_postgrest`` (supabase-py) are the one
place where those become Python exceptions.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar


class BookingError(Exception):
    """A contract error from the booking database: ``code``, ``detail``, ``sqlstate``, ``data``."""

    code: ClassVar[str] = "BOOKING_ERROR"
    http_status: ClassVar[int] = 400

    def __init__(self, detail: str = "", *, sqlstate: str | None = None) -> None:
        super().__init__(f"{self.code}: {detail}" if detail else self.code)
        self.detail = detail
        self.sqlstate = sqlstate
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

    @property
    def alternatives(self) -> list[dict[str, Any]]:
        return list(self.data.get("alternatives", [])) if isinstance(self.data, dict) else []


class TableNotFound(BookingError):
    code = "TABLE_NOT_FOUND"
    http_status = 404


class CapacityMismatch(BookingError):
    code = "CAPACITY_MISMATCH"
    http_status = 422


class InvalidPartySize(BookingError):
    code = "INVALID_PARTY_SIZE"
    http_status = 422


class DateOutOfRange(BookingError):
    code = "DATE_OUT_OF_RANGE"
    http_status = 422


class OutsideOperatingHours(BookingError):
    code = "OUTSIDE_OPERATING_HOURS"
    http_status = 422


class Underage(BookingError):
    code = "UNDERAGE"
    http_status = 422


class MaxTablesExceeded(BookingError):
    code = "MAX_TABLES_EXCEEDED"
    http_status = 409


class HoldExpired(BookingError):
    code = "HOLD_EXPIRED"
    http_status = 409


class InvalidTransition(BookingError):
    code = "INVALID_TRANSITION"
    http_status = 409


class NotAuthorized(BookingError):
    code = "NOT_AUTHORIZED"
    http_status = 403


class MfaRequired(BookingError):
    code = "MFA_REQUIRED"
    http_status = 403


class InvalidInput(BookingError):
    code = "INVALID_INPUT"
    http_status = 422


ERRORS: dict[str, type[BookingError]] = {
    cls.code: cls
    for cls in (SectionNotAvailable, TableNotFound, CapacityMismatch, InvalidPartySize, DateOutOfRange,
                OutsideOperatingHours, Underage, MaxTablesExceeded, HoldExpired, InvalidTransition,
                NotAuthorized, MfaRequired, InvalidInput)
}

# An exclusion-constraint violation (a write that bypassed the RPCs' locks) is a conflict too.
EXCLUSION_VIOLATION = "23P01"


def from_parts(message: str | None, detail: str | None, sqlstate: str | None) -> BookingError | None:
    """The exception for a database error's parts, or None if it is not a contract error."""
    if message in ERRORS:
        return ERRORS[message](detail or "", sqlstate=sqlstate)
    if sqlstate == EXCLUSION_VIOLATION:
        return SectionNotAvailable(json.dumps({"reason": "taken", "alternatives": []}), sqlstate="PT409")
    return None


def from_database(error: Exception) -> BookingError | None:
    """Map a psycopg error to its contract exception (None for anything else)."""
    diag = getattr(error, "diag", None)
    if diag is None:
        return None
    return from_parts(diag.message_primary, diag.message_detail, diag.sqlstate)


def from_postgrest(body: dict[str, Any]) -> BookingError | None:
    """Map PostgREST's error JSON ({code, message, details, hint}) to its contract exception."""
    return from_parts(body.get("message"), body.get("details"), body.get("code"))
