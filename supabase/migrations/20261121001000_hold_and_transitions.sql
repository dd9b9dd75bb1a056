-- =====================================================================================
-- Holding tables and moving bookings through their states (security definer, private)
-- =====================================================================================

-- Are these tables free for a range (caller holds their locks)? Exclusive tables: no live
-- claim overlaps. Shared sections: the party fits in what live claims leave of capacity_max.
create function private.tables_free(p_venue_id uuid, p_night date, p_table_ids uuid[], p_period tstzrange,
                                    p_party_size int)
returns boolean
language plpgsql stable
set search_path = ''
set plan_cache_mode = force_generic_plan  -- else re-planned on every call (see emit_slot_events)
as $$
begin
  return (
  select not exists (select 1 from public.booking_tables bt
                     where bt.venue_id = p_venue_id and bt.booking_date = p_night and bt.table_id = any (p_table_ids)
                       and bt.is_exclusive and bt.is_active and coalesce(bt.expires_at > (select private.now()), true) and bt.period && p_period)
     and not exists (select 1 from public.venue_tables t
                     where t.id = any (p_table_ids) and t.is_shared
                       and p_party_size + coalesce((select sum(bt.party_size) from public.booking_tables bt
                             where bt.venue_id = p_venue_id and bt.booking_date = p_night and bt.table_id = t.id
                               and not bt.is_exclusive
                               and bt.is_active and coalesce(bt.expires_at > (select private.now()), true) and bt.period && p_period), 0)
                           > t.capacity_max));
end;
$$;

-- Write a held booking and its claims (the caller has checked everything under the locks).
-- p_extra: reason, special_requests, occasion, promoter_code, idempotency_key.
create function private.insert_hold(p_venue public.venues, p_customer_id uuid, p_date date, p_period tstzrange,
                                    p_table_ids uuid[], p_party_size int, p_ttl interval, p_extra jsonb)
returns public.bookings
language plpgsql
set search_path = ''
set plan_cache_mode = force_generic_plan  -- as private.hold_tables (also called by waitlist offers)
as $$
declare
  v_booking public.bookings;
begin
  insert into public.bookings (venue_id, customer_id, reference, status, booking_date, period, party_size,
                               deposit_total, minimum_spend_total, hold_expires_at, status_reason,
                               special_requests, occasion, promoter_code, idempotency_key, created_by)
  select p_venue.id, p_customer_id, private.new_reference(p_date), 'held', p_date, p_period, p_party_size,
         sum(t.deposit), sum(t.minimum_spend), private.now() + p_ttl, coalesce(p_extra ->> 'reason', 'hold_created'),
         left(p_extra ->> 'special_requests', 2000), left(p_extra ->> 'occasion', 200),
         left(p_extra ->> 'promoter_code', 64), p_extra ->> 'idempotency_key', (select auth.uid())
  from public.venue_tables t where t.id = any (p_table_ids)
  returning * into v_booking;

  insert into public.booking_tables (venue_id, table_id, booking_id, booking_date, period, party_size,
                                     is_exclusive, expires_at)
  select p_venue.id, t.id, v_booking.id, p_date, p_period, p_party_size, not t.is_shared, v_booking.hold_expires_at
  from public.venue_tables t where t.id = any (p_table_ids);
  return v_booking;
end;
$$;

-- The per-guest limits (the caller holds the guest's lock for the night): MAX_TABLES_EXCEEDED
-- when p_tables more tables would take the guest past the night's limit, or past the limit of
-- tables held at once, which counts every open request too: holds (waiting for a payment or
-- not) and requests waiting for approval.
create function private.check_guest_limits(p_venue public.venues, p_customer_id uuid, p_night date, p_tables int)
returns void
language plpgsql
set search_path = ''
as $$
declare
  v_night int;
  v_open int;
begin
  -- both counts in one read of the guest's live claims at the venue
  select count(*) filter (where b.booking_date = p_night),
         count(*) filter (where b.status in ('held', 'pending_approval'))
    into v_night, v_open
  from public.bookings b
  join public.booking_tables bt on bt.booking_id = b.id
  where b.customer_id = p_customer_id and b.venue_id = p_venue.id
    and (b.booking_date = p_night or b.status in ('held', 'pending_approval'))
    and bt.is_active and coalesce(bt.expires_at > (select private.now()), true);
  if v_night + p_tables > p_venue.max_tables_per_customer_night then
    perform private.raise_error('MAX_TABLES_EXCEEDED',
      format('at most %s tables per guest per night; %s already booked or held', p_venue.max_tables_per_customer_night, v_night));
  end if;
  if v_open + p_tables > p_venue.max_held_tables_per_customer then
    perform private.raise_error('MAX_TABLES_EXCEEDED',
      format('at most %s tables held or awaiting approval at once; %s now', p_venue.max_held_tables_per_customer, v_open));
  end if;
end;
$$;

-- Refuse a request for taken tables: count the conflict (outside the rolled-back work) and
-- raise SECTION_NOT_AVAILABLE with the alternatives as JSON.
create function private.refuse_taken(p_venue_id uuid, p_night date, p_slot_id text, p_period tstzrange,
                                     p_party_size int)
returns void
language plpgsql
set search_path = ''
as $$
begin
  perform private.count_conflict(p_venue_id);
  perform private.raise_error('SECTION_NOT_AVAILABLE',
    private.alternatives(p_venue_id, p_night, p_slot_id, p_period, p_party_size)::text);
end;
$$;

-- Hold tables for a party: the one booking path under every RPC that creates a booking.
-- A slot (p_slot_id) or an explicit range (p_period) on the night p_date. All tables or
-- none. Repeating a call with the same p_idempotency_key returns the first booking.
create function private.hold_tables(
  p_venue_id uuid, p_date date, p_slot_id text, p_table_ids uuid[], p_party_size int,
  p_idempotency_key text default null, p_special_requests text default null, p_occasion text default null,
  p_promoter_code text default null, p_customer_id uuid default null, p_period tstzrange default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
-- One plan per statement for the session, everything it calls included: with a one-element
-- array a custom plan always looks cheaper than the generic one, so the plan cache re-planned
-- the table lookups and both inserts on every booking.
set plan_cache_mode = force_generic_plan
as $$
declare
  v_venue public.venues;
  v_customer_id uuid;
  v_period tstzrange;
  v_tables uuid[];
  v_found int;
  v_cap_min int;
  v_cap_max int;
  v_booking public.bookings;
begin
  if p_venue_id is null or p_date is null or p_party_size is null
     or p_table_ids is null or cardinality(p_table_ids) = 0 or (p_slot_id is null) = (p_period is null) then
    perform private.raise_error('INVALID_INPUT', 'venue, date, slot, tables and party size are required');
  end if;
  -- Every text argument within its limit (INVALID_INPUT, never an index row too large).
  perform private.text_arg('slot_id', p_slot_id, 40), private.text_arg('idempotency_key', p_idempotency_key, 255),
          private.text_arg('special_requests', p_special_requests, 2000), private.text_arg('occasion', p_occasion, 200),
          private.text_arg('promoter_code', p_promoter_code, 64);
  select * into v_venue from public.venues v where v.id = p_venue_id;
  if not found then
    perform private.raise_error('INVALID_INPUT', 'unknown venue', 'PT404');
  end if;
  v_customer_id := private.resolve_customer(p_venue_id, p_customer_id);
  if p_promoter_code is not null
     and not exists (select 1 from public.promoters p where p.venue_id = p_venue_id and p.code = p_promoter_code) then
    perform private.raise_error('INVALID_INPUT', format('unknown promoter code %s', left(p_promoter_code, 64)));
  end if;

  if p_idempotency_key is not null then
    select * into v_booking from public.bookings b
    where b.customer_id = v_customer_id and b.idempotency_key = p_idempotency_key;
    if found then
      return private.booking_result(v_booking);
    end if;
  end if;

  if p_party_size not between 1 and 50 then
    perform private.raise_error('INVALID_PARTY_SIZE', format('party size must be 1-50, got %s', p_party_size));
  end if;
  v_period := coalesce(p_period, private.slot_range(p_venue_id, p_date, p_slot_id));
  if v_period is null then
    perform private.raise_error('INVALID_INPUT', private.unknown_slot(p_venue_id, p_slot_id), 'PT404');
  end if;
  v_tables := array(select distinct t from unnest(p_table_ids) t where t is not null order by 1);
  if cardinality(v_tables) <> cardinality(p_table_ids) then
    perform private.raise_error('INVALID_INPUT', 'table ids must be distinct and not null');
  end if;
  if cardinality(v_tables) > v_venue.max_tables_per_customer_night then
    perform private.raise_error('MAX_TABLES_EXCEEDED',
      format('at most %s tables per guest per night', v_venue.max_tables_per_customer_night));
  end if;
  select count(*) into v_found
  from public.venue_tables t
  where t.venue_id = p_venue_id and t.id = any (v_tables) and t.is_active;
  if v_found <> cardinality(v_tables) then
    perform private.raise_error('TABLE_NOT_FOUND', 'one or more tables are not tables of this venue');
  end if;
  select c.capacity_min, c.capacity_max into v_cap_min, v_cap_max from private.tables_capacity(p_venue_id, v_tables) c;
  if not found then
    perform private.raise_error('INVALID_INPUT', 'these tables cannot be combined: pick a listed combination or neighbouring tables on one floor');
  end if;
  if p_party_size not between v_cap_min and v_cap_max then
    perform private.raise_error('CAPACITY_MISMATCH', jsonb_build_object(
      'party_size', p_party_size, 'capacity_min', v_cap_min, 'capacity_max', v_cap_max)::text);
  end if;

  -- A table already taken (a live claim committed before we looked) fails fast, before any
  -- lock: in a rush the losers never queue behind the winner's lock.
  if not private.tables_free(p_venue_id, p_date, v_tables, v_period, p_party_size) then
    perform private.refuse_taken(p_venue_id, p_date, p_slot_id, v_period, p_party_size);
  end if;

  -- Serialise per guest (for the per-guest limits), then per table and night, in that order.
  perform private.lock_tables(v_tables, p_date, v_customer_id);
  perform private.expire_dead_holds(p_venue_id, p_date, v_tables, v_period);

  perform private.check_guest_limits(v_venue, v_customer_id, p_date, cardinality(v_tables));

  if not private.tables_free(p_venue_id, p_date, v_tables, v_period, p_party_size) then
    perform private.refuse_taken(p_venue_id, p_date, p_slot_id, v_period, p_party_size);
  end if;

  v_booking := private.insert_hold(v_venue, v_customer_id, p_date, v_period, v_tables, p_party_size,
    v_venue.hold_ttl, jsonb_build_object('special_requests', p_special_requests, 'occasion', p_occasion,
                                         'promoter_code', p_promoter_code, 'idempotency_key', p_idempotency_key));
  return private.booking_result(v_booking);
end;
$$;

-- The booking a transition names: by id, or by the reference a guest reads out at the door
-- (any case, surrounding spaces ignored). Exactly one of them; an unknown one is a 404.
create function private.booking_id_for(p_booking_id uuid, p_reference text) returns uuid
language plpgsql stable security definer set search_path = ''
as $$
declare
  v_id uuid;
begin
  if (p_booking_id is null) = (p_reference is null) then
    perform private.raise_error('INVALID_INPUT', 'name the booking by its id or by its reference (BR-YYMMDD-XXXXXX), not both');
  end if;
  if p_booking_id is not null then
    return p_booking_id;
  end if;
  select b.id into v_id from public.bookings b where b.reference = upper(btrim(p_reference));
  if v_id is null then
    perform private.raise_error('INVALID_INPUT',
      format('no booking with reference %s (references look like BR-261204-S5F7EY)', left(btrim(p_reference), 40)), 'PT404');
  end if;
  return v_id;
end;
$$;

-- Lock a booking row for a transition and check the caller may act on it: the guest who owns
-- it (when p_guest_may), staff of its venue with at least p_min_role, or a trusted caller.
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
  select * into v_booking from public.bookings b where b.id = p_booking_id for update;
  if not found then
    perform private.raise_error('INVALID_INPUT', 'unknown booking', 'PT404');
  end if;
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
    if v_intent !~ '^pi_[A-Za-z0-9_]{1,250}$' then
      perform private.raise_error('INVALID_INPUT', 'payment_reference must be a Stripe PaymentIntent id (pi_...)');
    end if;
    update public.bookings b set payment_intent_id = v_intent where b.id = v_booking.id
    returning * into v_booking;
    return private.booking_result(v_booking);
  end if;
  select not v.requires_approval into v_auto from public.venues v where v.id = v_booking.venue_id;
  return private.set_status(v_booking,
    case when v_auto then 'confirmed' else 'pending_approval' end,
    case when v_auto then 'booking_confirmed' else 'booking_requested' end);
end;
$$;

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

-- pending_approval -> rejected, by a manager; p_reason is a note for staff and the guest.
create function private.reject_booking(p_booking_id uuid, p_reason text default null) returns jsonb
language sql
security definer
set search_path = ''
as $$
  select private.staff_transition(p_booking_id, 'rejected', array['pending_approval'], 'manager',
                                  'booking_rejected', false, private.text_arg('reason', p_reason, 500))
$$;

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

-- confirmed -> checked_in at the door, from an hour before the booking until its end.
create function private.check_in_booking(p_booking_id uuid) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_period tstzrange;
  v_venue_id uuid;
begin
  select b.period, b.venue_id into v_period, v_venue_id from public.bookings b where b.id = p_booking_id;
  if v_period is not null and not (private.now() >= lower(v_period) - interval '1 hour' and private.now() < upper(v_period)) then
    perform private.booking_for_transition(p_booking_id, false, 'door');
    perform private.raise_error('INVALID_TRANSITION',
      format('check-in is open from an hour before %s until %s', private.local_text(v_venue_id, lower(v_period)),
             private.local_text(v_venue_id, upper(v_period))));
  end if;
  return private.staff_transition(p_booking_id, 'checked_in', array['confirmed'], 'door', 'guest_checked_in');
end;
$$;

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

-- The sweeper: expire every hold past its expiry (in batches, skipping rows another
-- transaction is working on) and lift blocks past their release_at. Idempotent; returns how many it expired. Correctness never
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
    select b.id from public.bookings b
    where b.status = 'held' and b.hold_expires_at <= (select private.now())
    order by b.venue_id, b.booking_date, lower(b.period)
    limit p_batch
    for update skip locked)
  update public.bookings b set status = 'expired', status_reason = 'hold_expired'
  from batch where b.id = batch.id;
  get diagnostics v_count = row_count;
  -- Blocks with a release_at (VIP tables that open to the public if unsold) lift themselves.
  update public.table_blocks blk set is_active = false, released_at = private.now()
  where blk.is_active and blk.release_at <= private.now();
  return v_count;
end;
$$;
