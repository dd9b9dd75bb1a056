-- =====================================================================================
-- Deposits: payments recorded once, and a deposit that arrives late is never lost
-- =====================================================================================
-- The payment provider (the stripe-webhook Edge Function) reports payments here. A deposit for
-- a live hold submits it. A deposit that arrives after its hold expired is reconciled: the
-- same tables are held again for the guest and submitted if they are still free; otherwise
-- the payment is flagged for refund and the guest is offered alternatives.

alter table public.bookings
  add column reconciled_from uuid references public.bookings (id),
  add column refund_status text check (refund_status in ('refund_due', 'refunded')),
  add column reconciliation jsonb;
comment on column public.bookings.reconciled_from is 'The expired hold whose late deposit this booking took over.';
comment on column public.bookings.refund_status is 'refund_due: a payment arrived that no booking can keep.';
create index bookings_reconciled_from_idx on public.bookings (reconciled_from) where reconciled_from is not null;

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
  v_tables := array(select bt.table_id from public.booking_tables bt where bt.booking_id = p_booking_id order by 1);

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

revoke execute on all functions in schema public, private from public;
grant execute on function private.record_deposit_payment(uuid, text) to service_role;
grant execute on function private.record_deposit_failure(uuid, text, text) to service_role;
