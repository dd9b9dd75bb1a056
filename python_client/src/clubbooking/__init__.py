"""clubbooking: the Python client, CLI and database harness for the clubbooking backend."""

from clubbooking.errors import (
    BookingError,
    CapacityMismatch,
    DateOutOfRange,
    HoldExpired,
    InvalidInput,
    InvalidPartySize,
    InvalidTransition,
    MaxTablesExceeded,
    MfaRequired,
    NotAuthorized,
    OutsideOperatingHours,
    SectionNotAvailable,
    TableNotFound,
    Underage,
)

__all__ = [
    "BookingError",
    "CapacityMismatch",
    "DateOutOfRange",
    "HoldExpired",
    "InvalidInput",
    "InvalidPartySize",
    "InvalidTransition",
    "MaxTablesExceeded",
    "MfaRequired",
    "NotAuthorized",
    "OutsideOperatingHours",
    "SectionNotAvailable",
    "TableNotFound",
    "Underage",
]
