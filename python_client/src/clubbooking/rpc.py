"""The RPCs the client calls, with their SQL argument names and types.

This table is the client's half of the contract; tests check it against the live catalogue
(``pg_proc``), so renaming an argument in SQL breaks a test rather than a user.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Rpc:
    """An RPC of schema public: its name, its arguments as (name, SQL type), and its result shape."""

    name: str
    args: tuple[tuple[str, str], ...]  # (argument name, SQL type)
    returns_rows: bool = False         # a set-returning function (one JSON object per row)

    def arg_type(self, arg: str) -> str:
        """The SQL type of an argument."""
        return dict(self.args)[arg]

    def check(self, args: Mapping[str, object]) -> None:
        """TypeError for an argument this RPC does not have (a client bug, caught before sending)."""
        unknown = set(args) - {a for a, _ in self.args}
        if unknown:
            raise TypeError(f"{self.name} has no argument(s) {', '.join(sorted(unknown))}")


def _rpc(name: str, *args: str, rows: bool = False) -> Rpc:
    pairs = tuple((a.split(":")[0], a.split(":")[1]) for a in args)
    return Rpc(name, pairs, rows)


RPCS: dict[str, Rpc] = {r.name: r for r in (
    _rpc("get_availability", "p_venue_id:uuid", "p_date:date", "p_slot_id:text"),
    _rpc("get_availability_at", "p_venue_id:uuid", "p_date:date", "p_slot_id:text", "p_at:timestamp with time zone"),
    _rpc("get_availability_events", "p_channel:text", "p_after_version:bigint", rows=True),
    _rpc("hold_tables", "p_venue_id:uuid", "p_date:date", "p_slot_id:text", "p_table_ids:uuid[]",
         "p_party_size:integer", "p_idempotency_key:text", "p_special_requests:text", "p_occasion:text",
         "p_promoter_code:text", "p_customer_id:uuid", "p_alternatives:boolean"),
    _rpc("submit_booking", "p_booking_id:uuid", "p_payment_reference:text"),
    _rpc("record_payment", "p_booking_id:uuid", "p_method:text", "p_reason:text"),
    _rpc("approve_booking", "p_booking_id:uuid", "p_reason:text"),
    _rpc("reject_booking", "p_booking_id:uuid", "p_reason:text"),
    _rpc("cancel_booking", "p_booking_id:uuid", "p_reason:text", "p_reference:text"),
    _rpc("check_in_booking", "p_booking_id:uuid", "p_reference:text", "p_arrived_count:integer"),
    _rpc("mark_no_show", "p_booking_id:uuid", "p_reference:text"),
    _rpc("block_tables", "p_venue_id:uuid", "p_date:date", "p_table_ids:uuid[]", "p_slot_id:text", "p_kind:text",
         "p_reason:text", "p_release_at:timestamp with time zone", "p_force:boolean"),
    _rpc("unblock_tables", "p_block_ids:uuid[]", "p_reason:text"),
    _rpc("join_waitlist", "p_venue_id:uuid", "p_date:date", "p_slot_id:text", "p_party_size:integer",
         "p_occasion:text"),
    _rpc("expire_holds"),
    _rpc("check_table_availability", "table_id:uuid", "booking_date:date", "start_time:time without time zone",
         "end_time:time without time zone", "exclude_booking_id:uuid"),
    _rpc("create_booking_atomic", "venue_id:uuid", "customer_email:text", "customer_phone:text",
         "customer_name:text", "table_ids:uuid[]", "booking_date:date", "start_time:time without time zone",
         "end_time:time without time zone", "party_size:integer", "customer_id:uuid", "special_requests:text",
         "occasion:text", "stripe_payment_intent_id:text", rows=True),
    _rpc("get_optimal_table_combinations", "venue_id:uuid", "booking_date:date",
         "start_time:time without time zone", "end_time:time without time zone", "party_size:integer", rows=True),
    _rpc("get_user_role", "user_id:uuid", "venue_id:uuid"),
    _rpc("booking_system_health"),
    _rpc("get_promoter_bookings", "p_venue_id:uuid", "p_from:date", "p_to:date"),
    _rpc("get_venue_metrics", "p_venue_id:uuid", "p_from:date", "p_to:date"),
    _rpc("report_client_metrics", "p_venue_id:uuid", "p_date:date", "p_client:client_kind", "p_latencies_ms:integer[]",
         "p_resyncs:integer", "p_mismatched_resyncs:integer", "p_stale_hold_refusals:integer"),
)}

# Security: manager overrides and admin configuration (aal2), GDPR erasure and export.
RPCS.update({r.name: r for r in (
    _rpc("approve_booking_over_capacity", "p_booking_id:uuid", "p_party_size:integer", "p_reason:text"),
    _rpc("refund_deposit", "p_booking_id:uuid", "p_reason:text"),
    _rpc("update_venue_settings", "p_venue_id:uuid", "p_settings:jsonb"),
    _rpc("forget_customer", "p_customer_id:uuid"),
    _rpc("export_customer_data", "p_customer_id:uuid"),
)})

# Staff operations: the door's views, walk-in guests, invitations, the catalogue, venue setup.
RPCS.update({r.name: r for r in (
    _rpc("get_night_bookings", "p_venue_id:uuid", "p_date:date", "p_statuses:text[]"),
    _rpc("find_bookings", "p_venue_id:uuid", "p_query:text"),
    _rpc("create_guest", "p_venue_id:uuid", "p_full_name:text", "p_phone:text", "p_email:text"),
    _rpc("invite_staff", "p_venue_id:uuid", "p_email:text", "p_role:text"),
    _rpc("get_catalogue", "p_venue_id:uuid"),
    _rpc("setup_venue", "p_venue_id:uuid", "p_spec:jsonb"),
)})

# History: the audit chain and its anchors.
RPCS.update({r.name: r for r in (
    _rpc("verify_audit_chain", "p_venue_id:uuid", "p_from:timestamp with time zone", "p_to:timestamp with time zone"),
    _rpc("get_audit_anchors", "p_venue_id:uuid", "p_since:date"),
    _rpc("anchor_audit_chains"),
)})

# Staff management: invitations by token, accepted explicitly; staff removed or re-roled; a
# booking a club made for an address, claimed by that address's account.
RPCS.update({r.name: r for r in (
    _rpc("accept_invitation", "p_token:text"),
    _rpc("claim_booking", "p_reference:text"),
    _rpc("list_invitations", "p_venue_id:uuid"),
    _rpc("revoke_invitation", "p_invitation_id:uuid"),
    _rpc("list_staff", "p_venue_id:uuid"),
    _rpc("remove_staff", "p_venue_id:uuid", "p_user_id:uuid"),
    _rpc("set_staff_role", "p_venue_id:uuid", "p_user_id:uuid", "p_role:text"),
)})

# A booking's life after it is made: changes, walk-ins, the door's undo.
RPCS.update({r.name: r for r in (
    _rpc("modify_booking", "p_booking_id:uuid", "p_party_size:integer", "p_table_ids:uuid[]", "p_slot_id:text",
         "p_reason:text", "p_reference:text"),
    _rpc("seat_walk_in", "p_venue_id:uuid", "p_date:date", "p_slot_id:text", "p_table_ids:uuid[]",
         "p_party_size:integer", "p_full_name:text", "p_phone:text", "p_payment_method:text", "p_reason:text"),
    _rpc("undo_check_in", "p_booking_id:uuid", "p_reason:text", "p_reference:text"),
    _rpc("undo_no_show", "p_booking_id:uuid", "p_reason:text", "p_reference:text"),
)})
