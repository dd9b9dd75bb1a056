-- =====================================================================================
-- Manager overrides and admin configuration, each behind aal2 (MFA_REQUIRED below it)
-- =====================================================================================
-- Forced blocks already need manager + aal2 (private.block_tables). Added here: approving a
-- booking beyond its tables' capacity, refunding a deposit, and changing a venue's settings.
-- Every one writes an audit row with the reason.

-- ---------- shared checks ----------
-- A required free-text reason for an override: trimmed, at most 500 characters (else INVALID_INPUT).
create function private.required_reason(p_reason text) returns text
language plpgsql immutable
set search_path = ''
as $$
declare
  v_reason text := private.text_arg('reason', p_reason, 500);
begin
  if v_reason is null then
    perform private.raise_error('INVALID_INPUT', 'an override needs a reason');
  end if;
  return v_reason;
end;
$$;
comment on function private.required_reason is 'The trimmed reason an override must give, else INVALID_INPUT.';

-- The booking a manager override acts on, locked, once the caller is a manager of its venue
-- with aal2 (or the back office) and has given a reason.
create function private.override_booking(p_booking_id uuid, p_reason text) returns public.bookings
language plpgsql
set search_path = ''
as $$
declare
  v_booking public.bookings := private.booking_for_transition(p_booking_id, false, 'manager', true);
begin
  perform private.required_reason(p_reason);
  return v_booking;
end;
$$;
comment on function private.override_booking is 'Lock and authorise (manager + aal2, with a reason) a booking for an override.';

-- The audit row of an override of a booking (its status unchanged).
create function private.audit_override(p_booking public.bookings, p_action text, p_reason text, p_detail jsonb)
returns void
language sql
set search_path = ''
as $$
  select private.write_audit(p_booking.venue_id, 'booking', p_booking.id, p_action, p_booking.status::text,
                             p_booking.status::text, private.required_reason(p_reason), p_detail)
$$;
comment on function private.audit_override is 'One audit row for a manager override of a booking.';

-- ---------- approving beyond capacity ----------
-- A manager (aal2) approves a booking for a party its tables' capacity rules would refuse
-- (1-50 still holds): the party size is changed, the claims follow, an audit row records
-- old and new sizes, and a pending request is confirmed. A confirmed booking keeps its status.
create function private.approve_booking_over_capacity(p_booking_id uuid, p_party_size int, p_reason text)
returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  v_booking public.bookings := private.override_booking(p_booking_id, p_reason);
begin
  if p_party_size is null or p_party_size not between 1 and 50 then
    perform private.raise_error('INVALID_PARTY_SIZE', format('party size must be 1-50, got %s', coalesce(p_party_size::text, 'none')));
  end if;
  if v_booking.status not in ('pending_approval', 'confirmed') then
    perform private.raise_error('INVALID_TRANSITION', format('a %s booking cannot be approved', v_booking.status));
  end if;
  -- The one path past the tables' capacity (the booking trigger checks every other change);
  -- the claims follow the booking's party size (private.booking_status_changed).
  perform private.set_transaction_flag('capacity_override', true);
  update public.bookings b set party_size = p_party_size where b.id = v_booking.id;
  perform private.set_transaction_flag('capacity_override', false);
  perform private.audit_override(v_booking, 'capacity_override', p_reason,
    jsonb_build_object('party_size_before', v_booking.party_size, 'party_size_after', p_party_size));
  select * into v_booking from public.bookings b where b.id = v_booking.id;
  if v_booking.status = 'pending_approval' then
    return private.set_status(v_booking, 'confirmed', 'approved_over_capacity');
  end if;
  return private.booking_result(v_booking);
end;
$$;
comment on function private.approve_booking_over_capacity is
  'Manager override (aal2): set a party size beyond the tables'' capacity and confirm the booking.';

-- ---------- refunds ----------
-- Record a deposit refund (bookings.refund_status = 'refunded'; the audit row says when, who
-- and why): staff need manager + aal2 (a refund is money leaving the venue); the back office
-- (service_role, e.g. the payment webhook) may record one too. Only a paid deposit, or a
-- payment flagged refund_due by the reconciliation, can be refunded, once; repeating the
-- call returns the same result.
create function private.refund_deposit(p_booking_id uuid, p_reason text) returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  v_booking public.bookings := private.override_booking(p_booking_id, p_reason);
begin
  if v_booking.refund_status is distinct from 'refunded' then
    if v_booking.refund_status is null and (v_booking.deposit_paid_at is null or v_booking.deposit_total = 0) then
      perform private.raise_error('INVALID_TRANSITION', 'no paid deposit to refund');
    end if;
    update public.bookings b set refund_status = 'refunded' where b.id = v_booking.id
    returning * into v_booking;
    perform private.audit_override(v_booking, 'deposit_refunded', p_reason,
      jsonb_build_object('amount', v_booking.deposit_total, 'payment_reference', v_booking.payment_reference));
  end if;
  return private.booking_result(v_booking)
      || jsonb_build_object('refunded_amount', v_booking.deposit_total, 'refund_status', v_booking.refund_status);
end;
$$;
comment on function private.refund_deposit is 'Manager override (aal2) or back office: record a paid deposit as refunded.';

-- ---------- admin configuration ----------
-- The venue settings an admin may change, and nothing else (not the id, club or creation).
create function private.venue_setting_names() returns text[]
language sql immutable
set search_path = ''
as $$
  select array['name', 'timezone', 'opens_at', 'closes_at', 'open_days', 'hold_ttl', 'requires_approval',
               'booking_horizon', 'min_age', 'max_tables_per_customer_night', 'max_held_tables_per_customer',
               'max_waitlist_entries_per_night', 'max_open_waitlist_entries',
               'cancellation_window', 'waitlist_offer_ttl']
$$;
comment on function private.venue_setting_names is 'The venues columns update_venue_settings may change.';

-- Change a venue's settings (admin + aal2): p_settings is a JSON object of setting -> value,
-- e.g. {"hold_ttl": "3 minutes", "max_held_tables_per_customer": 2}. Unknown settings, bad
-- values and values the table's checks refuse are INVALID_INPUT; nothing changes then.
-- Returns the venue's settings; one audit row holds the old and new values.
create function private.update_venue_settings(p_venue_id uuid, p_settings jsonb) returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  v_before public.venues;
  v_after public.venues;
  v_unknown text[];
begin
  if p_venue_id is null or p_settings is null or jsonb_typeof(p_settings) <> 'object' or p_settings = '{}'::jsonb then
    perform private.raise_error('INVALID_INPUT', 'venue and a JSON object of settings are required');
  end if;
  select * into v_before from public.venues v where v.id = p_venue_id for update;
  if not found then
    perform private.raise_error('INVALID_INPUT', 'unknown venue', 'PT404');
  end if;
  perform private.require_staff(p_venue_id, 'admin', true);
  v_unknown := array(select k from jsonb_object_keys(p_settings) k where k <> all (private.venue_setting_names()) order by k);
  if cardinality(v_unknown) > 0 then
    perform private.raise_error('INVALID_INPUT', format('unknown or read-only settings: %s', array_to_string(v_unknown, ', ')));
  end if;
  if exists (select 1 from jsonb_each(p_settings) e where jsonb_typeof(e.value) = 'null') then
    perform private.raise_error('INVALID_INPUT', 'settings cannot be null');
  end if;
  begin
    update public.venues v
       set (name, timezone, opens_at, closes_at, open_days, hold_ttl, requires_approval, booking_horizon, min_age,
            max_tables_per_customer_night, max_held_tables_per_customer, max_waitlist_entries_per_night,
            max_open_waitlist_entries, cancellation_window, waitlist_offer_ttl)
         = (select r.name, r.timezone, r.opens_at, r.closes_at, r.open_days, r.hold_ttl, r.requires_approval,
                   r.booking_horizon, r.min_age, r.max_tables_per_customer_night, r.max_held_tables_per_customer,
                   r.max_waitlist_entries_per_night, r.max_open_waitlist_entries,
                   r.cancellation_window, r.waitlist_offer_ttl
            from jsonb_populate_record(v_before, p_settings) r)
     where v.id = p_venue_id
    returning * into v_after;
  exception
    when data_exception or integrity_constraint_violation then
      perform private.raise_error('INVALID_INPUT', format('invalid setting: %s', sqlerrm));
  end;
  if v_after.open_days is null or cardinality(v_after.open_days) = 0
     or exists (select 1 from unnest(v_after.open_days) d where d is null or d not between 1 and 7) then
    perform private.raise_error('INVALID_INPUT', 'open_days are ISO days of the week, 1 (Monday) to 7');
  end if;
  perform private.write_audit(p_venue_id, 'venue', p_venue_id, 'settings_updated', null, null, null,
    jsonb_build_object(
      'before', (select jsonb_object_agg(k, to_jsonb(v_before) -> k) from jsonb_object_keys(p_settings) k),
      'after', (select jsonb_object_agg(k, to_jsonb(v_after) -> k) from jsonb_object_keys(p_settings) k)));
  return (select jsonb_object_agg(k, to_jsonb(v_after) -> k) from unnest(private.venue_setting_names()) k)
      || jsonb_build_object('venue_id', p_venue_id);
end;
$$;
comment on function private.update_venue_settings is 'Admin configuration (aal2): change a venue''s settings, audited.';

-- ---------- the API ----------
create function public.approve_booking_over_capacity(p_booking_id uuid, p_party_size int, p_reason text)
returns jsonb
language sql set search_path = ''
as $$ select private.approve_booking_over_capacity(p_booking_id, p_party_size, p_reason) $$;
comment on function public.approve_booking_over_capacity is
  'Manager override (aal2): approve a party size beyond the tables'' capacity rules, with a reason.';

create function public.refund_deposit(p_booking_id uuid, p_reason text) returns jsonb
language sql set search_path = ''
as $$ select private.refund_deposit(p_booking_id, p_reason) $$;
comment on function public.refund_deposit is 'Manager override (aal2): record a paid deposit as refunded, with a reason.';

create function public.update_venue_settings(p_venue_id uuid, p_settings jsonb) returns jsonb
language sql set search_path = ''
as $$ select private.update_venue_settings(p_venue_id, p_settings) $$;
comment on function public.update_venue_settings is 'Admin (aal2): change a venue''s settings (JSON object), audited.';

-- ---------- grants: one per signature per role ----------
grant execute on function public.approve_booking_over_capacity(uuid, int, text) to authenticated;
grant execute on function public.approve_booking_over_capacity(uuid, int, text) to service_role;
grant execute on function private.approve_booking_over_capacity(uuid, int, text) to authenticated;
grant execute on function private.approve_booking_over_capacity(uuid, int, text) to service_role;
grant execute on function public.refund_deposit(uuid, text) to authenticated;
grant execute on function public.refund_deposit(uuid, text) to service_role;
grant execute on function private.refund_deposit(uuid, text) to authenticated;
grant execute on function private.refund_deposit(uuid, text) to service_role;
grant execute on function public.update_venue_settings(uuid, jsonb) to authenticated;
grant execute on function public.update_venue_settings(uuid, jsonb) to service_role;
grant execute on function private.update_venue_settings(uuid, jsonb) to authenticated;
grant execute on function private.update_venue_settings(uuid, jsonb) to service_role;
