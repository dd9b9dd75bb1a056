-- =============================================================================================
-- Staff operations: the door's bookings list, guests, invitations, venue setup, notifications
-- =============================================================================================

create table public.staff_invitations (
  id uuid primary key default gen_random_uuid(),
  venue_id uuid not null references public.venues (id),
  email text not null check (length(email) between 3 and 254),
  role text not null check (role in ('door', 'host', 'manager', 'admin')),
  invited_by uuid,
  created_at timestamptz not null default now(),
  accepted_at timestamptz,
  accepted_user_id uuid references auth.users (id) on delete set null,
  expires_at timestamptz not null default now() + interval '7 days',
  revoked_at timestamptz,
  revoked_by uuid,
  -- sha256 of the single-use token; the token itself travels only to the invited address
  token_hash bytea unique,
  check (accepted_at is null or revoked_at is null)
);

comment on table public.staff_invitations is
  'An admin''s invitation of a person (by email) to a venue''s staff: a single-use token sent to that address (only its hash is kept), accepted with accept_invitation by the account whose confirmed address it is, before it expires; admins list and revoke them.';

-- One open invitation per venue and address (inviting again replaces it, with a new token).
create unique index staff_invitations_pending_key on public.staff_invitations (venue_id, lower(email))
  where accepted_at is null and revoked_at is null;

create index staff_invitations_venue_id_idx on public.staff_invitations (venue_id);

create index staff_invitations_invited_by_idx on public.staff_invitations (invited_by)
  where accepted_at is null and revoked_at is null;

create index staff_invitations_accepted_user_id_idx on public.staff_invitations (accepted_user_id);

alter table public.staff_invitations enable row level security;

grant select on public.staff_invitations to authenticated;

grant select, insert, update, delete on public.staff_invitations to service_role;

create policy "Managers can read their venues' invitations" on public.staff_invitations
  for select to authenticated using (venue_id = any ((select private.staff_venue_ids('manager'))::uuid[]));

-- One row per notification and channel the guest consents to (email over SMTP; sms over the
-- signed webhook, for an SMS provider): the delivery id the receiver de-duplicates on, the
-- attempts, and the state: pending (due at next_attempt_at), delivered, dead (after max
-- attempts), or withdrawn (the guest opted out of the channel, lost the address or was
-- forgotten before it went).
create table private.notification_deliveries (
  notification_id bigint not null references public.notifications (id) on delete cascade,
  delivery_id uuid not null unique default gen_random_uuid(),
  status text not null default 'pending' check (status in ('pending', 'delivered', 'dead', 'withdrawn')),
  attempts int not null default 0,
  next_attempt_at timestamptz not null default now(),
  last_error text,
  delivered_at timestamptz,
  channel text not null default 'sms' check (channel in ('email', 'sms')),
  primary key (notification_id, channel)
);

comment on table private.notification_deliveries is
  'Delivery state of each notification per consented channel (email: SMTP, sms: the signed webhook): pending, delivered, dead (dead letter) or withdrawn.';

create index notification_deliveries_due_idx on private.notification_deliveries (channel, next_attempt_at)
  where status = 'pending';

alter table private.notification_deliveries enable row level security;

-- Every new notification is queued: a guest's on each channel they consent to and have an
-- address for (email: an email address; sms: a phone number); a message to an address (no
-- customer: a staff invitation, payload.to) by email, consent not being a guest's to give there.
create function private.queue_notification_delivery() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if new.customer_id is null then
    insert into private.notification_deliveries (notification_id, channel)
    select new.id, 'email' where new.payload ->> 'to' is not null;
    return null;
  end if;
  insert into private.notification_deliveries (notification_id, channel)
  select new.id, ch.channel
  from public.customers c
  cross join lateral unnest(c.notification_channels) ch(channel)
  where c.id = new.customer_id
    and case ch.channel when 'email' then c.email is not null when 'sms' then c.phone is not null else false end;
  return null;
end;
$$;

create trigger notifications_queue_delivery after insert on public.notifications
  for each row execute function private.queue_notification_delivery();

-- Claim up to p_limit due deliveries on p_channels for a worker (rows another worker has
-- claimed are skipped); each claim counts as an attempt and pushes the row's next attempt
-- p_lease ahead, so a worker that dies mid-send leaves it to be retried, never lost. The
-- guest's consent and address are read now: a delivery whose guest has since opted out of the
-- channel, lost the address or been forgotten is withdrawn, not sent. A message to an address
-- (no customer) goes to payload.to.
create function private.claim_notification_deliveries(p_channels text[], p_limit int default 20,
                                                      p_lease interval default '1 minute')
returns table (delivery_id uuid, notification_id bigint, channel text, attempt int, kind text, venue_id uuid,
               customer_id uuid, recipient text, guest_name text, payload jsonb, created_at timestamptz)
language plpgsql security definer set search_path = ''
as $$
begin
  update private.notification_deliveries d
     set status = 'withdrawn', last_error = 'the guest withdrew consent or the address'
    from public.notifications n, public.customers c
   where d.status = 'pending' and d.channel = any (p_channels) and n.id = d.notification_id and c.id = n.customer_id
     and not (d.channel = any (c.notification_channels)
              and case d.channel when 'email' then c.email is not null else c.phone is not null end);
  return query
  with due as (
    select d.notification_id, d.channel from private.notification_deliveries d
    where d.status = 'pending' and d.channel = any (p_channels) and d.next_attempt_at <= private.now()
    order by d.next_attempt_at, d.notification_id
    limit p_limit
    for update skip locked),
  claimed as (
    update private.notification_deliveries d
       set attempts = d.attempts + 1, next_attempt_at = private.now() + p_lease
      from due
     where d.notification_id = due.notification_id and d.channel = due.channel
    returning d.*)
  select d.delivery_id, d.notification_id, d.channel, d.attempts, n.kind, n.venue_id, n.customer_id,
         case when n.customer_id is null then n.payload ->> 'to' when d.channel = 'email' then c.email else c.phone end,
         c.full_name, n.payload, n.created_at
  from claimed d
  join public.notifications n on n.id = d.notification_id
  left join public.customers c on c.id = n.customer_id;
end;
$$;

-- Record a delivery's outcome: delivered, or failed (retried after p_retry_in, dead once it
-- has had p_max_attempts attempts). A staff invitation's token leaves the outbox with it.
create function private.finish_notification_delivery(p_delivery_id uuid, p_ok boolean, p_error text default null,
                                                      p_retry_in interval default null, p_max_attempts int default 8)
returns text
language plpgsql security definer set search_path = ''
as $$
declare
  v_status text;
begin
  update private.notification_deliveries d
     set status = case when p_ok then 'delivered' when d.attempts >= p_max_attempts then 'dead' else 'pending' end,
         delivered_at = case when p_ok then private.now() end,
         last_error = case when p_ok then null else left(p_error, 500) end,
         next_attempt_at = case when p_ok then d.next_attempt_at
                                else private.now() + coalesce(p_retry_in, interval '30 seconds') end
   where d.delivery_id = p_delivery_id and d.status = 'pending'
  returning d.status into v_status;
  -- An invitation's token is kept only while its message waits to go.
  if v_status in ('delivered', 'dead') then
    update public.notifications n set payload = n.payload - 'token'
     where n.id = (select d.notification_id from private.notification_deliveries d where d.delivery_id = p_delivery_id)
       and n.kind = 'staff_invitation' and n.payload ? 'token';
  end if;
  return v_status;
end;
$$;

-- The reminder job's scan: confirmed bookings by start.
create index bookings_confirmed_start_idx on public.bookings (lower(period)) where status = 'confirmed';

-- Reminders 24 hours and 2 hours before a confirmed booking starts, each once per booking
-- (notifications_one_reminder_key), for bookings made before the reminder's hour; pg_cron
-- runs it every five minutes. Returns how many it queued.
create function private.queue_booking_reminders() returns int
language plpgsql security definer set search_path = ''
as $$
declare
  v_count int;
begin
  insert into public.notifications (venue_id, customer_id, kind, payload)
  select b.venue_id, b.customer_id, r.kind, private.booking_notice(b) || jsonb_build_object('hours_before', r.hours)
  from (values ('booking_reminder_24h', 24, interval '2 hours'), ('booking_reminder_2h', 2, interval '0')) r(kind, hours, until)
  join public.bookings b
    on b.status = 'confirmed'
   and lower(b.period) > private.now() + r.until
   and lower(b.period) <= private.now() + make_interval(hours => r.hours)
   and b.created_at < lower(b.period) - make_interval(hours => r.hours)
  order by b.venue_id, b.booking_date, b.id
  on conflict (kind, (payload ->> 'booking_id')) where kind in ('booking_reminder_24h', 'booking_reminder_2h')
  do nothing;
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;

comment on function private.queue_booking_reminders is
  'Queue the 24-hour and 2-hour reminders of confirmed bookings, once each (pg_cron, every five minutes).';

-- A booking's status as every read shows it: a hold past its expiry, or a request past its
-- deadline, is expired, swept or not.
create function private.effective_status(p_booking public.bookings) returns text
language sql stable set search_path = ''
as $$
  select case when p_booking.status in ('held', 'pending_approval') and private.claim_expiry(p_booking) <= private.now()
              then 'expired' else p_booking.status::text end
$$;

-- The slot a booking occupies on its night (the slot whose range is the booking's), else the
-- first slot it touches.
create function private.booking_slot(p_venue_id uuid, p_night date, p_period tstzrange) returns text
language plpgsql stable set search_path = ''
as $$
begin
  return (select s.slot_id from private.slots_overlapping(p_venue_id, p_night, p_period) s
          order by s.slot_period = p_period desc, lower(s.slot_period) limit 1);
end;
$$;

-- A booking as staff see it at the door: reference, status, night, slot, local times, tables by
-- number, guest name. Hosts and above also see contact details, requests and money; managers
-- and above the payment reference. p_rank is the caller's staff rank (4 for trusted callers).
create function private.staff_booking_json(p_booking public.bookings, p_rank int) returns jsonb
language plpgsql stable set search_path = ''
as $$
declare
  v_tz text;
  v_currency text;
  v_result jsonb;
begin
  select v.timezone, v.currency into v_tz, v_currency from public.venues v where v.id = p_booking.venue_id;
  select jsonb_build_object(
           'booking_id', p_booking.id, 'reference', p_booking.reference, 'status', private.effective_status(p_booking),
           'venue_id', p_booking.venue_id, 'booking_date', p_booking.booking_date,
           'slot_id', private.booking_slot(p_booking.venue_id, p_booking.booking_date, p_booking.period),
           'starts_at', lower(p_booking.period), 'ends_at', upper(p_booking.period),
           'starts_local', to_char(lower(p_booking.period) at time zone v_tz, 'HH24:MI'),
           'ends_local', to_char(upper(p_booking.period) at time zone v_tz, 'HH24:MI'),
           'timezone', v_tz, 'party_size', p_booking.party_size, 'arrived_count', p_booking.arrived_count,
           'table_numbers', coalesce(jsonb_agg(t.table_number order by t.table_number), '[]'::jsonb),
           'table_ids', coalesce(jsonb_agg(t.id order by t.table_number), '[]'::jsonb),
           'floors', coalesce((select jsonb_agg(distinct f.name) from public.floors f
                               where f.id in (select t2.floor_id from public.venue_tables t2
                                              join public.booking_tables bt2 on bt2.table_id = t2.id
                                              where bt2.booking_id = p_booking.id and bt2.released_at is null)), '[]'::jsonb),
           'guest_id', p_booking.customer_id,
           'guest_name', coalesce(c.full_name, 'Guest'),
           'occasion', p_booking.occasion,
           'hold_expires_at', case when p_booking.status = 'held' then p_booking.hold_expires_at end)
         || case when p_rank >= 2 then jsonb_build_object(
              'guest_phone', c.phone, 'guest_email', c.email,
              'special_requests', p_booking.special_requests, 'status_reason', p_booking.status_reason,
              'currency', v_currency, 'deposit', p_booking.deposit_total,
              'minimum_spend', p_booking.minimum_spend_total,
              'deposit_paid', p_booking.deposit_paid_at is not null, 'promoter_code', p_booking.promoter_code)
            else '{}'::jsonb end
         || case when p_rank >= 3 then jsonb_build_object('payment_reference', p_booking.payment_reference)
            else '{}'::jsonb end
    into v_result
  from public.customers c
  left join public.booking_tables bt on bt.booking_id = p_booking.id and bt.released_at is null
    -- a booking's tables: its live claims, or every claim it had at the end once it has ended
    and (bt.is_active or p_booking.status not in ('held', 'pending_approval', 'confirmed', 'checked_in'))
  left join public.venue_tables t on t.id = bt.table_id
  where c.id = p_booking.customer_id
  group by c.id;
  return v_result;
end;
$$;

-- The caller's staff rank at a venue for the staff views (trusted callers rank as admins), or
-- NOT_AUTHORIZED below p_min_role; INVALID_INPUT (404) for an unknown venue.
create function private.staff_view_rank(p_venue_id uuid, p_min_role text) returns int
language plpgsql stable set search_path = ''
as $$
begin
  if p_venue_id is null then
    perform private.raise_error('INVALID_INPUT', 'a venue is required');
  end if;
  if not exists (select 1 from public.venues v where v.id = p_venue_id) then
    perform private.raise_error('INVALID_INPUT', 'unknown venue', 'PT404');
  end if;
  perform private.require_staff(p_venue_id, p_min_role);
  return case when private.is_trusted() then 4 else private.staff_rank(private.staff_role(p_venue_id)) end;
end;
$$;

create function private.booking_statuses() returns text[]
language sql immutable set search_path = ''
as $$ select array['held', 'pending_approval', 'confirmed', 'checked_in', 'no_show', 'expired', 'cancelled', 'rejected'] $$;

-- A night's bookings at a venue (door and up), earliest first, one object per booking with its
-- tables; p_statuses filters on the status as shown (null: every status).
create function private.get_night_bookings(p_venue_id uuid, p_date date, p_statuses text[] default null)
returns jsonb
language plpgsql stable security definer set search_path = ''
as $$
declare
  v_rank int := private.staff_view_rank(p_venue_id, 'door');
  v_bad text;
begin
  if p_date is null then
    perform private.raise_error('INVALID_INPUT', 'a night (date) is required');
  end if;
  select s into v_bad from unnest(p_statuses) s where s is null or s <> all (private.booking_statuses()) limit 1;
  if found then
    perform private.raise_error('INVALID_INPUT', format('unknown status %s; choose from %s',
      coalesce(v_bad, 'null'), array_to_string(private.booking_statuses(), ', ')));
  end if;
  return (
    select coalesce(jsonb_agg(private.staff_booking_json(b, v_rank) order by lower(b.period), b.reference), '[]'::jsonb)
    from public.bookings b
    where b.venue_id = p_venue_id and b.booking_date = p_date
      and (p_statuses is null or private.effective_status(b) = any (p_statuses)));
end;
$$;

grant execute on function private.get_night_bookings(uuid, date, text[]) to authenticated, service_role;

-- Find a venue's bookings (door and up) by reference (whole or part), guest name, and for
-- hosts and above phone (its digits, 6 or more) or email. Exact references first, then the
-- nights nearest today; at most 50.
create function private.find_bookings(p_venue_id uuid, p_query text) returns jsonb
language plpgsql stable security definer set search_path = ''
as $$
declare
  v_rank int := private.staff_view_rank(p_venue_id, 'door');
  v_query text := btrim(p_query);
  -- a phone's digits without leading zeros: 07700 900111 finds +44 7700 900111
  v_digits text := ltrim(regexp_replace(coalesce(p_query, ''), '[^0-9]', '', 'g'), '0');
  v_today date;
begin
  if v_query is null or length(v_query) not between 2 and 200 then
    perform private.raise_error('INVALID_INPUT', 'search for 2-200 characters: a reference, a name, a phone number or an email');
  end if;
  select (private.now() at time zone v.timezone)::date into v_today from public.venues v where v.id = p_venue_id;
  return (
    select coalesce(jsonb_agg(private.staff_booking_json(m.b, v_rank) order by m.exact desc, m.distance, m.reference), '[]'::jsonb)
    from (
      select b as b, b.reference, upper(b.reference) = upper(v_query) as exact,
             abs(b.booking_date - v_today) as distance
      from public.bookings b
      join public.customers c on c.id = b.customer_id
      where b.venue_id = p_venue_id
        and (strpos(upper(b.reference), upper(v_query)) > 0
             or strpos(lower(coalesce(c.full_name, '')), lower(v_query)) > 0
             or (v_rank >= 2 and length(v_digits) >= 6
                 and strpos(regexp_replace(coalesce(c.phone, ''), '[^0-9]', '', 'g'), v_digits) > 0)
             or (v_rank >= 2 and lower(c.email) = lower(v_query)))
      order by exact desc, distance, b.reference
      limit 50) m);
end;
$$;

grant execute on function private.find_bookings(uuid, text) to authenticated, service_role;

-- A guest record for a walk-in or a phone booking (host and up), belonging to the venue's
-- club. A guest of the same club with the same email is the same person: their id is returned.
create function private.create_guest(p_venue_id uuid, p_full_name text, p_phone text default null,
                                     p_email text default null)
returns uuid
language plpgsql security definer set search_path = ''
as $$
declare
  v_club_id uuid;
  v_name text := btrim(p_full_name);
  v_phone text := nullif(btrim(p_phone), '');
  v_email text := lower(nullif(btrim(p_email), ''));
  v_id uuid;
begin
  perform private.staff_view_rank(p_venue_id, 'host');
  if v_name is null or length(v_name) not between 1 and 200 then
    perform private.raise_error('INVALID_INPUT', 'the guest''s name is required (at most 200 characters)');
  end if;
  if v_phone is not null and v_phone !~ '^\+?[0-9][0-9 ()-]{5,24}$' then
    perform private.raise_error('INVALID_INPUT', format('%s is not a phone number', left(v_phone, 40)));
  end if;
  if v_email is not null and (length(v_email) > 254 or v_email !~ '^[^@\s]+@[^@\s]+\.[^@\s]+$') then
    perform private.raise_error('INVALID_INPUT', format('%s is not an email address', left(v_email, 60)));
  end if;
  select v.club_id into v_club_id from public.venues v where v.id = p_venue_id;
  if v_email is not null then
    select c.id into v_id from public.customers c
    where c.club_id = v_club_id and lower(c.email) = v_email and c.forgotten_at is null;
    if v_id is not null then
      return v_id;
    end if;
  end if;
  insert into public.customers (club_id, full_name, phone, email)
  values (v_club_id, v_name, v_phone, v_email)
  returning id into v_id;
  perform private.write_audit(p_venue_id, 'customer', v_id, 'guest_created', null, null, null);
  return v_id;
end;
$$;

grant execute on function private.create_guest(uuid, text, text, text) to authenticated, service_role;

-- Seat a walk-in (host and up): a guest record, the tables and a checked_in booking in one
-- call, with no hold and no approval, for a slot the door is open for (from an hour before it
-- until its end). The tables are taken under the hold path's locks and rules (refused like a
-- hold, with alternatives). A deposit the tables carry is taken at the venue (p_payment_method
-- cash or card_terminal) or waived (waived: a manager with aal2 and a reason; the booking then
-- owes none); either is audited. The booking's reason is walk_in_seated.
create function private.seat_walk_in(p_venue_id uuid, p_date date, p_slot_id text, p_table_ids uuid[],
                                     p_party_size int, p_full_name text, p_phone text default null,
                                     p_payment_method text default null, p_reason text default null)
returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  v_reason text := private.text_arg('reason', p_reason, 500);
  v_method text := private.text_arg('payment_method', p_payment_method, 20);
  v_period tstzrange;
  v_deposit numeric;
  v_guest uuid;
  v_result jsonb;
  v_booking public.bookings;
begin
  perform private.staff_view_rank(p_venue_id, 'host');
  if p_date is null or p_slot_id is null or p_table_ids is null or p_party_size is null then
    perform private.raise_error('INVALID_INPUT', 'date, slot, tables and party size are required');
  end if;
  if v_method is not null and v_method not in ('cash', 'card_terminal', 'waived') then
    perform private.raise_error('INVALID_INPUT', 'payment_method must be cash, card_terminal or waived');
  end if;
  perform private.text_arg('slot_id', p_slot_id, 40);
  v_period := private.slot_range(p_venue_id, p_date, p_slot_id);
  if v_period is null then
    perform private.raise_error('INVALID_INPUT', private.unknown_slot(p_venue_id, p_slot_id), 'PT404');
  end if;
  if not (private.now() >= lower(v_period) - interval '1 hour' and private.now() < upper(v_period)) then
    perform private.raise_error('INVALID_TRANSITION', format('walk-ins are seated from an hour before %s until %s',
      private.local_text(p_venue_id, lower(v_period)), private.local_text(p_venue_id, upper(v_period))));
  end if;
  select coalesce(sum(t.deposit), 0) into v_deposit
  from public.venue_tables t where t.venue_id = p_venue_id and t.id = any (p_table_ids);
  if v_deposit > 0 and v_method is null then
    perform private.raise_error('INVALID_INPUT', format(
      'a deposit of %s is due: take it (cash or card_terminal), or a manager waives it (waived, with a reason)', v_deposit));
  elsif v_deposit > 0 and v_method = 'waived' then
    perform private.require_staff(p_venue_id, 'manager', true);
    perform private.required_reason(v_reason);
  elsif v_deposit > 0 and v_reason is null then
    v_reason := 'taken at the door';
  end if;

  v_guest := private.create_guest(p_venue_id, p_full_name, p_phone);
  perform private.set_transaction_flag('walk_in', true);  -- the booking rules' walk-in: checked here
  v_result := private.hold_tables(p_venue_id, p_date, p_slot_id, p_table_ids, p_party_size, p_customer_id => v_guest,
                                  p_extra => jsonb_build_object('status', 'checked_in', 'reason', 'walk_in_seated'));
  select * into v_booking from public.bookings b where b.id = (v_result ->> 'booking_id')::uuid;
  if v_booking.deposit_total > 0 and v_method = 'waived' then
    update public.bookings b set deposit_total = 0 where b.id = v_booking.id returning * into v_booking;
    perform private.write_audit(p_venue_id, 'booking', v_booking.id, 'deposit_waived', 'checked_in', 'checked_in',
      v_reason, jsonb_build_object('amount', v_deposit));
  elsif v_booking.deposit_total > 0 then
    v_booking := private.mark_deposit_paid(v_booking.id, null, v_method);
    perform private.write_audit(p_venue_id, 'booking', v_booking.id, 'deposit_paid_in_person', 'checked_in',
      'checked_in', v_reason, jsonb_build_object('method', v_method, 'amount', v_booking.deposit_total));
  end if;
  perform private.set_transaction_flag('walk_in', false);
  return private.booking_result(v_booking)
      || jsonb_build_object('guest_id', v_guest, 'arrived_count', v_booking.arrived_count,
                            'deposit_waived', v_deposit > 0 and v_method = 'waived');
end;
$$;

comment on function private.seat_walk_in is
  'Host+: a walk-in guest, the tables and a checked_in booking in one call; deposit taken at the venue or waived by a manager (aal2).';

grant execute on function private.seat_walk_in(uuid, date, text, uuid[], int, text, text, text, text) to authenticated, service_role;

-- Venues (all, or one) with their floors, tables, combinations and slots: what a client needs
-- to name anything (slot ids, table numbers and ids) without hard-coding it. Public data.
create function private.get_catalogue(p_venue_id uuid default null) returns jsonb
language plpgsql stable set search_path = ''
as $$
begin
  if p_venue_id is not null and not exists (select 1 from public.venues v where v.id = p_venue_id) then
    perform private.raise_error('INVALID_INPUT', 'unknown venue', 'PT404');
  end if;
  return jsonb_build_object('venues', (
    select coalesce(jsonb_agg(jsonb_build_object(
      'venue_id', v.id, 'club_id', v.club_id, 'club', cl.name, 'name', v.name, 'timezone', v.timezone,
      'currency', v.currency, 'opens_at', v.opens_at, 'closes_at', v.closes_at, 'open_days', v.open_days,
      'requires_approval', v.requires_approval, 'hold_ttl', v.hold_ttl,
      'floors', (select coalesce(jsonb_agg(jsonb_build_object('name', f.name, 'level', f.level) order by f.level, f.name), '[]')
                 from public.floors f where f.venue_id = v.id),
      'slots', (select coalesce(jsonb_agg(jsonb_build_object('slot_id', s.slot_id, 'label', s.label,
                                  'starts_at', s.starts_at, 'duration', s.duration) order by s.starts_at < v.opens_at, s.starts_at), '[]')
                from public.venue_slots s where s.venue_id = v.id),
      'tables', (select coalesce(jsonb_agg(jsonb_build_object('table_id', t.id, 'number', t.table_number, 'name', t.name,
                                   'floor', f.name, 'capacity_min', t.capacity_min, 'capacity_max', t.capacity_max,
                                   'vip', t.is_vip, 'minimum_spend', t.minimum_spend, 'deposit', t.deposit,
                                   'shared', t.is_shared, 'adjacent', to_jsonb(t.adjacent_numbers)) order by t.table_number), '[]')
                 from public.venue_tables t join public.floors f on f.id = t.floor_id
                 where t.venue_id = v.id and t.is_active),
      'combinations', (select coalesce(jsonb_agg(jsonb_build_object('name', c.name,
                                         'tables', (select jsonb_agg(t.table_number order by t.table_number)
                                                    from public.venue_tables t where t.id = any (c.table_ids)),
                                         'capacity_min', c.capacity_min, 'capacity_max', c.capacity_max) order by c.name), '[]')
                       from public.table_combinations c where c.venue_id = v.id)
    ) order by cl.name, v.name), '[]'::jsonb)
    from public.venues v join public.clubs cl on cl.id = v.club_id
    where p_venue_id is null or v.id = p_venue_id));
end;
$$;

grant execute on function private.get_catalogue(uuid) to anon, authenticated, service_role;

-- The hash under which an invitation's token is kept (the token itself is never stored).
create function private.invitation_token_hash(p_token text) returns bytea
language sql immutable set search_path = ''
as $$ select pg_catalog.sha256(pg_catalog.convert_to(p_token, 'UTF8')) $$;

-- An invitation as admins see it: pending, accepted, revoked or expired.
create function private.invitation_json(p_invitation public.staff_invitations) returns jsonb
language sql stable set search_path = ''
as $$
  select jsonb_build_object(
    'invitation_id', p_invitation.id, 'venue_id', p_invitation.venue_id, 'email', p_invitation.email,
    'role', p_invitation.role, 'invited_by', p_invitation.invited_by, 'created_at', p_invitation.created_at,
    'expires_at', p_invitation.expires_at, 'accepted_at', p_invitation.accepted_at,
    'accepted_user_id', p_invitation.accepted_user_id, 'revoked_at', p_invitation.revoked_at,
    'status', case when p_invitation.accepted_at is not null then 'accepted'
                   when p_invitation.revoked_at is not null then 'revoked'
                   when p_invitation.expires_at <= private.now() then 'expired'
                   else 'pending' end)
$$;

-- Changes to a venue's staff (invitations accepted, staff removed or given a role) take this
-- lock first, so "is someone else still an admin?" and the change are one step: two admins
-- removing each other at once can't leave the venue with none.
create function private.lock_venue_staff(p_venue_id uuid) returns void
language plpgsql set search_path = ''
as $$
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('venue_staff:' || p_venue_id::text));
end;
$$;

-- INVALID_TRANSITION when p_user_id is the venue's only admin and the change would leave it
-- without one (its last admin can't remove or demote themself, nor be removed or demoted).
-- The caller holds private.lock_venue_staff.
create function private.require_another_admin(p_venue_id uuid, p_user_id uuid, p_new_role text) returns void
language plpgsql set search_path = ''
as $$
begin
  if p_new_role is distinct from 'admin'
     and exists (select 1 from public.staff_members sm
                 where sm.venue_id = p_venue_id and sm.user_id = p_user_id and sm.role = 'admin')
     and not exists (select 1 from public.staff_members sm
                     where sm.venue_id = p_venue_id and sm.user_id <> p_user_id and sm.role = 'admin') then
    perform private.raise_error('INVALID_TRANSITION', 'a venue keeps at least one admin: make someone else admin first');
  end if;
end;
$$;

-- Revoke the open invitations a user sent to a venue (they are no longer an admin there).
create function private.revoke_invitations_sent_by(p_venue_id uuid, p_user_id uuid) returns int
language plpgsql set search_path = ''
as $$
declare
  v_count int;
begin
  with revoked as (
    update public.staff_invitations i set revoked_at = private.now(), revoked_by = (select auth.uid())
     where i.venue_id = p_venue_id and i.invited_by = p_user_id and i.accepted_at is null and i.revoked_at is null
    returning i.id)
  select count(*) into v_count from revoked;
  return v_count;
end;
$$;

-- How long an invitation stays open.
create function private.invitation_ttl() returns interval
language sql immutable set search_path = ''
as $$ select interval '7 days' $$;

-- INVALID_INPUT unless p_role names a staff role.
create function private.require_role_name(p_role text) returns void
language plpgsql immutable set search_path = ''
as $$
begin
  if p_role is null or p_role not in ('door', 'host', 'manager', 'admin') then
    perform private.raise_error('INVALID_INPUT', format('unknown role %s; choose from door, host, manager, admin',
      coalesce(left(p_role, 40), 'null')));
  end if;
end;
$$;

-- Invite a person to a venue's staff by email (admin with aal2): a single-use token, kept only
-- as its hash, goes to that address through the notification outbox (a 'staff_invitation'
-- notification; the token leaves the outbox once delivered); the person accepts it with
-- accept_invitation, signed in with that address confirmed, within 7 days. Inviting the same
-- address again replaces the open invitation (new role, token and expiry). Returns the
-- invitation (without the token).
create function private.invite_staff(p_venue_id uuid, p_email text, p_role text) returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  v_email text := lower(btrim(p_email));
  v_token text := 'inv_' || encode(extensions.gen_random_bytes(24), 'hex');
  v_invitation public.staff_invitations;
begin
  perform private.staff_view_rank(p_venue_id, 'door');  -- venue exists; the role check follows
  perform private.require_staff(p_venue_id, 'admin', true);
  if v_email is null or length(v_email) > 254 or v_email !~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' then
    perform private.raise_error('INVALID_INPUT', format('%s is not an email address', coalesce(left(v_email, 60), 'null')));
  end if;
  perform private.require_role_name(p_role);
  insert into public.staff_invitations as i (venue_id, email, role, invited_by, token_hash, expires_at)
  values (p_venue_id, v_email, p_role, (select auth.uid()), private.invitation_token_hash(v_token),
          private.now() + private.invitation_ttl())
  on conflict (venue_id, lower(email)) where accepted_at is null and revoked_at is null
  do update set role = excluded.role, invited_by = excluded.invited_by, created_at = now(),
                token_hash = excluded.token_hash, expires_at = excluded.expires_at
  returning * into v_invitation;
  insert into public.notifications (venue_id, customer_id, kind, payload)
  values (p_venue_id, null, 'staff_invitation', jsonb_build_object(
    'to', v_email, 'token', v_token, 'invitation_id', v_invitation.id, 'role', p_role,
    'venue', (select v.name from public.venues v where v.id = p_venue_id), 'expires_at', v_invitation.expires_at));
  perform private.write_audit(p_venue_id, 'staff_invitation', v_invitation.id, 'staff_invited', null, p_role, null,
    jsonb_build_object('email', v_email, 'expires_at', v_invitation.expires_at));
  return private.invitation_json(v_invitation);
end;
$$;

grant execute on function private.invite_staff(uuid, text, text) to authenticated, service_role;

-- Accept an invitation (the signed-in person it was sent to): p_token is the token from the
-- message. The account's current address must be the invited one and confirmed
-- (auth.users.email_confirmed_at), with no email change pending (email_change, as GoTrue leaves
-- it mid-change); the invitation open (not accepted, revoked or expired). Any token that is not
-- an open invitation for this account is the same INVALID_INPUT (PT404). Sets the role at the
-- venue; returns the invitation.
create function private.accept_invitation(p_token text) returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  v_uid uuid := (select auth.uid());
  v_email text;
  v_invitation public.staff_invitations;
begin
  if v_uid is null or private.api_role() <> 'authenticated' then
    perform private.raise_error('NOT_AUTHORIZED', 'sign in with the invited address to accept', 'PT401');
  end if;
  if p_token is null or length(p_token) not between 8 and 200 then
    perform private.raise_error('INVALID_INPUT', 'the invitation token from the message is required');
  end if;
  v_email := private.caller_confirmed_email();
  select * into v_invitation from public.staff_invitations i
  where i.token_hash = private.invitation_token_hash(p_token) for update;
  if v_invitation.id is null or lower(v_invitation.email) <> v_email
     or v_invitation.accepted_at is not null or v_invitation.revoked_at is not null then
    perform private.raise_error('INVALID_INPUT', 'no open invitation for this account with that token', 'PT404');
  end if;
  if v_invitation.expires_at <= private.now() then
    perform private.raise_error('INVALID_INPUT', 'this invitation has expired: ask an admin to invite you again');
  end if;
  perform private.lock_venue_staff(v_invitation.venue_id);
  perform private.require_another_admin(v_invitation.venue_id, v_uid, v_invitation.role);
  insert into public.staff_members (venue_id, user_id, role)
  values (v_invitation.venue_id, v_uid, v_invitation.role)
  on conflict (user_id, venue_id) do update set role = excluded.role;
  update public.staff_invitations i set accepted_at = private.now(), accepted_user_id = v_uid, token_hash = null
   where i.id = v_invitation.id
  returning * into v_invitation;
  perform private.write_audit(v_invitation.venue_id, 'staff_invitation', v_invitation.id, 'staff_joined',
    null, v_invitation.role, null, jsonb_build_object('user_id', v_uid));
  return private.invitation_json(v_invitation);
end;
$$;

grant execute on function private.accept_invitation(text) to authenticated;

-- A venue's invitations (admin with aal2), newest first, with their status.
create function private.list_invitations(p_venue_id uuid) returns jsonb
language plpgsql stable security definer set search_path = ''
as $$
begin
  perform private.staff_view_rank(p_venue_id, 'door');
  perform private.require_staff(p_venue_id, 'admin', true);
  return (select coalesce(jsonb_agg(private.invitation_json(i) order by i.created_at desc, i.id), '[]'::jsonb)
          from public.staff_invitations i where i.venue_id = p_venue_id);
end;
$$;

grant execute on function private.list_invitations(uuid) to authenticated, service_role;

-- Revoke an open invitation (admin with aal2 at its venue): its token stops working. One that
-- is not at a venue the caller administers is "unknown invitation" (PT404), as an invented id
-- is; an accepted one is INVALID_TRANSITION (remove_staff instead); revoking again is a no-op.
create function private.revoke_invitation(p_invitation_id uuid) returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  v_invitation public.staff_invitations;
begin
  if p_invitation_id is null then
    perform private.raise_error('INVALID_INPUT', 'an invitation id is required');
  end if;
  perform private.require_signed_in();
  select * into v_invitation from public.staff_invitations i where i.id = p_invitation_id for update;
  if v_invitation.id is null
     or not (private.is_trusted() or private.staff_role(v_invitation.venue_id) is not null) then
    perform private.raise_error('INVALID_INPUT', 'unknown invitation', 'PT404');
  end if;
  perform private.require_staff(v_invitation.venue_id, 'admin', true);
  if v_invitation.accepted_at is not null then
    perform private.raise_error('INVALID_TRANSITION', 'this invitation was accepted: remove the staff member instead');
  end if;
  if v_invitation.revoked_at is null then
    update public.staff_invitations i set revoked_at = private.now(), revoked_by = (select auth.uid()), token_hash = null
     where i.id = p_invitation_id
    returning * into v_invitation;
    perform private.write_audit(v_invitation.venue_id, 'staff_invitation', v_invitation.id, 'invitation_revoked',
      'pending', 'revoked', null, jsonb_build_object('email', v_invitation.email));
  end if;
  return private.invitation_json(v_invitation);
end;
$$;

grant execute on function private.revoke_invitation(uuid) to authenticated, service_role;

-- A venue's staff (manager and up): user id, email, name, role, since.
create function private.list_staff(p_venue_id uuid) returns jsonb
language plpgsql stable security definer set search_path = ''
as $$
begin
  perform private.staff_view_rank(p_venue_id, 'manager');
  return (select coalesce(jsonb_agg(jsonb_build_object(
            'user_id', sm.user_id, 'email', u.email, 'name', u.raw_user_meta_data ->> 'full_name',
            'role', sm.role, 'since', sm.created_at) order by private.staff_rank(sm.role::text) desc, u.email), '[]'::jsonb)
          from public.staff_members sm left join auth.users u on u.id = sm.user_id
          where sm.venue_id = p_venue_id);
end;
$$;

grant execute on function private.list_staff(uuid) to authenticated, service_role;

-- The staff member a staff change names, locked, or "unknown staff member" (PT404).
create function private.staff_member_for_change(p_venue_id uuid, p_user_id uuid) returns public.staff_members
language plpgsql set search_path = ''
as $$
declare
  v_member public.staff_members;
begin
  perform private.staff_view_rank(p_venue_id, 'door');
  perform private.require_staff(p_venue_id, 'admin', true);
  if p_user_id is null then
    perform private.raise_error('INVALID_INPUT', 'a user id is required');
  end if;
  perform private.lock_venue_staff(p_venue_id);
  select * into v_member from public.staff_members sm
  where sm.venue_id = p_venue_id and sm.user_id = p_user_id for update;
  if v_member.id is null then
    perform private.raise_error('INVALID_INPUT', 'unknown staff member at this venue', 'PT404');
  end if;
  return v_member;
end;
$$;

-- Remove a person from a venue's staff (admin with aal2). The venue keeps an admin; removing an
-- admin revokes the invitations they sent (an admin on the way out can't invite themself back).
create function private.remove_staff(p_venue_id uuid, p_user_id uuid) returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  v_member public.staff_members := private.staff_member_for_change(p_venue_id, p_user_id);
  v_revoked int := 0;
begin
  perform private.require_another_admin(p_venue_id, p_user_id, null);
  if v_member.role = 'admin' then
    v_revoked := private.revoke_invitations_sent_by(p_venue_id, p_user_id);
  end if;
  delete from public.staff_members sm where sm.id = v_member.id;
  perform private.write_audit(p_venue_id, 'venue', p_venue_id, 'staff_removed', v_member.role::text, null, null,
    jsonb_build_object('user_id', p_user_id, 'invitations_revoked', v_revoked));
  return jsonb_build_object('venue_id', p_venue_id, 'user_id', p_user_id, 'role', null,
                            'previous_role', v_member.role, 'invitations_revoked', v_revoked);
end;
$$;

grant execute on function private.remove_staff(uuid, uuid) to authenticated, service_role;

-- Give a venue's staff member another role (admin with aal2). The venue keeps an admin; an
-- admin demoted loses the invitations they sent.
create function private.set_staff_role(p_venue_id uuid, p_user_id uuid, p_role text) returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  v_member public.staff_members := private.staff_member_for_change(p_venue_id, p_user_id);
  v_revoked int := 0;
begin
  perform private.require_role_name(p_role);
  perform private.require_another_admin(p_venue_id, p_user_id, p_role);
  if v_member.role = 'admin' and p_role <> 'admin' then
    v_revoked := private.revoke_invitations_sent_by(p_venue_id, p_user_id);
  end if;
  if v_member.role::text <> p_role then
    update public.staff_members sm set role = p_role where sm.id = v_member.id;
    perform private.write_audit(p_venue_id, 'venue', p_venue_id, 'staff_role_changed', v_member.role::text, p_role,
      null, jsonb_build_object('user_id', p_user_id, 'invitations_revoked', v_revoked));
  end if;
  return jsonb_build_object('venue_id', p_venue_id, 'user_id', p_user_id, 'role', p_role,
                            'previous_role', v_member.role, 'invitations_revoked', v_revoked);
end;
$$;

grant execute on function private.set_staff_role(uuid, uuid, text) to authenticated, service_role;

-- What would stop a live booking from running as booked: a table of it no longer active, a
-- single table now too small for the party, a claim whose kind (shared or exclusive) no longer
-- matches its table, a range outside the night's opening hours, or a slot booking whose slot
-- moved or went. Empty when nothing does.
create function private.booking_problems(p_booking public.bookings) returns text[]
language plpgsql stable set search_path = ''
as $$
declare
  v_hours tstzrange := private.night_range(p_booking.venue_id, p_booking.booking_date);
begin
  return array(
    select format('table %s is no longer active', t.table_number)
    from public.booking_tables bt join public.venue_tables t on t.id = bt.table_id
    where bt.booking_id = p_booking.id and bt.is_active and not t.is_active
    union all
    select format('table %s now seats at most %s', t.table_number, t.capacity_max)
    from public.booking_tables bt join public.venue_tables t on t.id = bt.table_id
    where bt.booking_id = p_booking.id and bt.is_active and t.capacity_max < p_booking.party_size
      and (select count(*) from public.booking_tables b2 where b2.booking_id = p_booking.id and b2.is_active) = 1
    union all
    select format('table %s changed between shared and exclusive', t.table_number)
    from public.booking_tables bt join public.venue_tables t on t.id = bt.table_id
    where bt.booking_id = p_booking.id and bt.is_active and bt.is_exclusive = t.is_shared
    union all
    select 'the venue is closed that night or at that time'
    where v_hours is null or not v_hours @> p_booking.period
    union all
    select 'its slot moved or was removed'
    where not exists (select 1 from private.slots_overlapping(p_booking.venue_id, p_booking.booking_date, p_booking.period) s
                      where s.slot_period = p_booking.period)
    order by 1);
end;
$$;

-- The problems of every live booking of a venue (held and unexpired, pending, confirmed or
-- checked in, not yet ended): reference -> problems.
create function private.live_booking_problems(p_venue_id uuid) returns jsonb
language plpgsql stable set search_path = ''
as $$
begin
  return (
    select coalesce(jsonb_object_agg(b.reference, to_jsonb(private.booking_problems(b))), '{}'::jsonb)
    from public.bookings b
    where b.venue_id = p_venue_id and upper(b.period) > private.now()
      and private.effective_status(b) in ('held', 'pending_approval', 'confirmed', 'checked_in'));
end;
$$;

-- A JSON array member of a setup spec, or INVALID_INPUT naming it.
create function private.spec_text(p_item jsonb, p_key text, p_where text, p_default text default null) returns text
language plpgsql immutable set search_path = ''
as $$
begin
  if p_item ? p_key and jsonb_typeof(p_item -> p_key) <> 'null' then
    return p_item ->> p_key;
  end if;
  if p_default is null then
    perform private.raise_error('INVALID_INPUT', format('%s: %s is required', p_where, p_key));
  end if;
  return p_default;
end;
$$;

-- Set up a venue from a spec (admin with aal2; trusted callers too): settings (the keys
-- update_venue_settings takes, plus currency), then floors, tables, slots and combinations.
-- Each section given replaces the venue's: tables left out are retired (history keeps them),
-- slots and combinations left out are removed, floors left out are removed once no table uses
-- them. p_venue_id null creates a venue in the spec's club_id (an admin of one of that club's
-- venues becomes its admin; trusted callers may instead name a new club as {"club": {name, slug}}).
-- Refused with INVALID_INPUT, changing nothing, when the spec is malformed or when a live
-- booking would be stranded (the detail names each booking and why).
create function private.setup_venue(p_venue_id uuid, p_spec jsonb) returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  v_venue_id uuid := p_venue_id;
  v_club_id uuid;
  v_settings jsonb;
  v_before jsonb;
  v_after jsonb;
  v_stranded text[];
  v_item jsonb;
  v_where text;
  v_floor_id uuid;
  v_numbers int[];
  v_ids uuid[];
  v_counts jsonb := '{}'::jsonb;
begin
  if p_spec is null or jsonb_typeof(p_spec) <> 'object' then
    perform private.raise_error('INVALID_INPUT', 'the venue spec must be a JSON object');
  end if;
  if exists (select 1 from jsonb_object_keys(p_spec) k
             where k not in ('club_id', 'club', 'currency', 'floors', 'tables', 'slots', 'combinations')
               and k <> all (private.venue_setting_names())) then
    perform private.raise_error('INVALID_INPUT', format('unknown keys %s; a spec has club_id, currency, floors, tables, slots, combinations and the settings %s',
      (select string_agg(k, ', ' order by k) from jsonb_object_keys(p_spec) k
       where k not in ('club_id', 'club', 'currency', 'floors', 'tables', 'slots', 'combinations')
         and k <> all (private.venue_setting_names())),
      array_to_string(private.venue_setting_names(), ', ')));
  end if;
  foreach v_where in array array['floors', 'tables', 'slots', 'combinations'] loop
    if p_spec ? v_where and jsonb_typeof(p_spec -> v_where) <> 'array' then
      perform private.raise_error('INVALID_INPUT', format('%s must be a list', v_where));
    end if;
  end loop;

  begin
    -- ---- the venue: an existing one (admin, aal2), or a new one in a club ----
    if v_venue_id is null then
      if p_spec ? 'club' and private.is_trusted() then
        insert into public.clubs (name, slug)
        values (private.spec_text(p_spec -> 'club', 'name', 'club'), private.spec_text(p_spec -> 'club', 'slug', 'club'))
        on conflict (slug) do update set name = excluded.name
        returning id into v_club_id;
      else
        v_club_id := private.spec_text(p_spec, 'club_id', 'a new venue')::uuid;
      end if;
      if not exists (select 1 from public.clubs c where c.id = v_club_id) then
        perform private.raise_error('INVALID_INPUT', 'unknown club', 'PT404');
      end if;
      -- the club's venue of that name, if it has one: setting up from the same file twice changes it
      select v.id into v_venue_id from public.venues v
      where v.club_id = v_club_id and lower(v.name) = lower(private.spec_text(p_spec, 'name', 'a new venue'));
    end if;
    if v_venue_id is not null then
      perform private.staff_view_rank(v_venue_id, 'door');
      perform private.require_staff(v_venue_id, 'admin', true);
      perform 1 from public.venues v where v.id = v_venue_id for update;
    else
      if not private.is_trusted() then
        if (select auth.uid()) is null then
          perform private.raise_error('NOT_AUTHORIZED', 'sign in first', 'PT401');
        end if;
        if not exists (select 1 from public.staff_members sm join public.venues v on v.id = sm.venue_id
                       where v.club_id = v_club_id and sm.user_id = (select auth.uid()) and sm.role = 'admin') then
          perform private.raise_error('NOT_AUTHORIZED', 'only an admin of one of the club''s venues may add a venue');
        end if;
        if coalesce((select auth.jwt()) ->> 'aal', 'aal1') <> 'aal2' then
          perform private.raise_error('MFA_REQUIRED', 'adding a venue needs a session verified with MFA (aal2)');
        end if;
      end if;
      insert into public.venues (club_id, name) values (v_club_id, private.spec_text(p_spec, 'name', 'a new venue'))
      returning id into v_venue_id;
      if not private.is_trusted() then
        insert into public.staff_members (venue_id, user_id, role) values (v_venue_id, (select auth.uid()), 'admin');
      end if;
      perform private.write_audit(v_venue_id, 'venue', v_venue_id, 'venue_created', null, null, null);
    end if;
    v_before := private.live_booking_problems(v_venue_id);

    -- ---- settings ----
    v_settings := (select coalesce(jsonb_object_agg(e.key, e.value), '{}'::jsonb) from jsonb_each(p_spec) e
                   where e.key = any (private.venue_setting_names())
                     and (to_jsonb((select v from public.venues v where v.id = v_venue_id)) -> e.key) is distinct from e.value);
    if v_settings <> '{}'::jsonb then
      perform private.update_venue_settings(v_venue_id, v_settings);
    end if;
    if p_spec ? 'currency' then
      update public.venues v set currency = lower(private.spec_text(p_spec, 'currency', 'currency')) where v.id = v_venue_id;
    end if;

    -- ---- floors (upserted by name) ----
    if p_spec ? 'floors' then
      for v_item in select value from jsonb_array_elements(p_spec -> 'floors') loop
        v_where := format('floor %s', coalesce(v_item ->> 'name', '?'));
        insert into public.floors (venue_id, name, level)
        values (v_venue_id, private.spec_text(v_item, 'name', v_where), private.spec_text(v_item, 'level', v_where, '0')::int)
        on conflict (venue_id, name) do update set level = excluded.level;
      end loop;
      v_counts := v_counts || jsonb_build_object('floors', jsonb_array_length(p_spec -> 'floors'));
    end if;

    -- ---- tables (upserted by number; tables left out are retired) ----
    if p_spec ? 'tables' then
      -- In-flight bookings of these tables hold key-share locks (their claims' foreign key):
      -- wait for them, so the check below sees every claim committed before the change.
      perform 1 from public.venue_tables t where t.venue_id = v_venue_id order by t.id for update;
      v_numbers := '{}';
      for v_item in select value from jsonb_array_elements(p_spec -> 'tables') loop
        v_where := format('table %s', coalesce(v_item ->> 'number', '?'));
        select f.id into v_floor_id from public.floors f
        where f.venue_id = v_venue_id and f.name = private.spec_text(v_item, 'floor', v_where);
        if v_floor_id is null then
          perform private.raise_error('INVALID_INPUT', format('%s: no floor %s; the floors are %s', v_where, v_item ->> 'floor',
            (select coalesce(string_agg(f.name, ', ' order by f.level, f.name), 'none yet') from public.floors f where f.venue_id = v_venue_id)));
        end if;
        v_numbers := v_numbers || private.spec_text(v_item, 'number', v_where)::int;
        insert into public.venue_tables (venue_id, floor_id, table_number, name, capacity_min, capacity_max, is_vip,
                                         minimum_spend, deposit, is_shared, adjacent_numbers, is_active)
        values (v_venue_id, v_floor_id, (v_item ->> 'number')::int,
                private.spec_text(v_item, 'name', v_where, 'Table ' || (v_item ->> 'number')),
                private.spec_text(v_item, 'capacity_min', v_where)::int, private.spec_text(v_item, 'capacity_max', v_where)::int,
                private.spec_text(v_item, 'vip', v_where, 'false')::boolean,
                private.finite_number(private.spec_text(v_item, 'minimum_spend', v_where, '0'), v_where || ': minimum_spend'),
                private.finite_number(private.spec_text(v_item, 'deposit', v_where, '0'), v_where || ': deposit'),
                private.spec_text(v_item, 'shared', v_where, 'false')::boolean,
                array(select jsonb_array_elements_text(coalesce(v_item -> 'adjacent', '[]'::jsonb))::int), true)
        on conflict (venue_id, table_number) do update
          set floor_id = excluded.floor_id, name = excluded.name, capacity_min = excluded.capacity_min,
              capacity_max = excluded.capacity_max, is_vip = excluded.is_vip, minimum_spend = excluded.minimum_spend,
              deposit = excluded.deposit, is_shared = excluded.is_shared, adjacent_numbers = excluded.adjacent_numbers,
              is_active = true;
      end loop;
      if cardinality(v_numbers) <> (select count(distinct n) from unnest(v_numbers) n) then
        perform private.raise_error('INVALID_INPUT', 'each table number may appear once');
      end if;
      update public.venue_tables t set is_active = false
      where t.venue_id = v_venue_id and t.table_number <> all (v_numbers) and t.is_active;
      v_counts := v_counts || jsonb_build_object('tables', cardinality(v_numbers));
    end if;

    -- ---- slots (replaced) ----
    if p_spec ? 'slots' then
      delete from public.venue_slots s where s.venue_id = v_venue_id
        and s.slot_id not in (select e ->> 'slot_id' from jsonb_array_elements(p_spec -> 'slots') e where e ? 'slot_id');
      for v_item in select value from jsonb_array_elements(p_spec -> 'slots') loop
        v_where := format('slot %s', coalesce(v_item ->> 'slot_id', '?'));
        insert into public.venue_slots (venue_id, slot_id, label, starts_at, duration)
        values (v_venue_id, private.spec_text(v_item, 'slot_id', v_where),
                private.spec_text(v_item, 'label', v_where, v_item ->> 'slot_id'),
                private.spec_text(v_item, 'starts_at', v_where)::time, private.spec_text(v_item, 'duration', v_where)::interval)
        on conflict (venue_id, slot_id) do update
          set label = excluded.label, starts_at = excluded.starts_at, duration = excluded.duration;
      end loop;
      v_counts := v_counts || jsonb_build_object('slots', jsonb_array_length(p_spec -> 'slots'));
    end if;

    -- ---- combinations (replaced; tables by number) ----
    if p_spec ? 'combinations' then
      delete from public.table_combinations c where c.venue_id = v_venue_id;
      for v_item in select value from jsonb_array_elements(p_spec -> 'combinations') loop
        v_where := format('combination %s', coalesce(v_item ->> 'name', '?'));
        v_numbers := array(select jsonb_array_elements_text(coalesce(v_item -> 'tables', '[]'::jsonb))::int);
        v_ids := array(select t.id from public.venue_tables t
                       where t.venue_id = v_venue_id and t.is_active and t.table_number = any (v_numbers));
        if cardinality(v_ids) <> cardinality(v_numbers) or cardinality(v_ids) < 2 then
          perform private.raise_error('INVALID_INPUT', format('%s: tables must be two or more of this venue''s active table numbers', v_where));
        end if;
        insert into public.table_combinations (venue_id, name, table_ids, capacity_min, capacity_max)
        values (v_venue_id, private.spec_text(v_item, 'name', v_where), v_ids,
                private.spec_text(v_item, 'capacity_min', v_where)::int, private.spec_text(v_item, 'capacity_max', v_where)::int);
      end loop;
      v_counts := v_counts || jsonb_build_object('combinations', jsonb_array_length(p_spec -> 'combinations'));
    end if;

    -- ---- floors left out go once no table stands on them ----
    if p_spec ? 'floors' then
      delete from public.floors f where f.venue_id = v_venue_id
        and f.name not in (select e ->> 'name' from jsonb_array_elements(p_spec -> 'floors') e)
        and not exists (select 1 from public.venue_tables t where t.floor_id = f.id);
    end if;
  exception
    when data_exception or integrity_constraint_violation then
      perform private.raise_error('INVALID_INPUT', format('%s: %s', coalesce(v_where, 'venue'), sqlerrm));
  end;

  -- ---- nothing live may be stranded ----
  v_after := private.live_booking_problems(v_venue_id);
  v_stranded := array(
    select format('%s (%s)', a.key, (select string_agg(p, '; ') from jsonb_array_elements_text(a.value) p
                                     where not coalesce(v_before -> a.key, '[]'::jsonb) ? p))
    from jsonb_each(v_after) a
    where exists (select 1 from jsonb_array_elements_text(a.value) p where not coalesce(v_before -> a.key, '[]'::jsonb) ? p)
    order by a.key);
  if cardinality(v_stranded) > 0 then
    perform private.raise_error('INVALID_INPUT', format('this change would strand %s live booking(s): %s; move or cancel them first',
      cardinality(v_stranded), array_to_string(v_stranded, ', ')), 'PT409');
  end if;
  perform private.write_audit(v_venue_id, 'venue', v_venue_id, 'venue_set_up', null, null, null, v_counts);
  return private.get_catalogue(v_venue_id) -> 'venues' -> 0;
end;
$$;

grant execute on function private.setup_venue(uuid, jsonb) to authenticated, service_role;

create function public.get_night_bookings(p_venue_id uuid, p_date date, p_statuses text[] default null) returns jsonb
language sql stable set search_path = ''
as $$ select private.get_night_bookings(p_venue_id, p_date, p_statuses) $$;

comment on function public.get_night_bookings is
  'Staff (door+): a night''s bookings with guest, table numbers, slot, status and local times; fields by role.';

grant execute on function public.get_night_bookings(uuid, date, text[]) to authenticated, service_role;

create function public.find_bookings(p_venue_id uuid, p_query text) returns jsonb
language sql stable set search_path = ''
as $$ select private.find_bookings(p_venue_id, p_query) $$;

comment on function public.find_bookings is
  'Staff (door+): a venue''s bookings by reference or name (host+: also phone or email), at most 50.';

grant execute on function public.find_bookings(uuid, text) to authenticated, service_role;

create function public.create_guest(p_venue_id uuid, p_full_name text, p_phone text default null,
                                    p_email text default null)
returns uuid
language sql set search_path = ''
as $$ select private.create_guest(p_venue_id, p_full_name, p_phone, p_email) $$;

comment on function public.create_guest is
  'Staff (host+): a walk-in guest of the venue''s club (the same club guest when the email matches); returns its id.';

grant execute on function public.create_guest(uuid, text, text, text) to authenticated, service_role;

create function public.seat_walk_in(p_venue_id uuid, p_date date, p_slot_id text, p_table_ids uuid[],
                                    p_party_size int, p_full_name text, p_phone text default null,
                                    p_payment_method text default null, p_reason text default null)
returns jsonb
language sql set search_path = ''
as $$
  select private.seat_walk_in(p_venue_id, p_date, p_slot_id, p_table_ids, p_party_size, p_full_name, p_phone,
                              p_payment_method, p_reason)
$$;

comment on function public.seat_walk_in is
  'Staff (host+): seat a walk-in: a guest, the tables and a checked_in booking in one call (deposit taken or waived).';

grant execute on function public.seat_walk_in(uuid, date, text, uuid[], int, text, text, text, text) to authenticated, service_role;

create function public.invite_staff(p_venue_id uuid, p_email text, p_role text) returns jsonb
language sql set search_path = ''
as $$ select private.invite_staff(p_venue_id, p_email, p_role) $$;

comment on function public.invite_staff is
  'Admin (aal2): invite a person by email as door, host, manager or admin; a single-use token goes to that address, valid 7 days; returns the invitation.';

grant execute on function public.invite_staff(uuid, text, text) to authenticated, service_role;

create function public.accept_invitation(p_token text) returns jsonb
language sql set search_path = ''
as $$ select private.accept_invitation(p_token) $$;

comment on function public.accept_invitation is
  'The invited person, signed in with that address confirmed: accept an invitation by the token from its message.';

grant execute on function public.accept_invitation(text) to authenticated;

create function public.list_invitations(p_venue_id uuid) returns jsonb
language sql stable set search_path = ''
as $$ select private.list_invitations(p_venue_id) $$;

comment on function public.list_invitations is 'Admin (aal2): a venue''s invitations with their status, newest first.';

grant execute on function public.list_invitations(uuid) to authenticated, service_role;

create function public.revoke_invitation(p_invitation_id uuid) returns jsonb
language sql set search_path = ''
as $$ select private.revoke_invitation(p_invitation_id) $$;

comment on function public.revoke_invitation is 'Admin (aal2): revoke an open invitation; its token stops working.';

grant execute on function public.revoke_invitation(uuid) to authenticated, service_role;

create function public.list_staff(p_venue_id uuid) returns jsonb
language sql stable set search_path = ''
as $$ select private.list_staff(p_venue_id) $$;

comment on function public.list_staff is 'Manager+: a venue''s staff with email, name, role and since when.';

grant execute on function public.list_staff(uuid) to authenticated, service_role;

create function public.remove_staff(p_venue_id uuid, p_user_id uuid) returns jsonb
language sql set search_path = ''
as $$ select private.remove_staff(p_venue_id, p_user_id) $$;

comment on function public.remove_staff is
  'Admin (aal2): remove a person from a venue''s staff (never its last admin); an admin removed loses the invitations they sent.';

grant execute on function public.remove_staff(uuid, uuid) to authenticated, service_role;

create function public.set_staff_role(p_venue_id uuid, p_user_id uuid, p_role text) returns jsonb
language sql set search_path = ''
as $$ select private.set_staff_role(p_venue_id, p_user_id, p_role) $$;

comment on function public.set_staff_role is
  'Admin (aal2): give a staff member another role (never demoting the last admin).';

grant execute on function public.set_staff_role(uuid, uuid, text) to authenticated, service_role;

create function public.get_catalogue(p_venue_id uuid default null) returns jsonb
language sql stable set search_path = ''
as $$ select private.get_catalogue(p_venue_id) $$;

comment on function public.get_catalogue is 'Venues with their floors, tables, combinations and slots (public data).';

grant execute on function public.get_catalogue(uuid) to anon, authenticated, service_role;

create function public.setup_venue(p_venue_id uuid, p_spec jsonb) returns jsonb
language sql set search_path = ''
as $$ select private.setup_venue(p_venue_id, p_spec) $$;

comment on function public.setup_venue is
  'Admin (aal2): create or change a venue''s settings, floors, tables, slots and combinations; refused if it strands a live booking.';

grant execute on function public.setup_venue(uuid, jsonb) to authenticated, service_role;
