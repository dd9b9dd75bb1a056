-- =============================================================================================
-- Transitions: submit, approve, reject, cancel, check in, no-show, expire
-- =============================================================================================
-- Each verb a booking takes after its hold, with who may do it; and the sweep of dead holds.

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

-- The transitions' wrappers resolve a booking reference to its id.
grant execute on function private.booking_id_for(uuid, text) to authenticated, service_role;

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
    -- One PaymentIntent pays one booking (bookings_payment_intent_key).
    if exists (select 1 from public.bookings b where b.payment_intent_id = v_intent and b.id <> v_booking.id)
       or v_booking.payment_intent_id <> v_intent then
      perform private.raise_error('INVALID_TRANSITION', 'that PaymentIntent belongs to another booking, or this booking has another');
    end if;
    begin
      update public.bookings b set payment_intent_id = v_intent where b.id = v_booking.id
      returning * into v_booking;
    exception when unique_violation then  -- another booking took it meanwhile
      perform private.raise_error('INVALID_TRANSITION', 'that PaymentIntent belongs to another booking');
    end;
    return private.booking_result(v_booking);
  end if;
  select not v.requires_approval into v_auto from public.venues v where v.id = v_booking.venue_id;
  return private.set_status(v_booking,
    case when v_auto then 'confirmed' else 'pending_approval' end,
    case when v_auto then 'booking_confirmed' else 'booking_requested' end);
end;
$$;

grant execute on function private.submit_booking(uuid, text) to authenticated, service_role;

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

grant execute on function private.check_in_booking(uuid) to authenticated, service_role;

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

grant execute on function private.expire_holds(int) to service_role;

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

create function public.check_in_booking(p_booking_id uuid default null, p_reference text default null) returns jsonb
language sql set search_path = ''
as $$ select private.check_in_booking(private.booking_id_for(p_booking_id, p_reference)) $$;

comment on function public.check_in_booking is 'confirmed -> checked_in (door+), by id or reference.';

grant execute on function public.check_in_booking(uuid, text) to authenticated, service_role;

create function public.mark_no_show(p_booking_id uuid default null, p_reference text default null) returns jsonb
language sql set search_path = ''
as $$ select private.mark_no_show(private.booking_id_for(p_booking_id, p_reference)) $$;

comment on function public.mark_no_show is 'confirmed -> no_show (host+), once the booking has started; by id or reference.';

grant execute on function public.mark_no_show(uuid, text) to authenticated, service_role;

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
