-- =====================================================================================
-- Availability events: versioned per channel, written by the committing transaction
-- =====================================================================================
-- Channel availability:{club_id}:{venue_id}:{date}:{slot_id}. Every change of what a slot
-- shows writes one event per affected table and channel, with the next version of that
-- channel. Versions come from one counter row per channel, bumped by deferred triggers at
-- commit time: concurrent writers on a channel queue on that row for the shortest possible
-- time, so versions are gap-free and in commit order, and no other lock is taken after it.
-- Three ways out, all in the same transaction: availability_events (replay and
-- postgres_changes), realtime.send() to a public and a private staff Broadcast channel.
-- Local listeners are woken by private.relay_events(), never by a NOTIFY per commit.

create table private.channel_versions (
  channel text primary key,
  version bigint not null,
  updated_at timestamptz not null default now()
);
comment on table private.channel_versions is 'The current version of each availability channel.';
create index channel_versions_updated_at_idx on private.channel_versions (updated_at);

create table public.availability_events (
  id bigint generated always as identity primary key,
  channel text not null,
  venue_id uuid not null references public.venues (id),
  booking_date date not null,
  slot_id text not null,
  version bigint not null,
  table_id uuid not null,
  payload jsonb not null,        -- the public shape (the seed's payload)
  staff_payload jsonb not null,  -- the true states plus the actor
  created_at timestamptz not null default now(),
  unique (channel, version)
);
comment on table public.availability_events is
  'Replayable availability.updated events; payload is the public shape, staff_payload the true state and actor.';
create index availability_events_venue_night_idx on public.availability_events (venue_id, booking_date);
create index availability_events_created_at_idx on public.availability_events (created_at);
-- Finds a table's previous event on a channel (the newest one) quickly.
create index availability_events_channel_table_idx on public.availability_events (channel, table_id, version);

-- The state a booking status gives its tables.
create function private.table_state(p_status public.booking_status) returns text
language plpgsql immutable
set search_path = ''
as $$
begin
  return case when p_status in ('held', 'pending_approval', 'confirmed', 'checked_in') then p_status::text
                else 'available' end;
end;
$$;

-- What the public sees of a state: holds and pending requests are just "unavailable".
create function private.public_state(p_state text) returns text
language plpgsql immutable
set search_path = ''
as $$
begin
  return case p_state
      when 'held' then 'unavailable'
      when 'pending_approval' then 'unavailable'
      when 'checked_in' then 'confirmed'
      else p_state end;
end;
$$;

-- The reasons a booking's status (bookings.status_reason) and a public event may carry: a
-- fixed list of codes, documented in the README. Free text (a manager's reject reason, a
-- guest's cancel reason, a forced block's reason) goes to bookings.status_note, the audit log
-- and the staff payload only.
create function private.reason_codes() returns text[]
language plpgsql immutable
set search_path = ''
as $$
begin
  return array['hold_created', 'waitlist_offer', 'late_deposit_re_held', 'booking_requested', 'booking_confirmed',
                 'booking_approved', 'approved_over_capacity', 'booking_rejected', 'booking_cancelled', 'forced_block',
                 'hold_expired', 'guest_checked_in', 'guest_no_show', 'table_blocked', 'table_unblocked',
                 'manual_change', 'status_changed'];
end;
$$;
comment on function private.reason_codes is 'The reason codes of booking statuses and public events.';

-- What a public event says of a reason: the code itself, else status_changed (never free text).
create function private.public_reason(p_reason text) returns text
language plpgsql immutable
set search_path = ''
as $$
begin
  return case when p_reason = any (private.reason_codes()) then p_reason else 'status_changed' end;
end;
$$;

-- One committer at a time per venue and night: the channel counters of the night are taken
-- under it, and so are the night's waitlist offers; deferred triggers take it at commit. A
-- transaction that touched several venue-nights (the sweeper, an unblock across nights) takes
-- all of them at its first, in (venue, night) order, so two committers never wait on each
-- other: the rows it changed noted each one (private.note_venue_night) as it went.
create function private.lock_venue_night(p_venue_id uuid, p_night date) returns void
language plpgsql
set search_path = ''
as $$
declare
  v_night record;
begin
  if current_setting('clubbooking.nights_locked', true) is distinct from 'on' then
    for v_night in
      select distinct split_part(k, '/', 1)::uuid as venue_id, split_part(k, '/', 2)::date as night
      from pg_catalog.unnest(pg_catalog.string_to_array(
             coalesce(current_setting('clubbooking.nights', true), '') || p_venue_id || '/'
             || to_char(p_night, 'YYYY-MM-DD'), ',')) k
      order by 1, 2
    loop
      perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('events:' || v_night.venue_id::text),
                                               private.night_key(v_night.night));
    end loop;
    perform pg_catalog.set_config('clubbooking.nights_locked', 'on', true);
  else
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('events:' || p_venue_id::text),
                                             private.night_key(p_night));
  end if;
end;
$$;

-- AFTER ROW on the tables whose changes take the venue-night lock at commit (bookings,
-- claims, blocks, waitlist entries): note the row's venue-night for the transaction.
create function private.note_venue_night() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_key text := new.venue_id || '/' || to_char(new.booking_date, 'YYYY-MM-DD') || ',';
  v_nights text := coalesce(current_setting('clubbooking.nights', true), '');
begin
  if pg_catalog.strpos(v_nights, v_key) = 0 then
    perform pg_catalog.set_config('clubbooking.nights', v_nights || v_key, true);
  end if;
  return null;
end;
$$;

create trigger bookings_note_venue_night after insert or update of status on public.bookings
  for each row execute function private.note_venue_night();
create trigger booking_tables_note_venue_night after insert or update of is_active on public.booking_tables
  for each row execute function private.note_venue_night();
create trigger table_blocks_note_venue_night after insert or update of is_active on public.table_blocks
  for each row execute function private.note_venue_night();
create trigger waitlist_entries_note_venue_night after insert on public.waitlist_entries
  for each row execute function private.note_venue_night();

-- The channel name of a venue's slot on a night.
create function private.channel_name(p_club_id uuid, p_venue_id uuid, p_night date, p_slot_id text)
returns text
language plpgsql immutable
set search_path = ''
as $$
begin
  return format('availability:%s:%s:%s:%s', p_club_id, p_venue_id, to_char(p_night, 'YYYY-MM-DD'), p_slot_id);
end;
$$;

-- An event announces the table's state in the slot as the claim ledger has it after the
-- commit (not the transition's own old and new state, which differ when a slot holds several
-- claims on one table or one transaction changes a table twice), and previousState is what
-- the channel's previous event for that table announced: replaying a channel's events over a
-- snapshot gives exactly a fresh snapshot.
-- Emit one availability.updated event per table and slot channel that the tables' changed
-- range touches, after taking the venue-night lock: the venue-night lock, then ONE statement
-- (a fresh snapshot, so it reads every commit made before the lock was granted) that bumps
-- each channel's counter by its number of events, reads the tables' states and their previous
-- events, and writes the events table and the public and staff Broadcast rows. No
-- subtransaction: the Broadcast rows go to realtime.messages directly, the way realtime.send()
-- writes them (payload plus the message's own id), and like send() a day without its
-- partition (Realtime keeps them from yesterday to three days ahead) loses the Broadcast, never
-- the booking; replay from the events table covers it. p_reason says why (a code; anything
-- else is announced as status_changed); the actor is the caller. Staff payloads also carry the
-- booking and (in the events table only) the free-text note.
create function private.emit_slot_events(p_venue_id uuid, p_table_ids uuid[], p_night date, p_period tstzrange,
                                         p_reason text, p_booking_id uuid default null, p_note text default null)
returns void
language plpgsql
security definer
set search_path = ''
-- A handful of rows, so one plan for every call: left to choose, the plan cache re-plans this
-- statement on every call (its immutable helpers fold into constants in a custom plan, which
-- then always looks cheaper), 0.5 ms each; and never a JIT compilation.
set plan_cache_mode = force_generic_plan
set jit = off
as $$
declare
  v_at text := to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
  v_actor jsonb := jsonb_build_object('actor', jsonb_build_object('id', (select auth.uid()),
    'name', private.person_label((select auth.uid()), p_venue_id) ->> 'name',
    'role', private.actor_role(p_venue_id)));
begin
  perform private.lock_venue_night(p_venue_id, p_night);
  with item as materialized (
    select s.slot_id, s.slot_period, t.table_id,
           private.channel_name(v.club_id, p_venue_id, p_night, s.slot_id) as channel,
           row_number() over (partition by s.slot_id order by t.table_id) as n,
           count(*) over (partition by s.slot_id) as k
    from public.venues v
    cross join private.slots_overlapping(p_venue_id, p_night, p_period) s
    cross join unnest(p_table_ids) t(table_id)
    where v.id = p_venue_id
  ), counter as (
    -- the channel's row lock queues its later writers until this transaction commits
    insert into private.channel_versions as cv (channel, version)
    select i.channel, max(i.k) from item i group by i.channel
    on conflict (channel) do update set version = cv.version + excluded.version, updated_at = now()
    returning cv.channel, cv.version
  ), event as materialized (
    select i.channel, i.slot_id, i.table_id, c.version - i.k + i.n as version, st.state as new_state,
           coalesce((select e.staff_payload ->> 'newState' from public.availability_events e
                     where e.channel = i.channel and e.table_id = i.table_id
                     order by e.version desc limit 1), 'available') as previous_state
    from item i
    join counter c on c.channel = i.channel
    join lateral private.table_slot_states(p_venue_id, p_night, i.slot_period, array[i.table_id]) st on true
  ), payload as materialized (
    select e.*, p.public,
           p.public || jsonb_build_object('previousState', e.previous_state, 'newState', e.new_state,
                                          'previous_state', e.previous_state, 'new_state', e.new_state) || v_actor
           || jsonb_strip_nulls(jsonb_build_object('bookingId', p_booking_id, 'note', p_note)) as staff
    from event e
    cross join lateral (select jsonb_build_object(
      'eventType', 'availability.updated', 'sectionId', e.table_id, 'slotId', e.slot_id,
      'date', to_char(p_night, 'YYYY-MM-DD'), 'previousState', private.public_state(e.previous_state),
      'newState', private.public_state(e.new_state), 'reason', private.public_reason(p_reason),
      'updatedAt', v_at, 'version', e.version,
      -- the snapshot's vocabulary (snake_case); the seed's camelCase keys above stay for a release
      'event_type', 'availability.updated', 'table_id', e.table_id, 'slot_id', e.slot_id,
      'previous_state', private.public_state(e.previous_state), 'new_state', private.public_state(e.new_state),
      'updated_at', v_at) as public) p
  ), stored as (
    insert into public.availability_events
      (channel, venue_id, booking_date, slot_id, version, table_id, payload, staff_payload)
    select p.channel, p_venue_id, p_night, p.slot_id, p.version, p.table_id, p.public, p.staff
    from payload p
  )
  -- The note stays out of Broadcast: Realtime keeps its messages for days in a table our code
  -- cannot redact on Supabase (postgres only reads realtime.messages), so no guest's words go
  -- there; staff read the note in the events table and the booking.
  insert into realtime.messages (id, topic, extension, payload, event, private)
  select m.id, p.channel, 'broadcast', m.payload || jsonb_build_object('id', m.id), 'availability.updated', m.private
  from payload p
  cross join lateral (values (pg_catalog.gen_random_uuid(), p.public, false),
                             (pg_catalog.gen_random_uuid(), p.staff - 'note', true)) m(id, payload, private)
  where (select c.relkind from pg_catalog.pg_class c where c.oid = 'realtime.messages'::regclass) = 'r'
     or exists (select 1 from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
                where n.nspname = 'realtime' and c.relname = 'messages_' || to_char(now()::timestamp, 'YYYY_MM_DD'));
end;
$$;
comment on function private.emit_slot_events is
  'Writes the availability.updated events (table, Broadcast public + staff) of tables'' changed range; call at commit.';

-- Deferred claim trigger. A new claim's reason is its booking's status_reason while the booking
-- is held: the hook for holds made for a reason other than a guest's request (a waitlist offer
-- sets status_reason = 'waitlist_offer' on the held booking it creates, and its event says so).
create function private.claim_changed_event() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' and new.is_active then
    perform private.emit_slot_events(new.venue_id, array[new.table_id], new.booking_date, new.period,
      case when new.block_id is not null then 'table_blocked'
           else coalesce((select b.status_reason from public.bookings b
                          where b.id = new.booking_id and b.status = 'held'), 'hold_created') end,
      new.booking_id);
  elsif tg_op = 'UPDATE' and new.block_id is not null and old.is_active and not new.is_active then
    perform private.emit_slot_events(new.venue_id, array[new.table_id], new.booking_date, new.period,
                                     'table_unblocked');
  end if;
  return null;
end;
$$;


create constraint trigger booking_tables_emit_events
  after insert or update of is_active on public.booking_tables
  deferrable initially deferred
  for each row execute function private.claim_changed_event();

-- Deferred status trigger: every table of the booking, with the booking's status_reason; one
-- emission per claimed range (a booking's claims share its range).
create function private.booking_status_event() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_claims record;
begin
  for v_claims in
    select bt.period, array_agg(bt.table_id order by bt.table_id) as table_ids from public.booking_tables bt
    where bt.booking_id = new.id group by bt.period
  loop
    perform private.emit_slot_events(new.venue_id, v_claims.table_ids, new.booking_date, v_claims.period,
      coalesce(new.status_reason, 'booking_' || new.status), new.id, new.status_note);
  end loop;
  return null;
end;
$$;

create constraint trigger bookings_emit_events
  after update of status on public.bookings
  deferrable initially deferred
  for each row when (old.status is distinct from new.status)
  execute function private.booking_status_event();

-- Events of a channel after a version, oldest first, in the caller's shape: venue staff get
-- the true states and actor, everyone else the public payload. Replays a client's gap.
create function private.get_availability_events(p_channel text, p_after_version bigint)
returns table (version bigint, payload jsonb)
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_venue_id uuid;
  v_is_staff boolean;
begin
  if p_channel is null or p_channel !~ '^availability:[0-9a-f-]{36}:[0-9a-f-]{36}:\d{4}-\d{2}-\d{2}:[a-z0-9_]{1,40}$' then
    perform private.raise_error('INVALID_INPUT', 'channel must be availability:{club_id}:{venue_id}:{date}:{slot_id}');
  end if;
  v_venue_id := split_part(p_channel, ':', 3)::uuid;
  v_is_staff := private.is_trusted() or private.is_venue_staff(v_venue_id, 'door');
  return query
    select e.version, case when v_is_staff then e.staff_payload else e.payload end
    from public.availability_events e
    where e.channel = p_channel and e.version > coalesce(p_after_version, 0)
    order by e.version;
end;
$$;

-- The relay that wakes local LISTENers: one pass over the events table that sends one NOTIFY
-- for the events that are new since the last pass (payload: JSON object channel -> newest
-- version, or "*" when too long), so booking commits never queue on the NOTIFY lock. Event ids
-- come from a sequence, so a slow transaction can commit an id lower than one already seen:
-- each pass re-reads a window of the last p_window ids and is handed back which of them it has
-- sent. A pass with no p_last_id only finds where to start. The loop is the caller's
-- (`clubbooking relay`, clubbooking.relay.run_relay), one committed call per poll: a loop in
-- here would need a procedure that commits, and such a procedure can't pin its search_path.
create function private.relay_events(p_last_id bigint default null, p_sent bigint[] default '{}'::bigint[],
                                     p_window int default 256)
returns table (last_id bigint, sent bigint[])
language plpgsql
set search_path = ''
as $$
declare
  v_max bigint := p_last_id;
  v_sent bigint[] := coalesce(p_sent, '{}'::bigint[]);
  v_new_ids bigint[];
  v_changed jsonb;
  v_payload text;
begin
  if v_max is null then
    return query select coalesce(max(e.id), 0), '{}'::bigint[] from public.availability_events e;
    return;
  end if;
  select array_agg(x.id), jsonb_object_agg(x.channel, x.version) filter (where x.newest = 1)
    into v_new_ids, v_changed
  from (select e.id, e.channel, e.version,
               row_number() over (partition by e.channel order by e.version desc) as newest
        from public.availability_events e
        where e.id > v_max - p_window and e.id <> all (v_sent)) x;
  if v_new_ids is not null then
    v_payload := v_changed::text;
    perform pg_catalog.pg_notify('clubbooking_availability', case when length(v_payload) < 7900 then v_payload else '*' end);
    v_max := greatest(v_max, (select max(i) from unnest(v_new_ids) i));
    v_sent := array(select i from unnest(v_sent || v_new_ids) i where i > v_max - p_window);
  end if;
  return query select v_max, v_sent;
end;
$$;
comment on function private.relay_events is
  'One relay pass: a NOTIFY clubbooking_availability for the events new since the last; `clubbooking relay` calls it in a loop.';
