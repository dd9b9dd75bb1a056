-- =====================================================================================
-- Payments taken in person, and the guests each club knows (issue 13)
-- =====================================================================================
-- A deposit is paid only when money arrives: the Stripe webhook (private.record_deposit_payment)
-- or, here, staff who took it at the venue. Every other path (a guest's PaymentIntent id,
-- create_booking_atomic's, a hand edit in Studio) leaves deposit_paid_at alone.

-- ---------- payments taken in person ----------
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

create function public.record_payment(p_booking_id uuid, p_method text, p_reason text) returns jsonb
language sql set search_path = ''
as $$ select private.record_payment(p_booking_id, p_method, p_reason) $$;
comment on function public.record_payment is
  'Host+: a deposit taken at the venue (cash, card_terminal, bank_transfer) with a reason; submits the hold.';

grant execute on function public.record_payment(uuid, text, text) to authenticated;
grant execute on function public.record_payment(uuid, text, text) to service_role;
grant execute on function private.record_payment(uuid, text, text) to authenticated;
grant execute on function private.record_payment(uuid, text, text) to service_role;
