-- =====================================================================================
-- GDPR: erasure (forget_customer) that keeps counts and statistics, and a data export
-- =====================================================================================
-- What is personal data here: customers.email, phone, full_name, date_of_birth and the link
-- to the Supabase Auth account; what guests typed into bookings and waitlist entries
-- (special requests, occasion, free-text reasons); the same keys inside audit detail and
-- the guest's notifications.
-- What stays after erasure: the customer row's id (so counts per guest still add up), every
-- booking's venue, night, tables, party size, status, amounts and payment reference (kept for
-- the accounts), waitlist entries' sizes and statuses, and every audit row's who/what/when.

-- ---------- redaction ----------
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

-- ---------- who may ask ----------
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

-- ---------- erasure ----------
create function private.forget_customer(p_customer_id uuid) returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  v_id uuid;
  v_bookings uuid[];
  v_waitlist uuid[];
  v_audit int;
  v_at timestamptz;
begin
  if p_customer_id is null then
    perform private.raise_error('INVALID_INPUT', 'customer id is required');
  end if;
  v_id := private.gdpr_subject(p_customer_id, true);
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

-- ---------- export ----------
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

-- ---------- the API ----------
create function public.forget_customer(p_customer_id uuid) returns jsonb
language sql set search_path = ''
as $$ select private.forget_customer(p_customer_id) $$;
comment on function public.forget_customer is
  'GDPR erasure of a customer (themselves, service_role, or an aal2 admin of their venues); counts and statistics stay.';

create function public.export_customer_data(p_customer_id uuid default null) returns jsonb
language sql stable set search_path = ''
as $$ select private.export_customer_data(p_customer_id) $$;
comment on function public.export_customer_data is 'GDPR access: a customer''s own data as JSON (the caller''s by default).';

-- ---------- grants: one per signature per role ----------
grant execute on function public.forget_customer(uuid) to authenticated;
grant execute on function public.forget_customer(uuid) to service_role;
grant execute on function private.forget_customer(uuid) to authenticated;
grant execute on function private.forget_customer(uuid) to service_role;
grant execute on function public.export_customer_data(uuid) to authenticated;
grant execute on function public.export_customer_data(uuid) to service_role;
grant execute on function private.export_customer_data(uuid) to authenticated;
grant execute on function private.export_customer_data(uuid) to service_role;
