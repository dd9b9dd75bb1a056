-- =============================================================================================
-- Manager overrides, venue settings, and GDPR export and erasure
-- =============================================================================================
-- Overrides need a reason and aal2; erasure redacts a guest everywhere they appear.

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
  perform private.require_open_request(v_booking);
  -- The one path past the tables' capacity (the booking trigger checks every other change);
  -- the claims follow the booking's party size (private.claims_follow_booking).
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

grant execute on function private.approve_booking_over_capacity(uuid, int, text) to authenticated;

grant execute on function private.approve_booking_over_capacity(uuid, int, text) to service_role;

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

grant execute on function private.refund_deposit(uuid, text) to authenticated;

grant execute on function private.refund_deposit(uuid, text) to service_role;

-- The venue settings an admin may change, and nothing else (not the id, club or creation).
create function private.venue_setting_names() returns text[]
language sql immutable
set search_path = ''
as $$
  select array['name', 'timezone', 'opens_at', 'closes_at', 'open_days', 'hold_ttl', 'requires_approval',
               'booking_horizon', 'min_age', 'max_tables_per_customer_night', 'max_held_tables_per_customer',
               'max_waitlist_entries_per_night', 'max_open_waitlist_entries',
               'cancellation_window', 'waitlist_offer_ttl', 'audit_retention', 'claims_retention', 'modify_cutoff',
               'approval_ttl', 'undo_window']
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
    perform private.raise_error('INVALID_INPUT', 'settings must be a non-empty JSON object');
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
            max_open_waitlist_entries, cancellation_window, waitlist_offer_ttl, audit_retention, claims_retention,
            modify_cutoff, approval_ttl, undo_window)
         = (select r.name, r.timezone, r.opens_at, r.closes_at, r.open_days, r.hold_ttl, r.requires_approval,
                   r.booking_horizon, r.min_age, r.max_tables_per_customer_night, r.max_held_tables_per_customer,
                   r.max_waitlist_entries_per_night, r.max_open_waitlist_entries,
                   r.cancellation_window, r.waitlist_offer_ttl, r.audit_retention, r.claims_retention,
                   r.modify_cutoff, r.approval_ttl, r.undo_window
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

grant execute on function private.update_venue_settings(uuid, jsonb) to authenticated;

grant execute on function private.update_venue_settings(uuid, jsonb) to service_role;

create function public.approve_booking_over_capacity(p_booking_id uuid, p_party_size int, p_reason text)
returns jsonb
language sql set search_path = ''
as $$ select private.approve_booking_over_capacity(p_booking_id, p_party_size, p_reason) $$;

comment on function public.approve_booking_over_capacity is
  'Manager override (aal2): approve a party size beyond the tables'' capacity rules, with a reason.';

grant execute on function public.approve_booking_over_capacity(uuid, int, text) to authenticated;

grant execute on function public.approve_booking_over_capacity(uuid, int, text) to service_role;

create function public.refund_deposit(p_booking_id uuid, p_reason text) returns jsonb
language sql set search_path = ''
as $$ select private.refund_deposit(p_booking_id, p_reason) $$;

comment on function public.refund_deposit is 'Manager override (aal2): record a paid deposit as refunded, with a reason.';

grant execute on function public.refund_deposit(uuid, text) to authenticated;

grant execute on function public.refund_deposit(uuid, text) to service_role;

create function public.update_venue_settings(p_venue_id uuid, p_settings jsonb) returns jsonb
language sql set search_path = ''
as $$ select private.update_venue_settings(p_venue_id, p_settings) $$;

comment on function public.update_venue_settings is 'Admin (aal2): change a venue''s settings (JSON object), audited.';

grant execute on function public.update_venue_settings(uuid, jsonb) to authenticated;

grant execute on function public.update_venue_settings(uuid, jsonb) to service_role;

-- Keys that may carry personal data in audit detail (today's writers put none there; the
-- list guards what later writers add).
create function private.pii_keys() returns text[]
language sql immutable
set search_path = ''
as $$
  select array['email', 'phone', 'full_name', 'customer_name', 'name', 'date_of_birth',
               'special_requests', 'occasion', 'notes', 'note']
$$;

comment on function private.pii_keys is 'Keys removed from audit detail when a customer is forgotten.';

-- Free text may name people; codes (booking_cancelled, hold_expired) may stay.
create function private.redact_text(p_text text) returns text
language sql immutable
set search_path = ''
as $$ select case when p_text is null or p_text ~ '^[a-z0-9_]+$' then p_text else '[redacted]' end $$;

comment on function private.redact_text is 'Free text replaced by [redacted]; null and snake_case codes kept.';

-- The customer a GDPR request is about, after checking the caller may make it: the customer
-- themselves (signed in), the back office (service_role), or, for erasure, an admin with aal2
-- at every venue where the customer has bookings or waitlist entries.
create function private.gdpr_subject(p_customer_id uuid, p_admins_may boolean) returns uuid
language plpgsql
set search_path = ''
as $$
declare
  v_id uuid := coalesce(p_customer_id, private.my_customer_id());
  v_venue_id uuid;
begin
  if not private.is_trusted() and (select auth.uid()) is null then
    perform private.raise_error('NOT_AUTHORIZED', 'sign in first', 'PT401');
  end if;
  if v_id is null then
    perform private.raise_error('INVALID_INPUT', 'no customer record', 'PT404');
  end if;
  if not exists (select 1 from public.customers c where c.id = v_id) then
    perform private.raise_error('INVALID_INPUT', 'unknown customer', 'PT404');
  end if;
  if private.is_trusted()
     or (private.api_role() = 'authenticated' and v_id is not distinct from private.my_customer_id()) then
    return v_id;
  end if;
  if not p_admins_may or not exists (select 1 from public.bookings b where b.customer_id = v_id
                                     union all
                                     select 1 from public.waitlist_entries w where w.customer_id = v_id) then
    perform private.raise_error('NOT_AUTHORIZED', 'only the customer or the back office may ask');
  end if;
  for v_venue_id in
    select b.venue_id from public.bookings b where b.customer_id = v_id
    union
    select w.venue_id from public.waitlist_entries w where w.customer_id = v_id
  loop
    perform private.require_staff(v_venue_id, 'admin', true);
  end loop;
  return v_id;
end;
$$;

comment on function private.gdpr_subject is
  'Authorise a GDPR request: the customer, service_role, or (erasure only) an aal2 admin of every venue involved.';

create function private.forget_customer(p_customer_id uuid) returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  v_id uuid;
  v_bookings uuid[];
  v_waitlist uuid[];
  v_audit int;
  v_at timestamptz;
  v_user_id uuid;
begin
  if p_customer_id is null then
    perform private.raise_error('INVALID_INPUT', 'customer id is required');
  end if;
  v_id := private.gdpr_subject(p_customer_id, true);
  select c.user_id into v_user_id from public.customers c where c.id = v_id;
  if v_user_id is not null then
    insert into private.forgotten_users (user_id) values (v_user_id) on conflict do nothing;
  end if;
  update public.customers c
     set email = null, phone = null, full_name = null, date_of_birth = null, user_id = null,
         forgotten_at = coalesce(c.forgotten_at, private.now())
   where c.id = v_id
  returning c.forgotten_at into v_at;

  with changed as (
    update public.bookings b
       set special_requests = null, occasion = null, idempotency_key = null,
           status_note = private.redact_text(b.status_note)
     where b.customer_id = v_id
    returning b.id)
  select coalesce(array_agg(changed.id), '{}') into v_bookings from changed;
  with changed as (
    update public.waitlist_entries w set occasion = null where w.customer_id = v_id returning w.id)
  select coalesce(array_agg(changed.id), '{}') into v_waitlist from changed;
  update public.notifications n
     set payload = (n.payload - private.pii_keys())
                   || case when n.payload ? 'reason'
                           then jsonb_build_object('reason', private.redact_text(n.payload ->> 'reason'))
                           else '{}'::jsonb end
   where n.customer_id = v_id;

  -- Their bookings' notes are also in the staff payloads of the events table (public payloads
  -- and every Broadcast message, which realtime.messages keeps, carry codes only).
  update public.availability_events e
     set staff_payload = e.staff_payload || jsonb_build_object('note', '[redacted]')
   where e.staff_payload ->> 'bookingId' = any (v_bookings::text[]) and e.staff_payload ? 'note';
  -- Staff payloads carry the actor's id and role only; any written with a name are scrubbed.
  update public.availability_events e
     set staff_payload = jsonb_set(e.staff_payload, '{actor}', (e.staff_payload -> 'actor') - 'name')
   where v_user_id is not null and e.staff_payload -> 'actor' ->> 'id' = v_user_id::text
     and e.staff_payload -> 'actor' ? 'name';

  -- The audit log's one escape hatch (private.refuse_audit_change): as the table owner, with
  -- the flag on for this statement only, detail and reason may be redacted.
  perform pg_catalog.set_config('clubbooking.gdpr_redaction', 'on', true);
  with redacted as (
    update public.audit_log a
       set detail = (a.detail - private.pii_keys()) || jsonb_build_object('redacted', true),
           reason = private.redact_text(a.reason)
     where a.entity_id = any (v_bookings || v_waitlist || v_id)
       and (a.detail ?| private.pii_keys() or a.reason is distinct from private.redact_text(a.reason))
    returning 1)
  select count(*)::int into v_audit from redacted;
  perform pg_catalog.set_config('clubbooking.gdpr_redaction', 'off', true);

  perform private.write_audit(venue_id, 'customer', v_id, 'customer_forgotten', null, null, null,
    jsonb_build_object('bookings_kept', cardinality(v_bookings), 'waitlist_entries_kept', cardinality(v_waitlist),
                       'audit_rows_redacted', v_audit))
  from (select b.venue_id from public.bookings b where b.id = any (v_bookings)
        union
        select w.venue_id from public.waitlist_entries w where w.id = any (v_waitlist)) venues;

  return jsonb_build_object('customer_id', v_id, 'forgotten_at', v_at,
                            'bookings_kept', cardinality(v_bookings), 'waitlist_entries_kept', cardinality(v_waitlist),
                            'audit_rows_redacted', v_audit);
end;
$$;

comment on function private.forget_customer is
  'GDPR erasure: anonymise a customer''s PII in customers, bookings, waitlist and audit detail; counts stay.';

grant execute on function private.forget_customer(uuid) to authenticated;

grant execute on function private.forget_customer(uuid) to service_role;

-- Everything held about one customer (the caller by default), as one JSON document:
-- profile, bookings with tables and payments, waitlist entries, notifications, and the
-- history of each (action, statuses, reason, role and time; staff members' ids are theirs,
-- so left out).
create function private.export_customer_data(p_customer_id uuid default null) returns jsonb
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_id uuid := private.gdpr_subject(p_customer_id, false);
begin
  return jsonb_build_object(
    'exported_at', private.now(),
    'customer', (select to_jsonb(c) from public.customers c where c.id = v_id),
    'bookings', coalesce((
      select jsonb_agg(private.booking_result(b) || jsonb_build_object(
               'special_requests', b.special_requests, 'occasion', b.occasion, 'promoter_code', b.promoter_code,
               'status_reason', b.status_reason, 'deposit_paid_at', b.deposit_paid_at,
               'refund_status', b.refund_status, 'reconciliation', b.reconciliation,
               'created_at', b.created_at)
             order by b.created_at)
      from public.bookings b where b.customer_id = v_id), '[]'::jsonb),
    'waitlist_entries', coalesce((
      select jsonb_agg(to_jsonb(w) order by w.created_at) from public.waitlist_entries w where w.customer_id = v_id),
      '[]'::jsonb),
    'notifications', coalesce((
      select jsonb_agg(to_jsonb(n) order by n.id) from public.notifications n where n.customer_id = v_id), '[]'::jsonb),
    'history', coalesce((
      select jsonb_agg(jsonb_build_object('entity', a.entity, 'entity_id', a.entity_id, 'action', a.action,
                                          'old_status', a.old_status, 'new_status', a.new_status, 'reason', a.reason,
                                          'actor_role', a.actor_role, 'at', a.created_at)
             order by a.id)
      from public.audit_log a
      where a.entity_id = v_id
         or a.entity_id in (select b.id from public.bookings b where b.customer_id = v_id)
         or a.entity_id in (select w.id from public.waitlist_entries w where w.customer_id = v_id)), '[]'::jsonb));
end;
$$;

comment on function private.export_customer_data is 'GDPR access: all data held about a customer, as JSON.';

grant execute on function private.export_customer_data(uuid) to authenticated;

grant execute on function private.export_customer_data(uuid) to service_role;

create function public.forget_customer(p_customer_id uuid) returns jsonb
language sql set search_path = ''
as $$ select private.forget_customer(p_customer_id) $$;

comment on function public.forget_customer is
  'GDPR erasure of a customer (themselves, service_role, or an aal2 admin of their venues); counts and statistics stay.';

grant execute on function public.forget_customer(uuid) to authenticated;

grant execute on function public.forget_customer(uuid) to service_role;

create function public.export_customer_data(p_customer_id uuid default null) returns jsonb
language sql stable set search_path = ''
as $$ select private.export_customer_data(p_customer_id) $$;

comment on function public.export_customer_data is 'GDPR access: a customer''s own data as JSON (the caller''s by default).';

grant execute on function public.export_customer_data(uuid) to authenticated;

grant execute on function public.export_customer_data(uuid) to service_role;
