"""``BookingClient`` (sync) and ``AsyncBookingClient`` (async): one method per RPC of the contract.

Both have the same methods with the same arguments and typed results (``clubbooking.models``);
the async one's are coroutines. Either runs over psycopg (``connect``) or supabase-py
(``from_supabase``). Every method raises the contract's exception (``SectionNotAvailable``,
...; all ``BookingError``) on a domain error. The methods are written once, in
``clubbooking.calls``; the descriptors below bind them to a client.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import inspect
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any, Generic, ParamSpec, TypeVar, overload

from clubbooking import calls, watch
from clubbooking.calls import Call, Id
from clubbooking.models import _uuid
from clubbooking.transport import (
    AsyncPsycopgTransport,
    AsyncSupabaseTransport,
    AsyncTransport,
    Claims,
    PsycopgTransport,
    SupabaseTransport,
    Transport,
)

P = ParamSpec("P")
T = TypeVar("T")


class _Rpc(Generic[P, T]):
    """A method built from a ``calls`` function; ``bind`` decides how a client runs the call."""

    def __init__(self, build: Callable[P, Call[T]]) -> None:
        self.build = build
        self.__doc__ = build.__doc__
        # What introspection (help(), IDEs) shows for the bound method: the arguments, not the Call.
        self.signature = inspect.signature(build).replace(return_annotation=inspect.Signature.empty)

    def bind(self, method: Callable[..., Any]) -> None:
        """Give a bound method the name, docstring and signature of its ``calls`` function."""
        for attribute in ("__module__", "__name__", "__qualname__", "__doc__"):
            setattr(method, attribute, getattr(self.build, attribute))
        method.__signature__ = self.signature  # type: ignore[attr-defined]


class SyncRpc(_Rpc[P, T]):
    """``client.name(...)`` runs the call and returns its typed result."""

    @overload
    def __get__(self, client: None, owner: type[Any]) -> SyncRpc[P, T]: ...
    @overload
    def __get__(self, client: BookingClient, owner: type[Any]) -> Callable[P, T]: ...

    def __get__(self, client: BookingClient | None, owner: type[Any]) -> SyncRpc[P, T] | Callable[P, T]:
        if client is None:
            return self

        def method(*args: P.args, **kwargs: P.kwargs) -> T:
            return client.run(self.build(*args, **kwargs))
        self.bind(method)
        return method


class AsyncRpc(_Rpc[P, T]):
    """``await client.name(...)`` runs the call and returns its typed result."""

    @overload
    def __get__(self, client: None, owner: type[Any]) -> AsyncRpc[P, T]: ...
    @overload
    def __get__(self, client: AsyncBookingClient, owner: type[Any]) -> Callable[P, Coroutine[Any, Any, T]]: ...

    def __get__(self, client: AsyncBookingClient | None,
                owner: type[Any]) -> AsyncRpc[P, T] | Callable[P, Coroutine[Any, Any, T]]:
        if client is None:
            return self

        async def method(*args: P.args, **kwargs: P.kwargs) -> T:
            return await client.run(self.build(*args, **kwargs))
        self.bind(method)
        return method


class BookingClient:
    """The clubbooking API for Python (synchronous).

    >>> client = BookingClient.connect(dsn, claims={"sub": user_id, "role": "authenticated"})
    >>> booking = client.hold_tables(venue_id, night, "slot_21_00", [table_id], party_size=4)

    Thread-safe: calls from many threads share the connection pool.
    """

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    @classmethod
    def connect(cls, dsn: str, claims: Claims = None, *, pool_size: int = 4, timeout: float = 30.0) -> BookingClient:
        """Over psycopg: act as the user of ``claims`` (None: the DSN's own role, e.g. a trusted script).

        Raises ``DatabaseUnavailable`` when no connection opens within ``timeout`` seconds.
        """
        return cls(PsycopgTransport.open(dsn, claims, pool_size=pool_size, timeout=timeout))

    @classmethod
    def from_supabase(cls, url: str, key: str, access_token: str | None = None) -> BookingClient:
        """Over supabase-py: RPCs through PostgREST with the project's key and the user's access token."""
        return cls(SupabaseTransport.open(url, key, access_token))

    def as_user(self, claims: Claims) -> BookingClient:
        """The same pool, acting as another user (psycopg transport only)."""
        if not isinstance(self.transport, PsycopgTransport):
            raise TypeError("as_user needs the psycopg transport; use from_supabase with another token")
        return BookingClient(self.transport.with_claims(claims))

    def run(self, call: Call[T]) -> T:
        """Run one ``Call`` (what every RPC method does)."""
        return call.parse(self.transport.call(call.name, call.args))

    def close(self) -> None:
        """Close the pool (a client from ``as_user`` leaves its parent's pool open)."""
        self.transport.close()

    def __enter__(self) -> BookingClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    get_availability = SyncRpc(calls.get_availability)
    get_availability_at = SyncRpc(calls.get_availability_at)
    get_availability_events = SyncRpc(calls.get_availability_events)
    check_table_availability = SyncRpc(calls.check_table_availability)
    get_optimal_table_combinations = SyncRpc(calls.get_optimal_table_combinations)
    hold_tables = SyncRpc(calls.hold_tables)
    submit_booking = SyncRpc(calls.submit_booking)
    record_payment = SyncRpc(calls.record_payment)
    approve_booking = SyncRpc(calls.approve_booking)
    reject_booking = SyncRpc(calls.reject_booking)
    cancel_booking = SyncRpc(calls.cancel_booking)
    claim_booking = SyncRpc(calls.claim_booking)
    check_in_booking = SyncRpc(calls.check_in_booking)
    mark_no_show = SyncRpc(calls.mark_no_show)
    undo_check_in = SyncRpc(calls.undo_check_in)
    undo_no_show = SyncRpc(calls.undo_no_show)
    modify_booking = SyncRpc(calls.modify_booking)
    seat_walk_in = SyncRpc(calls.seat_walk_in)
    create_booking_atomic = SyncRpc(calls.create_booking_atomic)
    block_tables = SyncRpc(calls.block_tables)
    unblock_tables = SyncRpc(calls.unblock_tables)
    join_waitlist = SyncRpc(calls.join_waitlist)
    expire_holds = SyncRpc(calls.expire_holds)
    get_user_role = SyncRpc(calls.get_user_role)
    booking_system_health = SyncRpc(calls.booking_system_health)
    get_promoter_bookings = SyncRpc(calls.get_promoter_bookings)
    get_venue_metrics = SyncRpc(calls.get_venue_metrics)
    report_client_metrics = SyncRpc(calls.report_client_metrics)
    approve_booking_over_capacity = SyncRpc(calls.approve_booking_over_capacity)
    refund_deposit = SyncRpc(calls.refund_deposit)
    update_venue_settings = SyncRpc(calls.update_venue_settings)
    forget_customer = SyncRpc(calls.forget_customer)
    export_customer_data = SyncRpc(calls.export_customer_data)
    get_night_bookings = SyncRpc(calls.get_night_bookings)
    find_bookings = SyncRpc(calls.find_bookings)
    create_guest = SyncRpc(calls.create_guest)
    invite_staff = SyncRpc(calls.invite_staff)
    accept_invitation = SyncRpc(calls.accept_invitation)
    list_invitations = SyncRpc(calls.list_invitations)
    revoke_invitation = SyncRpc(calls.revoke_invitation)
    list_staff = SyncRpc(calls.list_staff)
    remove_staff = SyncRpc(calls.remove_staff)
    set_staff_role = SyncRpc(calls.set_staff_role)
    get_catalogue = SyncRpc(calls.get_catalogue)
    setup_venue = SyncRpc(calls.setup_venue)
    verify_audit_chain = SyncRpc(calls.verify_audit_chain)
    get_audit_anchors = SyncRpc(calls.get_audit_anchors)
    anchor_audit_chains = SyncRpc(calls.anchor_audit_chains)


class AsyncBookingClient:
    """The clubbooking API for asyncio: ``BookingClient``'s methods, as coroutines.

    >>> async with AsyncBookingClient.connect(dsn, claims=claims) as client:
    ...     snapshot = await client.get_availability(venue_id, night, "slot_23_30")

    ``connect`` and ``from_supabase`` return at once; the pool opens on ``async with`` (or the
    first call) and closes on leaving it (or ``await client.aclose()``).
    """

    def __init__(self, transport: AsyncTransport | None = None, *,
                 opener: Callable[[], Coroutine[Any, Any, AsyncTransport]] | None = None) -> None:
        self._transport = transport
        self._opener = opener
        self._opening = asyncio.Lock()

    @classmethod
    def connect(cls, dsn: str, claims: Claims = None, *, pool_size: int = 4,
                timeout: float = 30.0) -> AsyncBookingClient:
        """Over psycopg's ``AsyncConnectionPool``, acting as the user of ``claims`` (None: the DSN's role)."""
        return cls(opener=functools.partial(AsyncPsycopgTransport.open, dsn, claims, pool_size=pool_size,
                                            timeout=timeout))

    @classmethod
    def from_supabase(cls, url: str, key: str, access_token: str | None = None) -> AsyncBookingClient:
        """Over supabase-py's ``AsyncClient``: RPCs through PostgREST under the user's access token."""
        return cls(AsyncSupabaseTransport.open(url, key, access_token))

    async def transport(self) -> AsyncTransport:
        """The transport, opened on first use."""
        if self._transport is None:
            async with self._opening:
                if self._transport is None:
                    assert self._opener is not None
                    self._transport = await self._opener()
        return self._transport

    async def as_user(self, claims: Claims) -> AsyncBookingClient:
        """The same pool, acting as another user (psycopg transport only)."""
        transport = await self.transport()
        if not isinstance(transport, AsyncPsycopgTransport):
            raise TypeError("as_user needs the psycopg transport; use from_supabase with another token")
        return AsyncBookingClient(transport.with_claims(claims))

    async def run(self, call: Call[T]) -> T:
        """Run one ``Call`` (what every RPC method does)."""
        return call.parse(await (await self.transport()).call(call.name, call.args))

    async def aclose(self) -> None:
        """Close the pool (a client from ``as_user`` leaves its parent's pool open)."""
        if self._transport is not None:
            await self._transport.close()

    async def __aenter__(self) -> AsyncBookingClient:
        await self.transport()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def watch_availability(self, venue_id: Id, date: dt.date, slot_id: str,
                           **options: Any) -> AsyncIterator[watch.Update]:
        """The slot's snapshot, then an update per event, forever: ``clubbooking.watch.watch_availability``
        with this client as the source (``options``: ``listen``, ``idle_resync``, ``backoff``, ...).

        >>> async for update in client.watch_availability(venue_id, night, "slot_23_30"):
        ...     print(update.kind, update.availability.version)
        """
        return watch.watch_availability(self, _uuid(venue_id), date, slot_id, **options)

    get_availability = AsyncRpc(calls.get_availability)
    get_availability_at = AsyncRpc(calls.get_availability_at)
    get_availability_events = AsyncRpc(calls.get_availability_events)
    check_table_availability = AsyncRpc(calls.check_table_availability)
    get_optimal_table_combinations = AsyncRpc(calls.get_optimal_table_combinations)
    hold_tables = AsyncRpc(calls.hold_tables)
    submit_booking = AsyncRpc(calls.submit_booking)
    record_payment = AsyncRpc(calls.record_payment)
    approve_booking = AsyncRpc(calls.approve_booking)
    reject_booking = AsyncRpc(calls.reject_booking)
    cancel_booking = AsyncRpc(calls.cancel_booking)
    claim_booking = AsyncRpc(calls.claim_booking)
    check_in_booking = AsyncRpc(calls.check_in_booking)
    mark_no_show = AsyncRpc(calls.mark_no_show)
    undo_check_in = AsyncRpc(calls.undo_check_in)
    undo_no_show = AsyncRpc(calls.undo_no_show)
    modify_booking = AsyncRpc(calls.modify_booking)
    seat_walk_in = AsyncRpc(calls.seat_walk_in)
    create_booking_atomic = AsyncRpc(calls.create_booking_atomic)
    block_tables = AsyncRpc(calls.block_tables)
    unblock_tables = AsyncRpc(calls.unblock_tables)
    join_waitlist = AsyncRpc(calls.join_waitlist)
    expire_holds = AsyncRpc(calls.expire_holds)
    get_user_role = AsyncRpc(calls.get_user_role)
    booking_system_health = AsyncRpc(calls.booking_system_health)
    get_promoter_bookings = AsyncRpc(calls.get_promoter_bookings)
    get_venue_metrics = AsyncRpc(calls.get_venue_metrics)
    report_client_metrics = AsyncRpc(calls.report_client_metrics)
    approve_booking_over_capacity = AsyncRpc(calls.approve_booking_over_capacity)
    refund_deposit = AsyncRpc(calls.refund_deposit)
    update_venue_settings = AsyncRpc(calls.update_venue_settings)
    forget_customer = AsyncRpc(calls.forget_customer)
    export_customer_data = AsyncRpc(calls.export_customer_data)
    get_night_bookings = AsyncRpc(calls.get_night_bookings)
    find_bookings = AsyncRpc(calls.find_bookings)
    create_guest = AsyncRpc(calls.create_guest)
    invite_staff = AsyncRpc(calls.invite_staff)
    accept_invitation = AsyncRpc(calls.accept_invitation)
    list_invitations = AsyncRpc(calls.list_invitations)
    revoke_invitation = AsyncRpc(calls.revoke_invitation)
    list_staff = AsyncRpc(calls.list_staff)
    remove_staff = AsyncRpc(calls.remove_staff)
    set_staff_role = AsyncRpc(calls.set_staff_role)
    get_catalogue = AsyncRpc(calls.get_catalogue)
    setup_venue = AsyncRpc(calls.setup_venue)
    verify_audit_chain = AsyncRpc(calls.verify_audit_chain)
    get_audit_anchors = AsyncRpc(calls.get_audit_anchors)
    anchor_audit_chains = AsyncRpc(calls.anchor_audit_chains)


def rpc_methods() -> dict[str, Callable[..., Call[Any]]]:
    """Every RPC method of the clients, by name, with the ``calls`` function behind it."""
    return {name: attr.build for name, attr in vars(BookingClient).items() if isinstance(attr, SyncRpc)}
