"""clubbooking: the Python client, CLI and database harness for the clubbooking backend.

>>> from clubbooking import BookingClient
>>> with BookingClient.connect(dsn, claims={"sub": user_id, "role": "authenticated"}) as client:
...     booking = client.hold_tables(venue_id, night, "slot_23_30", [table_id], party_size=4)

``AsyncBookingClient`` has the same methods as coroutines. Domain errors raise one exception
class per code (``SectionNotAvailable``, ...), all ``BookingError``.
"""

from clubbooking.client import AsyncBookingClient, BookingClient
from clubbooking.errors import (
    BookingError,
    CapacityMismatch,
    DatabaseUnavailable,
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
from clubbooking.models import (
    AtomicBookingResult,
    AuditAnchor,
    AuditChainCheck,
    Availability,
    AvailabilityEvent,
    BlockResult,
    Booking,
    NightMetrics,
    PromoterBooking,
    TableCombination,
    TableState,
    WaitlistEntry,
)

__all__ = [
    "AsyncBookingClient",
    "AtomicBookingResult",
    "AuditAnchor",
    "AuditChainCheck",
    "Availability",
    "AvailabilityEvent",
    "BlockResult",
    "Booking",
    "BookingClient",
    "BookingError",
    "CapacityMismatch",
    "DatabaseUnavailable",
    "DateOutOfRange",
    "HoldExpired",
    "InvalidInput",
    "InvalidPartySize",
    "InvalidTransition",
    "MaxTablesExceeded",
    "MfaRequired",
    "NightMetrics",
    "NotAuthorized",
    "OutsideOperatingHours",
    "PromoterBooking",
    "SectionNotAvailable",
    "TableCombination",
    "TableNotFound",
    "TableState",
    "Underage",
    "WaitlistEntry",
]
