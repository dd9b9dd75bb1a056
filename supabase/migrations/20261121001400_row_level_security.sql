-- =====================================================================================
-- Row level security: every table, policies named as sentences, one per command and audience
-- =====================================================================================
-- Reads go through these policies; writes go through the RPCs (no insert, update or delete
-- grants for anon or authenticated). Helpers are security definer in private and wrapped in
-- (select ...) so they run once per statement, not once per row.

-- The venues where the caller is staff with at least p_min_role.
create function private.staff_venue_ids(p_min_role text) returns uuid[]
language plpgsql stable
security definer
set search_path = ''
as $$
begin
  return (
  select coalesce(array_agg(sm.venue_id), '{}')
  from public.staff_members sm
  where sm.user_id = (select auth.uid())
    and private.staff_rank(sm.role::text) >= private.staff_rank(p_min_role));
end;
$$;

alter table public.clubs enable row level security;
alter table public.venues enable row level security;
alter table public.floors enable row level security;
alter table public.venue_tables enable row level security;
alter table public.table_combinations enable row level security;
alter table public.venue_slots enable row level security;
alter table public.customers enable row level security;
alter table public.staff_members enable row level security;
alter table public.bookings enable row level security;
alter table public.booking_tables enable row level security;
alter table public.table_blocks enable row level security;
alter table public.waitlist_entries enable row level security;
alter table public.audit_log enable row level security;
alter table public.availability_events enable row level security;
alter table private.channel_versions enable row level security;
alter table private.error_codes enable row level security;

-- ---------- the catalogue: public ----------
create policy "Anyone can read clubs" on public.clubs for select to anon, authenticated using (true);
create policy "Anyone can read venues" on public.venues for select to anon, authenticated using (true);
create policy "Anyone can read floors" on public.floors for select to anon, authenticated using (true);
create policy "Anyone can read tables" on public.venue_tables for select to anon, authenticated using (true);
create policy "Anyone can read table combinations" on public.table_combinations for select to anon, authenticated using (true);
create policy "Anyone can read slots" on public.venue_slots for select to anon, authenticated using (true);

-- ---------- people ----------
-- One permissive policy per table, command and role (splinter 0006: PostgreSQL evaluates
-- every permissive policy for each row); each is the union of its audiences, no wider.
create policy "Guests read their own profile; hosts, the guests they booked" on public.customers
  for select to authenticated using (
    user_id = (select auth.uid())
    or id in (select b.customer_id from public.bookings b
              where b.venue_id = any ((select private.staff_venue_ids('host'))::uuid[])));

create policy "Staff read their own memberships; managers, their venues' staff" on public.staff_members
  for select to authenticated using (
    user_id = (select auth.uid())
    or venue_id = any ((select private.staff_venue_ids('manager'))::uuid[]));

-- ---------- bookings ----------
create policy "Guests read their own bookings; hosts, their venues' bookings" on public.bookings
  for select to authenticated using (
    customer_id = (select private.my_customer_id())
    or venue_id = any ((select private.staff_venue_ids('host'))::uuid[]));

create policy "Guests read their bookings' tables; staff, their venues' claims" on public.booking_tables
  for select to authenticated using (
    booking_id in (select b.id from public.bookings b where b.customer_id = (select private.my_customer_id()))
    or venue_id = any ((select private.staff_venue_ids('door'))::uuid[]));

create policy "Staff can read their venues' blocks" on public.table_blocks
  for select to authenticated using (venue_id = any ((select private.staff_venue_ids('door'))::uuid[]));

create policy "Guests read their own waitlist entries; hosts, their venues'" on public.waitlist_entries
  for select to authenticated using (
    customer_id = (select private.my_customer_id())
    or venue_id = any ((select private.staff_venue_ids('host'))::uuid[]));

create policy "Managers can read their venues' audit log" on public.audit_log
  for select to authenticated using (venue_id = any ((select private.staff_venue_ids('manager'))::uuid[]));

-- Events: the public columns are public (postgres_changes subscribers); staff_payload is not
-- granted to any API role and reaches staff through get_availability_events.
create policy "Anyone can read availability events" on public.availability_events
  for select to anon, authenticated using (true);

-- ---------- Supabase Broadcast: private staff channels ----------
-- A private availability channel (private = true) may be joined by that venue's staff only.
create function private.may_join_staff_channel(p_topic text) returns boolean
language sql stable
security definer
set search_path = ''
as $$
  select p_topic ~ '^availability:[0-9a-f-]{36}:[0-9a-f-]{36}:'
     and split_part(p_topic, ':', 3)::uuid = any (private.staff_venue_ids('door'))
$$;

create policy "Venue staff can receive private availability broadcasts" on realtime.messages
  for select to authenticated
  using (extension = 'broadcast' and private and (select private.may_join_staff_channel(realtime.topic())));
create policy "Anyone can receive public availability broadcasts" on realtime.messages
  for select to anon, authenticated
  using (extension = 'broadcast' and not private and realtime.topic() like 'availability:%');
