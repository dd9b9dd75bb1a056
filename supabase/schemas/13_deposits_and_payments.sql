-- =============================================================================================
-- Deposits and payments: money trusted only from the payment provider or staff
-- =============================================================================================
-- The Stripe webhook's events, late money, failures, and staff-recorded payments.

-- Mark a booking's deposit paid (money arrived: the webhook's PaymentIntent, or staff taking it
-- in person). The one path that may write the payment columns (the booking trigger refuses
-- every other, by the transaction's deposit_payment flag).
create function private.mark_deposit_paid(p_booking_id uuid, p_payment_reference text, p_method text)
returns public.bookings
language plpgsql
set search_path = ''
as $$
declare
  v_booking public.bookings;
begin
  perform private.set_transaction_flag('deposit_payment', true);
  update public.bookings b
     set deposit_paid_at = private.now(), payment_reference = p_payment_reference, payment_method = p_method
   where b.id = p_booking_id
  returning * into v_booking;
  perform private.set_transaction_flag('deposit_payment', false);
  return v_booking;
end;
$$;

-- Record a paid deposit for a booking (trusted callers: the payment webhook, service_role).
-- Returns the booking that now holds the payment with `outcome`: submitted, already_recorded,
-- re_held (a new booking for the same tables, when the hold had expired) or refund_due
-- (with `alternatives`). Repeating a call changes nothing more.
create function private.record_deposit_payment(p_booking_id uuid, p_payment_reference text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_booking public.bookings;
  v_venue public.venues;
  v_tables uuid[];
  v_new public.bookings;
  v_alternatives jsonb;
begin
  if not private.is_trusted() then
    perform private.raise_error('NOT_AUTHORIZED', 'payments are recorded by the payment webhook');
  end if;
  if p_booking_id is null or nullif(trim(p_payment_reference), '') is null then
    perform private.raise_error('INVALID_INPUT', 'booking id and payment reference are required');
  end if;
  select * into v_booking from public.bookings b where b.id = p_booking_id for update;
  if not found then
    perform private.raise_error('INVALID_INPUT', 'unknown booking', 'PT404');
  end if;

  -- Already recorded, here or on the booking that took this payment over.
  select * into v_new from public.bookings b
  where (b.payment_reference = p_payment_reference or b.reconciliation ->> 'payment_reference' = p_payment_reference)
    and (b.id = p_booking_id or b.reconciled_from = p_booking_id)
  order by b.created_at desc limit 1;
  if found then
    return private.booking_result(v_new) || jsonb_build_object('outcome', 'already_recorded',
      'refund_status', v_new.refund_status);
  end if;

  if v_booking.status = 'held' and v_booking.hold_expires_at > private.now() and v_booking.deposit_paid_at is null then
    perform private.mark_deposit_paid(p_booking_id, p_payment_reference, 'stripe');
    return private.submit_booking(p_booking_id) || jsonb_build_object('outcome', 'submitted');
  end if;

  if v_booking.status = 'held' then
    update public.bookings b set status = 'expired', status_reason = 'hold_expired' where b.id = p_booking_id;
  end if;
  select * into v_venue from public.venues v where v.id = v_booking.venue_id;
  v_tables := array(select bt.table_id from public.booking_tables bt
                    where bt.booking_id = p_booking_id and bt.released_at is null order by 1);

  if v_booking.status in ('held', 'expired') then
    perform private.lock_tables(v_tables, v_booking.booking_date);
    perform private.expire_dead_holds(v_booking.venue_id, v_booking.booking_date, v_tables, v_booking.period);
    if private.tables_free(v_booking.venue_id, v_booking.booking_date, v_tables, v_booking.period,
                           v_booking.party_size) then
      v_new := private.insert_hold(v_venue, v_booking.customer_id, v_booking.booking_date, v_booking.period,
                 v_tables, v_booking.party_size, v_venue.hold_ttl,
                 jsonb_build_object('reason', 'late_deposit_re_held', 'special_requests', v_booking.special_requests,
                                    'occasion', v_booking.occasion, 'promoter_code', v_booking.promoter_code));
      update public.bookings b set reconciled_from = p_booking_id where b.id = v_new.id;
      perform private.mark_deposit_paid(v_new.id, p_payment_reference, 'stripe');
      return private.submit_booking(v_new.id)
             || jsonb_build_object('outcome', 're_held', 'reconciled_from', p_booking_id);
    end if;
  end if;

  -- Nothing can keep this payment (its hold's tables went to someone else, or the deposit was
  -- already paid): flag it for refund and say what is free instead.
  v_alternatives := private.alternatives(v_booking.venue_id, v_booking.booking_date, null, v_booking.period,
                                         v_booking.party_size) -> 'alternatives';
  update public.bookings b
     set refund_status = 'refund_due',
         reconciliation = jsonb_build_object('payment_reference', p_payment_reference, 'at', private.now(),
                                             'alternatives', v_alternatives)
   where b.id = p_booking_id
  returning * into v_booking;
  perform private.write_audit(v_booking.venue_id, 'booking', p_booking_id, 'deposit_refund_due',
    v_booking.status::text, v_booking.status::text, 'payment arrived for a booking that cannot keep it',
    jsonb_build_object('payment_reference', p_payment_reference));
  return private.booking_result(v_booking)
         || jsonb_build_object('outcome', 'refund_due', 'refund_status', 'refund_due', 'alternatives', v_alternatives);
end;
$$;

grant execute on function private.record_deposit_payment(uuid, text) to service_role;

-- Record a failed deposit payment: an audit row; the hold stays (the guest may retry until it expires).
create function private.record_deposit_failure(p_booking_id uuid, p_payment_reference text, p_reason text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_booking public.bookings;
begin
  if not private.is_trusted() then
    perform private.raise_error('NOT_AUTHORIZED', 'payments are recorded by the payment webhook');
  end if;
  select * into v_booking from public.bookings b where b.id = p_booking_id;
  if not found then
    perform private.raise_error('INVALID_INPUT', 'unknown booking', 'PT404');
  end if;
  perform private.write_audit(v_booking.venue_id, 'booking', p_booking_id, 'deposit_failed',
    v_booking.status::text, v_booking.status::text, left(coalesce(p_reason, 'payment failed'), 500),
    jsonb_build_object('payment_reference', p_payment_reference));
  return private.booking_result(v_booking) || jsonb_build_object('outcome', 'recorded');
end;
$$;

grant execute on function private.record_deposit_failure(uuid, text, text) to service_role;

create table private.stripe_events (
  event_id text primary key check (event_id ~ '^evt_[A-Za-z0-9_]{1,250}$'),
  event_type text not null,
  livemode boolean not null default false,
  payment_intent_id text,
  booking_id uuid,
  amount bigint,
  currency text,
  outcome jsonb not null default '{}'::jsonb,
  stripe_created_at timestamptz,
  received_at timestamptz not null default now()
);

comment on table private.stripe_events is
  'Every Stripe event the webhook accepted, once per event id, with what it did (the dedupe ledger).';

create index stripe_events_booking_id_idx on private.stripe_events (booking_id) where booking_id is not null;

-- RLS on with no policy: only the security definer functions above (the owner) touch it.
alter table private.stripe_events enable row level security;

revoke all on private.stripe_events from public, anon, authenticated, service_role;

-- An amount in a currency's smallest unit, as Stripe counts it: its zero-decimal currencies
-- are charged in whole units, every other one in hundredths.
create function private.minor_units(p_amount numeric, p_currency text) returns bigint
language sql immutable set search_path = ''
as $$
  select round(p_amount * case when p_currency in ('bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg',
                                                   'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf')
                               then 1 else 100 end)::bigint
$$;

comment on function private.minor_units is 'An amount in the currency''s smallest unit (pence; yen are whole), as Stripe counts it.';

-- Does a succeeded PaymentIntent pay a booking's deposit: the venue's currency, and at least
-- the deposit (amount_received, else amount, in minor units)? Null when it does (or the
-- booking is unknown: the deposit functions refuse that), else why not, as JSON.
create function private.payment_shortfall(p_booking_id uuid, p_intent jsonb) returns jsonb
language plpgsql stable set search_path = ''
as $$
declare
  v_due bigint;
  v_currency text;
  v_paid text := coalesce(p_intent ->> 'amount_received', p_intent ->> 'amount');
begin
  select private.minor_units(b.deposit_total, v.currency), v.currency
    into v_due, v_currency
  from public.bookings b join public.venues v on v.id = b.venue_id where b.id = p_booking_id;
  if not found or v_due = 0 then
    return null;
  elsif lower(p_intent ->> 'currency') is distinct from v_currency
        or v_paid is null or v_paid !~ '^[0-9]{1,15}$' or v_paid::bigint < v_due then
    return jsonb_build_object('reason', 'deposit_not_covered', 'deposit_due', v_due, 'currency', v_currency,
                              'paid', v_paid, 'paid_currency', p_intent ->> 'currency');
  end if;
  return null;
end;
$$;

revoke execute on function private.payment_shortfall(uuid, jsonb) from public;

-- Move the booking a PaymentIntent event names (metadata.booking_id) on, unless the
-- PaymentIntent is bound to another booking or the booking to another one (rejected, nothing
-- changed: one PaymentIntent pays one booking). A succeeded payment
-- that covers the deposit records it, a failed one records the failure. A contract error from
-- the deposit functions, or a payment short of the deposit or in another currency
-- (INVALID_INPUT, for staff to refund), is the event's outcome (status 'rejected', nothing
-- else changed), not a failure of the delivery: Stripe would only retry it for days.
create function private.apply_payment_intent_event(p_type text, p_intent jsonb) returns jsonb
language plpgsql set search_path = ''
as $$
declare
  v_booking_text text := p_intent -> 'metadata' ->> 'booking_id';
  v_booking_id uuid;
  v_shortfall jsonb;
  v_result jsonb;
  v_error text;
  v_detail text;
begin
  if v_booking_text is null or v_booking_text !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    return jsonb_build_object('status', 'ignored', 'reason', 'the payment intent has no metadata.booking_id');
  end if;
  v_booking_id := v_booking_text::uuid;
  if exists (select 1 from public.bookings b
             where (b.payment_intent_id = p_intent ->> 'id' and b.id <> v_booking_id)
                or (b.id = v_booking_id and b.payment_intent_id <> p_intent ->> 'id')) then
    return jsonb_build_object('status', 'rejected', 'booking_id', v_booking_id, 'code', 'INVALID_INPUT',
                              'detail', 'the PaymentIntent is bound to another booking, or the booking to another PaymentIntent');
  end if;
  v_shortfall := case when p_type = 'payment_intent.succeeded' then private.payment_shortfall(v_booking_id, p_intent) end;
  if v_shortfall is not null then
    return jsonb_build_object('status', 'rejected', 'booking_id', v_booking_id, 'code', 'INVALID_INPUT',
                              'detail', v_shortfall::text);
  end if;
  begin
    if p_type = 'payment_intent.succeeded' then
      v_result := private.record_deposit_payment(v_booking_id, p_intent ->> 'id');
    else
      v_result := private.record_deposit_failure(v_booking_id, p_intent ->> 'id',
        left(coalesce(p_intent -> 'last_payment_error' ->> 'message',
                      p_intent -> 'last_payment_error' ->> 'code', 'payment_failed'), 500));
    end if;
  exception when others then
    get stacked diagnostics v_error = message_text, v_detail = pg_exception_detail;
    if sqlstate !~ '^PT[0-9]{3}$' then
      raise;
    end if;
    return jsonb_build_object('status', 'rejected', 'booking_id', v_booking_id, 'code', v_error, 'detail', v_detail);
  end;
  return jsonb_build_object('status', 'processed', 'booking_id', v_booking_id, 'result', v_result);
end;
$$;

comment on function private.apply_payment_intent_event is
  'Route a payment_intent.succeeded / payment_failed event to the deposit functions (refused for a PaymentIntent bound to another booking); returns the outcome.';

revoke execute on function private.apply_payment_intent_event(text, jsonb) from public;

-- ---------------------------------------------------------------------------------------------
-- Refunds: the cancellation policy, the refunds owed to Stripe, and Stripe's answers
-- ---------------------------------------------------------------------------------------------

-- The venue's cancellation policy applied to a booking's deposit: {refundable, reason,
-- free_until, amount}. Refundable: a payment no booking could keep (refund_due), a request the
-- venue did not accept (rejected, expired), a cancellation by the venue, or by the guest before
-- free_until (the booking's start less the venue's cancellation_window): the deposit and any
-- part of the payment a change made refundable (amount). Kept: a guest's cancellation after
-- free_until and a no-show. Who cancelled and when is read from the booking's audit row (it
-- can't be changed). What a change of tables made refundable of a paid deposit (a negative
-- deposit_balance) is the guest's whatever happens: refundable alone ('difference_refundable')
-- while the booking is open or when the policy keeps the deposit itself.
create function private.deposit_refund_policy(p_booking public.bookings) returns jsonb
language plpgsql stable set search_path = ''
as $$
declare
  v_free_until timestamptz;
  v_cancel record;
  v_reason text;
begin
  select lower(p_booking.period) - v.cancellation_window into v_free_until
  from public.venues v where v.id = p_booking.venue_id;
  if p_booking.refund_status = 'refund_due'
     or (p_booking.refund_status = 'refund_failed' and p_booking.reconciliation ? 'payment_reference'
         and p_booking.deposit_paid_at is null) then
    v_reason := 'payment_not_kept';
  elsif p_booking.deposit_paid_at is null or p_booking.deposit_total = 0 then
    v_reason := 'no_paid_deposit';
  elsif p_booking.status in ('rejected', 'expired') then
    v_reason := 'request_not_accepted';
  elsif p_booking.status = 'no_show' then
    v_reason := 'no_show_kept';
  elsif p_booking.status = 'cancelled' then
    select a.actor_role, a.created_at into v_cancel from public.audit_log a
    where a.entity_id = p_booking.id and a.new_status = 'cancelled'
    order by a.created_at desc limit 1;
    v_reason := case when v_cancel.actor_role is distinct from 'customer' then 'cancelled_by_venue'
                     when v_cancel.created_at < v_free_until then 'cancelled_in_time'
                     else 'late_cancellation_kept' end;
  else
    v_reason := 'booking_open';
  end if;
  if v_reason in ('booking_open', 'late_cancellation_kept', 'no_show_kept') and p_booking.deposit_balance < 0
     and p_booking.deposit_paid_at is not null then
    return jsonb_build_object('refundable', true, 'reason', 'difference_refundable', 'free_until', v_free_until,
                              'amount', -p_booking.deposit_balance);
  end if;
  return jsonb_build_object('refundable', v_reason in ('payment_not_kept', 'request_not_accepted',
                                                       'cancelled_by_venue', 'cancelled_in_time'),
                            'reason', v_reason, 'free_until', v_free_until,
                            'amount', p_booking.deposit_total + greatest(-p_booking.deposit_balance, 0));
end;
$$;

comment on function private.deposit_refund_policy is
  'The venue''s cancellation policy for a booking''s deposit: {refundable, reason, free_until, amount}; every refund follows it.';

-- A refund owed through Stripe's Refunds API, one per booking: queued by refund_deposit, sent by
-- the worker (`clubbooking notify --stripe-key`, POST /v1/refunds with the idempotency key, so a
-- resend after a lost answer refunds once), and settled by Stripe's webhook (refund.updated,
-- charge.refunded). A failed refund queued again gets a new round, hence a new key, and so
-- does the deposit's refund after the refund of a difference (purpose 'difference': what a
-- change of tables made refundable of a paid deposit, refunded in part through the Refunds
-- API's amount while the booking stands).
create table private.deposit_refunds (
  booking_id uuid primary key references public.bookings (id),
  venue_id uuid not null references public.venues (id),
  payment_intent_id text not null check (payment_intent_id ~ '^pi_[A-Za-z0-9_]{1,250}$'),
  amount bigint check (amount > 0),
  currency text not null check (currency ~ '^[a-z]{3}$'),
  round int not null default 1,
  status text not null default 'queued' check (status in ('queued', 'sent', 'succeeded', 'failed')),
  stripe_refund_id text unique,
  stripe_status text,
  attempts int not null default 0,
  next_attempt_at timestamptz not null default now(),
  last_error text,
  requested_at timestamptz not null default now(),
  settled_at timestamptz,
  purpose text not null default 'deposit' check (purpose in ('deposit', 'difference'))
);

comment on table private.deposit_refunds is
  'Refunds owed through Stripe (amount in minor units; null: the whole payment): queued, sent, then succeeded or failed by the webhook.';

comment on column private.deposit_refunds.purpose is
  'deposit: the deposit''s refund (with any difference owed); difference: what a change of tables made refundable, refunded alone.';

create index deposit_refunds_due_idx on private.deposit_refunds (next_attempt_at) where status = 'queued';

create index deposit_refunds_venue_id_idx on private.deposit_refunds (venue_id);

create index deposit_refunds_payment_intent_idx on private.deposit_refunds (payment_intent_id);

-- RLS on with no policy: only the owner's functions touch it.
alter table private.deposit_refunds enable row level security;

revoke all on private.deposit_refunds from public, anon, authenticated, service_role;

-- The Idempotency-Key of a refund's round: a resend of the same round refunds once at Stripe.
create function private.refund_idempotency_key(p_refund private.deposit_refunds) returns text
language sql immutable set search_path = ''
as $$ select format('clubbooking-refund-%s-%s', p_refund.booking_id, p_refund.round) $$;

-- A refund settled: the ledger row follows, and the booking: its refund_status (the deposit's
-- refund) or, for a difference refunded, its deposit_balance back to 0 (a failed one stays
-- refundable); with an audit row (deposit_refunded, or deposit_refund_failed with Stripe's reason).
create function private.settle_refund(p_booking_id uuid, p_succeeded boolean, p_reason text) returns void
language plpgsql set search_path = ''
as $$
declare
  v_booking public.bookings;
  v_refund private.deposit_refunds;
begin
  update private.deposit_refunds r
     set status = case when p_succeeded then 'succeeded' else 'failed' end, settled_at = private.now()
   where r.booking_id = p_booking_id
  returning * into v_refund;
  if v_refund.purpose = 'difference' then
    update public.bookings b set deposit_balance = case when p_succeeded then 0 else b.deposit_balance end
     where b.id = p_booking_id
    returning * into v_booking;
  else
    update public.bookings b set refund_status = case when p_succeeded then 'refunded' else 'refund_failed' end
     where b.id = p_booking_id
    returning * into v_booking;
  end if;
  perform private.write_audit(v_booking.venue_id, 'booking', v_booking.id,
    case when p_succeeded then 'deposit_refunded' else 'deposit_refund_failed' end,
    v_booking.status::text, v_booking.status::text, left(coalesce(p_reason, 'stripe'), 500),
    jsonb_build_object('amount', v_refund.amount, 'currency', v_refund.currency, 'purpose', v_refund.purpose,
                       'payment_reference', v_booking.payment_reference));
end;
$$;

-- Claim up to p_limit queued refunds for the worker (SKIP LOCKED: two workers never send one at
-- once); a claim is a lease, so a worker that dies leaves the refund to be sent again with the
-- same key. Returns what POST /v1/refunds needs.
create function private.claim_deposit_refunds(p_limit int default 20, p_lease interval default '1 minute')
returns table (booking_id uuid, venue_id uuid, payment_intent_id text, amount bigint, currency text,
               idempotency_key text, attempt int)
language plpgsql security definer set search_path = ''
as $$
begin
  return query
  with due as (
    select r.booking_id from private.deposit_refunds r
    where r.status = 'queued' and r.next_attempt_at <= private.now()
    order by r.next_attempt_at limit p_limit
    for update skip locked)
  update private.deposit_refunds r
     set attempts = r.attempts + 1, next_attempt_at = private.now() + p_lease
    from due where r.booking_id = due.booking_id
  returning r.booking_id, r.venue_id, r.payment_intent_id, r.amount, r.currency, private.refund_idempotency_key(r),
            r.attempts;
end;
$$;

-- The worker's outcome of sending a refund: Stripe's refund object (status 'sent' until the
-- webhook settles it), or an error: retried after p_retry_in, unless p_final (Stripe refused
-- the request itself: failed, the booking refund_failed, for staff to look at).
create function private.finish_deposit_refund(p_booking_id uuid, p_refund jsonb, p_error text default null,
                                              p_retry_in interval default null, p_final boolean default false)
returns text
language plpgsql security definer set search_path = ''
as $$
declare
  v_status text;
begin
  update private.deposit_refunds r
     set status = case when p_refund is not null then 'sent' when p_final then 'failed' else 'queued' end,
         stripe_refund_id = coalesce(left(p_refund ->> 'id', 255), r.stripe_refund_id),
         stripe_status = coalesce(left(p_refund ->> 'status', 40), r.stripe_status),
         last_error = left(p_error, 500),
         next_attempt_at = private.now() + coalesce(p_retry_in, interval '30 seconds')
   where r.booking_id = p_booking_id and r.status = 'queued'
  returning r.status into v_status;
  if v_status = 'failed' then
    perform private.settle_refund(p_booking_id, false, p_error);
  end if;
  return v_status;
end;
$$;

-- Apply Stripe's word on a refund: refund.created / refund.updated (a refund object) and
-- charge.refunded (a charge, refunded in full or in part). The refund must be one the worker
-- sent for the booking its metadata names (or, for a charge, one queued for its
-- PaymentIntent): any other is rejected, nothing changed. succeeded settles it; failed and
-- canceled fail it; pending and the rest only record Stripe's status.
create function private.apply_refund_event(p_type text, p_object jsonb) returns jsonb
language plpgsql set search_path = ''
as $$
declare
  v_refund private.deposit_refunds;
  v_status text;
begin
  if p_type = 'charge.refunded' then
    select * into v_refund from private.deposit_refunds r
    where r.payment_intent_id = p_object ->> 'payment_intent' and r.status in ('queued', 'sent') for update;
    v_status := case when p_object -> 'refunded' = 'true'::jsonb
                       or (p_object ->> 'amount_refunded') ~ '^[0-9]{1,15}$'
                          and (p_object ->> 'amount_refunded')::bigint >= coalesce(v_refund.amount, 1) then 'succeeded' end;
  else
    select * into v_refund from private.deposit_refunds r where r.stripe_refund_id = p_object ->> 'id' for update;
    v_status := p_object ->> 'status';
    if found and (p_object -> 'metadata' ->> 'booking_id') is distinct from v_refund.booking_id::text then
      return jsonb_build_object('status', 'rejected', 'booking_id', v_refund.booking_id, 'code', 'INVALID_INPUT',
                                'detail', 'the refund names another booking');
    end if;
  end if;
  if v_refund.booking_id is null then
    return jsonb_build_object('status', 'ignored', 'reason', 'no refund of ours is waiting for this');
  end if;
  update private.deposit_refunds r set stripe_status = coalesce(left(v_status, 40), r.stripe_status)
   where r.booking_id = v_refund.booking_id;
  if v_refund.status in ('succeeded', 'failed') or v_status is null
     or v_status not in ('succeeded', 'failed', 'canceled') then
    return jsonb_build_object('status', 'processed', 'booking_id', v_refund.booking_id, 'refund', v_refund.status);
  end if;
  perform private.settle_refund(v_refund.booking_id, v_status = 'succeeded',
    coalesce(p_object ->> 'failure_reason', 'stripe_' || v_status));
  return jsonb_build_object('status', 'processed', 'booking_id', v_refund.booking_id,
                            'refund', case when v_status = 'succeeded' then 'succeeded' else 'failed' end);
end;
$$;

comment on function private.apply_refund_event is
  'Settle the refund a refund.* or charge.refunded event is about (only one of ours, for the booking it names).';

revoke execute on function private.apply_refund_event(text, jsonb) from public;

-- Handle one verified Stripe event exactly once per event id: {event_id, type, duplicate,
-- outcome}. A repeat returns the first outcome and changes nothing. Security definer: the
-- webhook acts as service_role, which has no rights on the ledger; it may only call this.
create function private.handle_stripe_event(p_event jsonb) returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  v_id text := p_event ->> 'id';
  v_type text := p_event ->> 'type';
  v_object jsonb := p_event -> 'data' -> 'object';
  v_outcome jsonb;
begin
  if jsonb_typeof(p_event) is distinct from 'object' or v_id is null or v_id !~ '^evt_[A-Za-z0-9_]{1,250}$'
     or v_type is null or jsonb_typeof(v_object) is distinct from 'object' then
    perform private.raise_error('INVALID_INPUT', 'a Stripe event needs id (evt_...), type and data.object');
  end if;
  -- The event id claims the work; a concurrent delivery of the same id waits here.
  insert into private.stripe_events (event_id, event_type, livemode, payment_intent_id, amount, currency,
                                     stripe_created_at)
  values (v_id, left(v_type, 100), coalesce(p_event -> 'livemode' = 'true'::jsonb, false),
          case when v_object ->> 'object' = 'payment_intent' then left(v_object ->> 'id', 255) end,
          case when jsonb_typeof(v_object -> 'amount') = 'number' and (v_object ->> 'amount') ~ '^[0-9]{1,15}$'
               then (v_object ->> 'amount')::bigint end,
          left(v_object ->> 'currency', 3),
          case when jsonb_typeof(p_event -> 'created') = 'number' and (p_event ->> 'created') ~ '^[0-9]{1,11}$'
               then to_timestamp((p_event ->> 'created')::double precision) end)
  on conflict (event_id) do nothing;
  if not found then
    select e.outcome into v_outcome from private.stripe_events e where e.event_id = v_id;
    return jsonb_build_object('event_id', v_id, 'type', v_type, 'duplicate', true, 'outcome', v_outcome);
  end if;

  if v_type in ('payment_intent.succeeded', 'payment_intent.payment_failed') then
    v_outcome := private.apply_payment_intent_event(v_type, v_object);
  elsif v_type in ('refund.created', 'refund.updated', 'refund.failed', 'charge.refunded') then
    v_outcome := private.apply_refund_event(v_type, v_object);
  else
    v_outcome := jsonb_build_object('status', 'ignored', 'reason', 'event type not handled');
  end if;
  update private.stripe_events e
     set outcome = v_outcome, booking_id = (v_outcome ->> 'booking_id')::uuid
   where e.event_id = v_id;
  return jsonb_build_object('event_id', v_id, 'type', v_type, 'duplicate', false, 'outcome', v_outcome);
end;
$$;

comment on function private.handle_stripe_event is
  'Apply a verified Stripe event (payments, refunds) once per event id; a repeat returns the first outcome and changes nothing.';

revoke execute on function private.handle_stripe_event(jsonb) from public;

grant execute on function private.handle_stripe_event(jsonb) to service_role;

-- Host and above record a deposit taken at the venue (cash, card terminal, bank transfer)
-- with a reason: the payment columns are set (no payment reference: there is no provider's
-- id), an audit row records method, amount and reason, and a live hold is submitted. A
-- deposit already paid is returned as it is; an expired hold is HOLD_EXPIRED (hold again).
create function private.record_payment(p_booking_id uuid, p_method text, p_reason text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_booking public.bookings := private.booking_for_transition(p_booking_id, false, 'host');
  v_reason text := private.required_reason(p_reason);
begin
  if p_method is null or p_method not in ('cash', 'card_terminal', 'bank_transfer') then
    perform private.raise_error('INVALID_INPUT', 'method must be cash, card_terminal or bank_transfer');
  end if;
  if v_booking.deposit_paid_at is not null then
    return private.booking_result(v_booking) || jsonb_build_object('outcome', 'already_paid');
  end if;
  if v_booking.deposit_total = 0 then
    perform private.raise_error('INVALID_TRANSITION', 'no deposit is due on this booking');
  end if;
  perform private.require_live_hold(v_booking, 'paid for');
  v_booking := private.mark_deposit_paid(v_booking.id, null, p_method);
  perform private.write_audit(v_booking.venue_id, 'booking', v_booking.id, 'deposit_paid_in_person',
    v_booking.status::text, v_booking.status::text, v_reason,
    jsonb_build_object('method', p_method, 'amount', v_booking.deposit_total));
  return private.submit_booking(v_booking.id) || jsonb_build_object('outcome', 'submitted');
end;
$$;

comment on function private.record_payment is
  'Host+: record a deposit taken in person (method, reason; audited) and submit the hold.';

grant execute on function private.record_payment(uuid, text, text) to authenticated;

grant execute on function private.record_payment(uuid, text, text) to service_role;

create function public.record_payment(p_booking_id uuid, p_method text, p_reason text) returns jsonb
language sql set search_path = ''
as $$ select private.record_payment(p_booking_id, p_method, p_reason) $$;

comment on function public.record_payment is
  'Host+: a deposit taken at the venue (cash, card_terminal, bank_transfer) with a reason; submits the hold.';

grant execute on function public.record_payment(uuid, text, text) to authenticated;

grant execute on function public.record_payment(uuid, text, text) to service_role;

-- ---------------------------------------------------------------------------------------------
-- PaymentIntents: one per booking, created by the payment-intent route
-- ---------------------------------------------------------------------------------------------

-- What the payment-intent route asks Stripe for, for a held booking whose deposit is due: the
-- amount (minor units) and currency from the database, the ids for its metadata, the
-- idempotency key (one per booking), and the PaymentIntent already bound to it, if any. The
-- booking's guest or host and above; the booking row is locked, so two requests for one
-- booking queue here. HOLD_EXPIRED for a dead hold, INVALID_TRANSITION when nothing is due.
create function private.payment_intent_request(p_booking_id uuid) returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  v_booking public.bookings := private.booking_for_transition(p_booking_id, true, 'host');
  v_venue public.venues;
begin
  perform private.require_live_hold(v_booking, 'paid for');
  if v_booking.deposit_paid_at is not null or v_booking.deposit_total = 0 then
    perform private.raise_error('INVALID_TRANSITION', 'no deposit is due on this booking');
  end if;
  select * into v_venue from public.venues v where v.id = v_booking.venue_id;
  return jsonb_build_object(
    'booking_id', v_booking.id, 'venue_id', v_venue.id, 'club_id', v_venue.club_id, 'reference', v_booking.reference,
    'amount', private.minor_units(v_booking.deposit_total, v_venue.currency), 'currency', v_venue.currency,
    'description', format('Deposit for %s at %s', v_booking.reference, v_venue.name),
    'idempotency_key', format('clubbooking-payment-intent-%s', v_booking.id),
    'payment_intent_id', v_booking.payment_intent_id, 'hold_expires_at', v_booking.hold_expires_at);
end;
$$;

comment on function private.payment_intent_request is
  'The payment-intent route''s inputs for a held booking: amount, currency, metadata ids, idempotency key, bound PaymentIntent.';

grant execute on function private.payment_intent_request(uuid) to authenticated, service_role;

