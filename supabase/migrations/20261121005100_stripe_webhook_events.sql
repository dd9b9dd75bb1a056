-- =====================================================================================
-- Stripe webhook events: each event id handled exactly once
-- =====================================================================================
-- The `stripe-webhook` Edge Function verifies the signature and hands the event to
-- private.handle_stripe_event as service_role. Stripe delivers at least once and may retry
-- or deliver twice at the same time; the event id is the primary key of stripe_events, and
-- the row is written in the same transaction as the booking change, so a second delivery
-- either waits for the first and finds it done, or (if the first failed) does the work.
-- Every booking rule stays in the deposit functions (private.record_deposit_payment and
-- private.record_deposit_failure); this file only routes events to them.

-- ---------- tables ----------
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

-- The currency a venue takes deposits in (Stripe's lower-case ISO code); amounts from Stripe
-- are in its smallest unit (pence; yen are whole).
alter table public.venues
  add column currency text not null default 'gbp' check (currency ~ '^[a-z]{3}$');
comment on column public.venues.currency is 'Deposits are charged in this currency (ISO 4217, lower case, as Stripe).';

-- ---------- functions ----------
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
  -- Stripe's zero-decimal currencies are charged in whole units, every other one in hundredths.
  select round(b.deposit_total * case when v.currency in ('bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga',
                                                          'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf')
                                      then 1 else 100 end)::bigint, v.currency
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

-- Move the booking a PaymentIntent event names (metadata.booking_id) on: a succeeded payment
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
  'Route a payment_intent.succeeded / payment_failed event to the deposit functions; returns the outcome.';

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
  'Apply a verified Stripe event once per event id; a repeat returns the first outcome and changes nothing.';

-- ---------- grants ----------
-- RLS on with no policy: only the security definer functions above (the owner) touch it.
alter table private.stripe_events enable row level security;
revoke all on private.stripe_events from public, anon, authenticated, service_role;
revoke execute on function private.apply_payment_intent_event(text, jsonb), private.handle_stripe_event(jsonb),
  private.payment_shortfall(uuid, jsonb) from public;
grant execute on function private.handle_stripe_event(jsonb) to service_role;
