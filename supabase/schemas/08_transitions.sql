-- =============================================================================================
-- Transitions: submit, approve, reject, cancel, check in, no-show, expire
-- =============================================================================================
-- Each verb a booking takes after its hold, with who may do it; and the sweep of dead holds.

-- May the caller name this booking at all: its guest, staff of its venue (any role), or a
-- trusted caller. Everyone else is told what an invented id or reference gets, so neither
-- answer says whether a booking exists.
create function private.may_name_booking(p_booking public.bookings) returns boolean
language plpgsql stable security definer set search_path = ''
as $$
begin
  return private.is_trusted()
      or (private.api_role() = 'authenticated'
          and (p_booking.customer_id is not distinct from private.my_customer_id() and p_booking.customer_id is not null
               or private.staff_role(p_booking.venue_id) is not null));
end;
$$;

-- NOT_AUTHORIZED (PT401) for a caller with no user, before any booking is looked up.
create function private.require_signed_in() returns void
language plpgsql stable set search_path = ''
as $$
begin
  if (select auth.uid()) is null and not private.is_trusted() then
    perform private.raise_error('NOT_AUTHORIZED', 'sign in first', 'PT401');
  end if;
end;
$$;

-- The booking a transition names: by id, or by the reference a guest reads out at the door
-- (any case, surrounding spaces ignored). Exactly one of them; an unknown one, and one the
-- caller may not name (private.may_name_booking), is the same 404.
create function private.booking_id_for(p_booking_id uuid, p_reference text) returns uuid
language plpgsql stable security definer set search_path = ''
as $$
declare
  v_booking public.bookings;
begin
  if (p_booking_id is null) = (p_reference is null) then
    perform private.raise_error('INVALID_INPUT', 'name the booking by its id or by its reference (BR-YYMMDD-XXXXXX), not both');
  end if;
  if p_booking_id is not null then
    return p_booking_id;
  end if;
  perform private.require_signed_in();
  select * into v_booking from public.bookings b where b.reference = upper(btrim(p_reference));
  if v_booking.id is null or not private.may_name_booking(v_booking) then
    perform private.raise_error('INVALID_INPUT',
      format('no booking with reference %s (references look like BR-261204-S5F7EY)', left(btrim(p_reference), 40)), 'PT404');
  end if;
  return v_booking.id;
end;
$$;

-- The transitions' wrappers resolve a booking reference to its id.
grant execute on function private.booking_id_for(uuid, text) to authenticated, service_role;

-- Lock a booking row for a transition and check the caller may act on it: the guest who owns
-- it (when p_guest_may), staff of its venue with at least p_min_role, or a trusted caller. A
-- booking the caller may not name at all is "unknown booking", as an invented id is.
create function private.booking_for_transition(p_booking_id uuid, p_guest_may boolean, p_min_role text,
                                               p_needs_aal2 boolean default false)
returns public.bookings
language plpgsql
set search_path = ''
as $$
declare
  v_booking public.bookings;
begin
  if p_booking_id is null then
    perform private.raise_error('INVALID_INPUT', 'booking id is required');
  end if;
  perform private.require_signed_in();
  select * into v_booking from public.bookings b where b.id = p_booking_id;
  if not found or not private.may_name_booking(v_booking) then
    perform private.raise_error('INVALID_INPUT', 'unknown booking', 'PT404');
  end if;
  select * into v_booking from public.bookings b where b.id = p_booking_id for update;
  if p_guest_may and v_booking.customer_id is not distinct from private.my_customer_id()
     and private.api_role() = 'authenticated' then
    return v_booking;
  end if;
  perform private.require_staff(v_booking.venue_id, p_min_role, p_needs_aal2);
  return v_booking;
end;
$$;

-- Move a locked booking to a new status with a reason code and, optionally, free text (the
-- trigger checks the state machine and the deposit, writes the audit row and keeps claims in
-- step; events follow at commit).
create function private.set_status(p_booking public.bookings, p_status text, p_reason text,
                                   p_note text default null)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_booking public.bookings;
begin
  update public.bookings b
     set status = p_status,
         status_reason = p_reason,
         status_note = p_note,
         hold_expires_at = case when p_status = 'held' then b.hold_expires_at end
   where b.id = p_booking.id
  returning * into v_booking;
  return private.booking_result(v_booking);
end;
$$;

-- HOLD_EXPIRED unless a booking is a live hold (INVALID_TRANSITION when it is no hold at all).
create function private.require_live_hold(p_booking public.bookings, p_action text) returns void
language plpgsql
set search_path = ''
as $$
begin
  if p_booking.status = 'expired' or (p_booking.status = 'held' and p_booking.hold_expires_at <= private.now()) then
    perform private.raise_error('HOLD_EXPIRED', format('the hold ran out at %s', private.local_text(p_booking.venue_id, p_booking.hold_expires_at)));
  end if;
  if p_booking.status <> 'held' then
    perform private.raise_error('INVALID_TRANSITION', format('a %s booking cannot be %s', p_booking.status, p_action));
  end if;
end;
$$;

-- Bind a PaymentIntent to the booking it was created for (its guest or host and above). Binding
-- the bound one again is a no-op; another PaymentIntent for this booking, or this one for
-- another booking, is INVALID_TRANSITION: one PaymentIntent pays one booking, and the webhook
-- refuses it for any other.
create function private.bind_payment_intent(p_booking_id uuid, p_payment_intent_id text) returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  v_booking public.bookings := private.booking_for_transition(p_booking_id, true, 'host');
begin
  if p_payment_intent_id is null or p_payment_intent_id !~ '^pi_[A-Za-z0-9_]{1,250}$' then
    perform private.raise_error('INVALID_INPUT', 'a Stripe PaymentIntent id (pi_...) is required');
  end if;
  if v_booking.payment_intent_id <> p_payment_intent_id
     or exists (select 1 from public.bookings b
                where b.id <> v_booking.id
                  and (b.payment_intent_id = p_payment_intent_id or b.payment_reference = p_payment_intent_id)) then
    perform private.raise_error('INVALID_TRANSITION', 'one PaymentIntent pays one booking');
  end if;
  if v_booking.payment_intent_id is null then
    begin
      update public.bookings b set payment_intent_id = p_payment_intent_id where b.id = v_booking.id
      returning * into v_booking;
    exception when unique_violation then  -- another booking bound it meanwhile
      perform private.raise_error('INVALID_TRANSITION', 'one PaymentIntent pays one booking');
    end;
  end if;
  return private.booking_result(v_booking);
end;
$$;

comment on function private.bind_payment_intent is
  'Bind a PaymentIntent to its booking, once; refused for a second one or another booking''s.';

grant execute on function private.bind_payment_intent(uuid, text) to authenticated, service_role;

-- held -> pending_approval (or confirmed where the venue auto-confirms) once the deposit is
-- paid or none is due. Only money pays a deposit: the payment webhook (or staff taking it in
-- person, record_payment) marks it paid and submits the request. A guest's PaymentIntent id
-- (p_payment_reference, pi_...) is only attached to the hold (awaiting_payment): the hold
-- keeps its expiry, and the webhook submits it when the payment succeeds (a payment after the
-- hold ran out goes through private.record_deposit_payment's late path). Repeating it returns
-- the same result.
create function private.submit_booking(p_booking_id uuid, p_payment_reference text default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_booking public.bookings := private.booking_for_transition(p_booking_id, true, 'host');
  v_intent text := private.text_arg('payment_reference', p_payment_reference, 255);
  v_auto boolean;
begin
  if v_booking.status in ('pending_approval', 'confirmed', 'checked_in') then
    return private.booking_result(v_booking);
  end if;
  perform private.require_live_hold(v_booking, 'submitted');
  if v_booking.deposit_total > 0 and v_booking.deposit_paid_at is null then
    if v_intent is null then
      perform private.raise_error('INVALID_TRANSITION', format(
        'a deposit of %s is due: the payment submits the request when it arrives', v_booking.deposit_total));
    end if;
    -- the guest's PaymentIntent, bound to this booking once (one PaymentIntent pays one booking)
    return private.bind_payment_intent(v_booking.id, v_intent);
  end if;
  select not v.requires_approval into v_auto from public.venues v where v.id = v_booking.venue_id;
  return private.set_status(v_booking,
    case when v_auto then 'confirmed' else 'pending_approval' end,
    case when v_auto then 'booking_confirmed' else 'booking_requested' end);
end;
$$;

grant execute on function private.submit_booking(uuid, text) to authenticated, service_role;

-- INVALID_TRANSITION for a request past its deadline: it has lapsed (expired, swept or not).
create function private.require_open_request(p_booking public.bookings) returns void
language plpgsql
set search_path = ''
as $$
begin
  if p_booking.status = 'pending_approval' and p_booking.approval_expires_at <= private.now() then
    perform private.raise_error('INVALID_TRANSITION', format('the request lapsed unanswered at %s',
      private.local_text(p_booking.venue_id, p_booking.approval_expires_at)));
  end if;
end;
$$;

comment on function private.require_open_request is 'INVALID_TRANSITION when a pending request is past its approval deadline.';

-- Staff transitions share one shape: lock, authorise, return early if already done, check
-- the source status, move. p_from lists the statuses the action applies to.
create function private.staff_transition(p_booking_id uuid, p_to text, p_from text[], p_min_role text,
                                         p_reason text, p_guest_may boolean default false, p_note text default null)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_booking public.bookings := private.booking_for_transition(p_booking_id, p_guest_may, p_min_role);
begin
  if v_booking.status::text = p_to then
    return private.booking_result(v_booking);
  end if;
  if not v_booking.status::text = any (p_from) then
    perform private.raise_error('INVALID_TRANSITION', format('a %s booking cannot become %s', v_booking.status, p_to));
  end if;
  if p_to in ('confirmed', 'rejected') then
    perform private.require_open_request(v_booking);
  end if;
  return private.set_status(v_booking, p_to, p_reason, p_note);
end;
$$;

-- pending_approval -> confirmed, by a manager; p_reason is a note for staff and the guest.
create function private.approve_booking(p_booking_id uuid, p_reason text default null) returns jsonb
language sql
security definer
set search_path = ''
as $$
  select private.staff_transition(p_booking_id, 'confirmed', array['pending_approval'], 'manager',
                                  'booking_approved', false, private.text_arg('reason', p_reason, 500))
$$;

grant execute on function private.approve_booking(uuid, text) to authenticated, service_role;

-- pending_approval -> rejected, by a manager; p_reason is a note for staff and the guest.
create function private.reject_booking(p_booking_id uuid, p_reason text default null) returns jsonb
language sql
security definer
set search_path = ''
as $$
  select private.staff_transition(p_booking_id, 'rejected', array['pending_approval'], 'manager',
                                  'booking_rejected', false, private.text_arg('reason', p_reason, 500))
$$;

grant execute on function private.reject_booking(uuid, text) to authenticated, service_role;

-- Any open booking -> cancelled, by its guest or by staff (host+). The result says whether a
-- paid deposit is refundable: always when the venue cancels, else only before the venue's
-- cancellation window.
create function private.cancel_booking(p_booking_id uuid, p_reason text default null) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_result jsonb;
  v_booking public.bookings;
  v_window interval;
  v_by_guest boolean;
begin
  v_result := private.staff_transition(p_booking_id, 'cancelled', array['held', 'pending_approval', 'confirmed'],
                                       'host', 'booking_cancelled', true, private.text_arg('reason', p_reason, 500));
  select * into v_booking from public.bookings b where b.id = p_booking_id;
  select v.cancellation_window into v_window from public.venues v where v.id = v_booking.venue_id;
  v_by_guest := private.staff_role(v_booking.venue_id) is null and not private.is_trusted();
  return v_result || jsonb_build_object('refund_eligible',
    v_booking.deposit_paid_at is not null
    and (not v_by_guest or private.now() < lower(v_booking.period) - v_window));
end;
$$;

grant execute on function private.cancel_booking(uuid, text) to authenticated, service_role;

-- confirmed -> checked_in at the door, from an hour before the booking until its end, with how
-- many of the party arrived (p_arrived_count, 1 to the party size; all of them by default).
-- Idempotent: checking a checked-in booking in again changes nothing but the arrivals (when
-- given) and says when and by whom it was checked in (already_checked_in_at, checked_in_by):
-- a forwarded confirmation never lets two groups in unnoticed.
create function private.check_in_booking(p_booking_id uuid, p_arrived_count int default null) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_booking public.bookings := private.booking_for_transition(p_booking_id, false, 'door');
begin
  if p_arrived_count is not null and p_arrived_count not between 1 and v_booking.party_size then
    perform private.raise_error('INVALID_INPUT',
      format('arrived_count must be 1 to the party size (%s), got %s', v_booking.party_size, p_arrived_count));
  end if;
  if v_booking.status = 'checked_in' then
    if p_arrived_count is not null and p_arrived_count is distinct from v_booking.arrived_count then
      update public.bookings b set arrived_count = p_arrived_count where b.id = v_booking.id;
      perform private.write_audit(v_booking.venue_id, 'booking', v_booking.id, 'arrivals_updated', 'checked_in',
        'checked_in', null, jsonb_build_object('arrived_before', v_booking.arrived_count, 'arrived_after', p_arrived_count));
    end if;
    return private.booking_result(v_booking) || jsonb_build_object(
      'arrived_count', coalesce(p_arrived_count, v_booking.arrived_count),
      'already_checked_in_at', v_booking.status_changed_at, 'checked_in_by', v_booking.status_changed_by,
      'checked_in_by_name', private.person_label(v_booking.status_changed_by, v_booking.venue_id) ->> 'name');
  end if;
  if not (private.now() >= lower(v_booking.period) - interval '1 hour' and private.now() < upper(v_booking.period)) then
    perform private.raise_error('INVALID_TRANSITION',
      format('check-in is open from an hour before %s until %s', private.local_text(v_booking.venue_id, lower(v_booking.period)),
             private.local_text(v_booking.venue_id, upper(v_booking.period))));
  end if;
  if v_booking.status <> 'confirmed' then
    perform private.raise_error('INVALID_TRANSITION', format('a %s booking cannot become checked_in', v_booking.status));
  end if;
  update public.bookings b
     set status = 'checked_in', status_reason = 'guest_checked_in', status_note = null, arrived_count = p_arrived_count
   where b.id = v_booking.id
  returning * into v_booking;
  return private.booking_result(v_booking) || jsonb_build_object('arrived_count', v_booking.arrived_count);
end;
$$;

grant execute on function private.check_in_booking(uuid, int) to authenticated, service_role;

-- confirmed -> no_show, by a host, once the booking has started; the table is freed.
create function private.mark_no_show(p_booking_id uuid) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_period tstzrange;
  v_venue_id uuid;
begin
  select b.period, b.venue_id into v_period, v_venue_id from public.bookings b where b.id = p_booking_id;
  if v_period is not null and private.now() < lower(v_period) then
    perform private.booking_for_transition(p_booking_id, false, 'host');
    perform private.raise_error('INVALID_TRANSITION', format('the booking starts at %s', private.local_text(v_venue_id, lower(v_period))));
  end if;
  return private.staff_transition(p_booking_id, 'no_show', array['confirmed'], 'host', 'guest_no_show');
end;
$$;

grant execute on function private.mark_no_show(uuid) to authenticated, service_role;

-- The sweeper: expire every hold past its expiry and every request past its deadline (in
-- batches, skipping rows another transaction is working on) and lift blocks past their
-- release_at. Idempotent; returns how many it expired. Correctness never
-- depends on it: dead holds are already ignored and expired lazily by the booking path.
create function private.expire_holds(p_batch int default 10000) returns int
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_count int;
begin
  -- One statement for the batch (rows locked in (venue, night, start) order, the order their
  -- venue-nights are locked in at commit).
  with batch as (
    select b.id, b.status from public.bookings b
    where (b.status = 'held' and b.hold_expires_at <= (select private.now()))
       or (b.status = 'pending_approval' and b.approval_expires_at <= (select private.now()))
    order by b.venue_id, b.booking_date, lower(b.period)
    limit p_batch
    for update skip locked)
  update public.bookings b
     set status = 'expired', status_reason = case when batch.status = 'held' then 'hold_expired' else 'request_expired' end
  from batch where b.id = batch.id;
  get diagnostics v_count = row_count;
  -- Blocks with a release_at (VIP tables that open to the public if unsold) lift themselves.
  update public.table_blocks blk set is_active = false, released_at = private.now()
  where blk.is_active and blk.release_at <= private.now();
  return v_count;
end;
$$;

grant execute on function private.expire_holds(int) to service_role;

-- Change a booking's party size, tables or slot (same night) in one step, under the locks and
-- rules of a hold: the guest's and every table's lock (old and new, in the one order), dead
-- claims expired, capacity and combinations, the per-guest limits for tables it adds, and the
-- new tables free of every claim but its own (else SECTION_NOT_AVAILABLE with alternatives,
-- as a hold is refused). Its new claims are taken (a kept table's claim moves with it) before
-- the tables it no longer needs are let go (released_at), all in one transaction: the events
-- of old and new tables go out together at commit, one version step per channel, and what it
-- freed is offered to the waitlist. Its guest may change it until the venue's modify_cutoff
-- before it starts; host and above at any time; a party its tables' capacity would refuse
-- takes a manager's override (aal2) with a reason. A paid deposit that grows leaves the
-- difference due (deposit_due), one that shrinks makes it refundable (deposit_refundable).
-- One audit row holds before and after. Asking for what it already is changes nothing.
create function private.modify_booking(p_booking_id uuid, p_party_size int default null, p_table_ids uuid[] default null,
                                       p_slot_id text default null, p_reason text default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_seen public.bookings;
  v_booking public.bookings;
  v_venue public.venues;
  v_reason text := private.text_arg('reason', p_reason, 500);
  v_guest boolean;
  v_old_tables uuid[];
  v_tables uuid[];
  v_party int;
  v_period tstzrange;
  v_cap record;
  v_override boolean := false;
  v_added int;
  v_totals record;
  v_balance numeric(10, 2);
begin
  if p_booking_id is null or num_nonnulls(p_party_size, p_table_ids, p_slot_id) = 0 then
    perform private.raise_error('INVALID_INPUT', 'name the booking and what to change: party size, tables or slot');
  end if;
  perform private.text_arg('slot_id', p_slot_id, 40);
  select * into v_seen from public.bookings b where b.id = p_booking_id;
  if not found then
    perform private.raise_error('INVALID_INPUT', 'unknown booking', 'PT404');
  end if;
  select * into v_venue from public.venues v where v.id = v_seen.venue_id;
  v_guest := private.api_role() = 'authenticated' and v_seen.customer_id is not distinct from private.my_customer_id()
             and not private.is_venue_staff(v_seen.venue_id, 'host');
  if not v_guest then
    perform private.require_staff(v_seen.venue_id, 'host');
  end if;

  v_party := coalesce(p_party_size, v_seen.party_size);
  if v_party not between 1 and 50 then
    perform private.raise_error('INVALID_PARTY_SIZE', format('party size must be 1-50, got %s', v_party));
  end if;
  v_period := v_seen.period;
  if p_slot_id is not null then
    v_period := private.slot_range(v_seen.venue_id, v_seen.booking_date, p_slot_id);
    if v_period is null then
      perform private.raise_error('INVALID_INPUT', private.unknown_slot(v_seen.venue_id, p_slot_id), 'PT404');
    end if;
  end if;
  if v_guest and private.now() > least(lower(v_seen.period), lower(v_period)) - v_venue.modify_cutoff then
    perform private.raise_error('INVALID_TRANSITION', format(
      'guests change a booking until %s before it starts; the venue can still change it', private.interval_text(v_venue.modify_cutoff)));
  end if;
  v_old_tables := array(select bt.table_id from public.booking_tables bt
                        where bt.booking_id = v_seen.id and bt.released_at is null order by 1);
  if p_table_ids is null then
    v_tables := v_old_tables;
  else
    v_tables := private.requested_tables(v_venue, p_table_ids);
  end if;
  select c.capacity_min, c.capacity_max into v_cap from private.tables_capacity(v_seen.venue_id, v_tables) c;
  if not found then
    perform private.raise_error('INVALID_INPUT', 'these tables cannot be combined: pick a listed combination or neighbouring tables on one floor');
  end if;
  if v_party not between v_cap.capacity_min and v_cap.capacity_max then
    -- beyond the rules: a manager's override, with aal2 and a reason
    if v_reason is null or not (private.is_trusted() or private.is_venue_staff(v_seen.venue_id, 'manager')) then
      perform private.raise_error('CAPACITY_MISMATCH', jsonb_build_object(
        'party_size', v_party, 'capacity_min', v_cap.capacity_min, 'capacity_max', v_cap.capacity_max)::text);
    end if;
    perform private.require_staff(v_seen.venue_id, 'manager', true);
    v_override := true;
  end if;

  -- The guest, then every table old and new, then the booking row: the locks' one order.
  perform private.lock_tables(array(select distinct t from unnest(v_old_tables || v_tables) t order by 1),
                              v_seen.booking_date, v_seen.customer_id);
  select * into v_booking from public.bookings b where b.id = v_seen.id for update;
  if (v_booking.status, v_booking.period) is distinct from (v_seen.status, v_seen.period)
     or v_old_tables is distinct from array(select bt.table_id from public.booking_tables bt
                                            where bt.booking_id = v_booking.id and bt.released_at is null order by 1) then
    perform private.raise_error('INVALID_TRANSITION', 'the booking changed while this change was made: read it again');
  end if;
  if v_booking.status = 'held' then
    perform private.require_live_hold(v_booking, 'changed');
  elsif v_booking.status = 'pending_approval' then
    perform private.require_open_request(v_booking);
  elsif v_booking.status = 'checked_in' and v_guest or v_booking.status not in ('confirmed', 'checked_in') then
    perform private.raise_error('INVALID_TRANSITION', format('a %s booking cannot be changed', v_booking.status));
  end if;
  if (v_party, v_period, v_tables) is not distinct from (v_booking.party_size, v_booking.period, v_old_tables) then
    return private.booking_result(v_booking);
  end if;

  perform private.expire_dead_holds(v_booking.venue_id, v_booking.booking_date, v_tables, v_period);
  v_added := cardinality(v_tables) - cardinality(v_old_tables);
  if v_added > 0 then
    perform private.check_guest_limits(v_venue, v_booking.customer_id, v_booking.booking_date, v_added,
      case when v_booking.status in ('held', 'pending_approval') then v_added else 0 end);
  end if;
  if not private.tables_free(v_booking.venue_id, v_booking.booking_date, v_tables, v_period, v_party, v_booking.id) then
    perform private.refuse_taken(v_booking.venue_id, v_booking.booking_date, p_slot_id, v_period, v_party);
  end if;

  perform private.set_transaction_flag('booking_change', true);
  -- New claims first: the kept tables' claims move to the new time, the added tables are claimed...
  update public.booking_tables bt set period = v_period, claimed_at = now()
   where bt.booking_id = v_booking.id and bt.released_at is null and bt.table_id = any (v_tables)
     and bt.period <> v_period;
  insert into public.booking_tables (venue_id, table_id, booking_id, booking_date, period, party_size,
                                     is_exclusive, expires_at)
  select v_booking.venue_id, t.id, v_booking.id, v_booking.booking_date, v_period, v_party, not t.is_shared,
         private.claim_expiry(v_booking)
  from public.venue_tables t
  where t.venue_id = v_booking.venue_id and t.id = any (v_tables) and t.id <> all (v_old_tables);
  -- ...then the tables it no longer needs are let go.
  update public.booking_tables bt set is_active = false, expires_at = null, released_at = now()
   where bt.booking_id = v_booking.id and bt.released_at is null and bt.table_id <> all (v_tables);
  -- Events: every kept table at its new time, then every old table's old range (freed, so
  -- offered to the waitlist at commit) unless the same table still covers it.
  insert into private.pending_changes (venue_id, booking_date, period, table_id, reason, booking_id, note, frees)
  select v_booking.venue_id, v_booking.booking_date, c.period, c.table_id, 'booking_modified', v_booking.id,
         v_reason, c.frees
  from (select v_period as period, t as table_id, false as frees, 1 as ord
        from unnest(v_tables) t where t = any (v_old_tables)
        union all
        select v_booking.period, t, true, 2
        from unnest(v_old_tables) t where not (t = any (v_tables) and v_period @> v_booking.period)) c
  order by c.ord, c.table_id;
  insert into private.pending_nights (venue_id, booking_date) values (v_booking.venue_id, v_booking.booking_date)
  on conflict do nothing;

  select coalesce(sum(t.deposit), 0) as deposit, coalesce(sum(t.minimum_spend), 0) as minimum_spend into v_totals
  from public.venue_tables t where t.venue_id = v_booking.venue_id and t.id = any (v_tables);
  -- What was paid (or, past the hold, was owed) stays the reference: the balance takes the difference.
  v_balance := v_booking.deposit_balance + case when v_booking.deposit_paid_at is not null or v_booking.status <> 'held'
                                                then v_totals.deposit - v_booking.deposit_total else 0 end;
  perform private.set_transaction_flag('capacity_override', v_override);
  update public.bookings b
     set party_size = v_party, period = v_period, deposit_total = v_totals.deposit,
         minimum_spend_total = v_totals.minimum_spend, deposit_balance = v_balance
   where b.id = v_booking.id;
  perform private.set_transaction_flag('capacity_override', false);
  perform private.set_transaction_flag('booking_change', false);

  perform private.write_audit(v_booking.venue_id, 'booking', v_booking.id,
    case when v_override then 'booking_modified_override' else 'booking_modified' end,
    v_booking.status::text, v_booking.status::text, coalesce(v_reason, 'booking_modified'),
    jsonb_build_object(
      'before', jsonb_build_object('party_size', v_booking.party_size, 'table_ids', to_jsonb(v_old_tables),
                                   'starts_at', lower(v_booking.period), 'ends_at', upper(v_booking.period),
                                   'deposit', v_booking.deposit_total, 'deposit_balance', v_booking.deposit_balance),
      'after', jsonb_build_object('party_size', v_party, 'table_ids', to_jsonb(v_tables),
                                  'starts_at', lower(v_period), 'ends_at', upper(v_period),
                                  'deposit', v_totals.deposit, 'deposit_balance', v_balance),
      'override', v_override));
  select * into v_booking from public.bookings b where b.id = v_booking.id;
  return private.booking_result(v_booking);
end;
$$;

comment on function private.modify_booking is
  'Change party, tables or slot (same night) atomically under hold rules; guest until the cutoff, host+ any time, manager+aal2 past capacity.';

grant execute on function private.modify_booking(uuid, int, uuid[], text, text) to authenticated, service_role;

-- Undo a check-in or a no-show (back to confirmed) within the venue's undo_window (the booking
-- trigger enforces the window on every path), audited and evented like any transition; door
-- staff and up undo a check-in, hosts and up a no-show. A no-show had given its tables back:
-- they are taken again under their locks, or the undo is SECTION_NOT_AVAILABLE (with
-- alternatives) when someone else has them now. A booking already confirmed is returned as it is.
create function private.undo_status(p_booking_id uuid, p_from text, p_reason text) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_booking public.bookings;
  v_role text := case p_from when 'checked_in' then 'door' else 'host' end;
  v_tables uuid[];
begin
  if p_booking_id is null then
    perform private.raise_error('INVALID_INPUT', 'booking id is required');
  end if;
  select * into v_booking from public.bookings b where b.id = p_booking_id;
  if not found then
    perform private.raise_error('INVALID_INPUT', 'unknown booking', 'PT404');
  end if;
  perform private.require_staff(v_booking.venue_id, v_role);
  if v_booking.status = 'no_show' and p_from = 'no_show' then
    v_tables := array(select bt.table_id from public.booking_tables bt
                      where bt.booking_id = v_booking.id and bt.released_at is null order by 1);
    perform private.lock_tables(v_tables, v_booking.booking_date, v_booking.customer_id);
    perform private.expire_dead_holds(v_booking.venue_id, v_booking.booking_date, v_tables, v_booking.period);
    if not private.tables_free(v_booking.venue_id, v_booking.booking_date, v_tables, v_booking.period,
                               v_booking.party_size, v_booking.id) then
      perform private.refuse_taken(v_booking.venue_id, v_booking.booking_date, null, v_booking.period, v_booking.party_size);
    end if;
  end if;
  return private.staff_transition(p_booking_id, 'confirmed', array[p_from], v_role,
                                  case p_from when 'checked_in' then 'check_in_undone' else 'no_show_undone' end,
                                  false, p_reason);
end;
$$;

comment on function private.undo_status is 'checked_in or no_show -> confirmed within the venue''s undo window; a no-show takes its tables again.';

create function private.undo_check_in(p_booking_id uuid, p_reason text default null) returns jsonb
language sql
security definer
set search_path = ''
as $$ select private.undo_status(p_booking_id, 'checked_in', private.text_arg('reason', p_reason, 500)) $$;

comment on function private.undo_check_in is 'checked_in -> confirmed (door+), within the venue''s undo window.';

grant execute on function private.undo_check_in(uuid, text) to authenticated, service_role;

create function private.undo_no_show(p_booking_id uuid, p_reason text default null) returns jsonb
language sql
security definer
set search_path = ''
as $$ select private.undo_status(p_booking_id, 'no_show', private.text_arg('reason', p_reason, 500)) $$;

comment on function private.undo_no_show is 'no_show -> confirmed (host+), within the venue''s undo window, if its tables are still free.';

grant execute on function private.undo_no_show(uuid, text) to authenticated, service_role;

create function public.submit_booking(p_booking_id uuid, p_payment_reference text default null) returns jsonb
language plpgsql set search_path = ''  -- plpgsql: see public.hold_tables
as $$ begin return private.submit_booking(p_booking_id, p_payment_reference); end; $$;

comment on function public.submit_booking is 'held -> pending_approval (or confirmed where the venue auto-confirms).';

grant execute on function public.submit_booking(uuid, text) to authenticated, service_role;

create function public.approve_booking(p_booking_id uuid, p_reason text default null) returns jsonb
language sql set search_path = ''
as $$ select private.approve_booking(p_booking_id, p_reason) $$;

comment on function public.approve_booking is 'pending_approval -> confirmed (manager).';

grant execute on function public.approve_booking(uuid, text) to authenticated, service_role;

create function public.reject_booking(p_booking_id uuid, p_reason text default null) returns jsonb
language sql set search_path = ''
as $$ select private.reject_booking(p_booking_id, p_reason) $$;

comment on function public.reject_booking is 'pending_approval -> rejected (manager).';

grant execute on function public.reject_booking(uuid, text) to authenticated, service_role;

-- The door's transitions name a booking by id or by the reference the guest reads out
-- (p_reference, e.g. BR-261204-S5F7EY); private.booking_id_for resolves it.
create function public.cancel_booking(p_booking_id uuid default null, p_reason text default null,
                                      p_reference text default null) returns jsonb
language sql set search_path = ''
as $$ select private.cancel_booking(private.booking_id_for(p_booking_id, p_reference), p_reason) $$;

comment on function public.cancel_booking is 'Open booking (by id or reference) -> cancelled (its guest, or host+); says whether a paid deposit is refundable.';

grant execute on function public.cancel_booking(uuid, text, text) to authenticated, service_role;

create function public.check_in_booking(p_booking_id uuid default null, p_reference text default null,
                                        p_arrived_count int default null) returns jsonb
language sql set search_path = ''
as $$ select private.check_in_booking(private.booking_id_for(p_booking_id, p_reference), p_arrived_count) $$;

comment on function public.check_in_booking is
  'confirmed -> checked_in (door+), by id or reference, with how many arrived; a repeat says when and by whom.';

grant execute on function public.check_in_booking(uuid, text, int) to authenticated, service_role;

create function public.mark_no_show(p_booking_id uuid default null, p_reference text default null) returns jsonb
language sql set search_path = ''
as $$ select private.mark_no_show(private.booking_id_for(p_booking_id, p_reference)) $$;

comment on function public.mark_no_show is 'confirmed -> no_show (host+), once the booking has started; by id or reference.';

grant execute on function public.mark_no_show(uuid, text) to authenticated, service_role;

create function public.modify_booking(p_booking_id uuid default null, p_party_size int default null,
                                      p_table_ids uuid[] default null, p_slot_id text default null,
                                      p_reason text default null, p_reference text default null) returns jsonb
language sql set search_path = ''
as $$
  select private.modify_booking(private.booking_id_for(p_booking_id, p_reference), p_party_size, p_table_ids,
                                p_slot_id, p_reason)
$$;

comment on function public.modify_booking is
  'Change a booking''s party size, tables or slot (same night) atomically, refused like a hold; by id or reference.';

grant execute on function public.modify_booking(uuid, int, uuid[], text, text, text) to authenticated, service_role;

create function public.undo_check_in(p_booking_id uuid default null, p_reason text default null,
                                     p_reference text default null) returns jsonb
language sql set search_path = ''
as $$ select private.undo_check_in(private.booking_id_for(p_booking_id, p_reference), p_reason) $$;

comment on function public.undo_check_in is 'checked_in -> confirmed (door+) within the venue''s undo window; by id or reference.';

grant execute on function public.undo_check_in(uuid, text, text) to authenticated, service_role;

create function public.undo_no_show(p_booking_id uuid default null, p_reason text default null,
                                    p_reference text default null) returns jsonb
language sql set search_path = ''
as $$ select private.undo_no_show(private.booking_id_for(p_booking_id, p_reference), p_reason) $$;

comment on function public.undo_no_show is 'no_show -> confirmed (host+) within the venue''s undo window; by id or reference.';

grant execute on function public.undo_no_show(uuid, text, text) to authenticated, service_role;

create function public.expire_holds() returns int
language sql set search_path = ''
as $$ select private.expire_holds() $$;

comment on function public.expire_holds is 'The hold sweeper pg_cron runs; returns how many holds it expired.';

grant execute on function public.expire_holds() to service_role;

-- One permissive policy per table, command and role (splinter 0006: PostgreSQL evaluates
-- every permissive policy for each row); each is the union of its audiences, no wider.
create policy "Guests read their own profile; hosts, the guests they booked" on public.customers
  for select to authenticated using (
    user_id = (select auth.uid())
    or id in (select b.customer_id from public.bookings b
              where b.venue_id = any ((select private.staff_venue_ids('host'))::uuid[])));
