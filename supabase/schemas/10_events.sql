-- =============================================================================================
-- Availability and events: the snapshot and the versioned realtime feed
-- =============================================================================================
-- get_availability, one event per changed table and channel in commit order (Broadcast and
-- public.availability_events), who may join a staff channel, and pruning.

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
  updated_at timestamptz not null default now(),
  -- Written in the booking transaction (the commit-time event triggers), keyed by the channel
  -- name. Distributing by venue_id (Citus) needs the column on every such table so that a
  -- venue's booking transaction stays on one node; it is derived from the channel name
  -- (availability:{club}:{venue}:{date}:{slot}), so writers never set it.
  venue_id uuid generated always as (split_part(channel, ':', 3)::uuid) stored
);

comment on table private.channel_versions is 'The current version of each availability channel.';

create index channel_versions_updated_at_idx on private.channel_versions (updated_at);

alter table private.channel_versions enable row level security;

comment on column private.channel_versions.venue_id is
  'The venue of the channel (its third part): the distribution column.';

create index channel_versions_venue_id_idx on private.channel_versions (venue_id);

create table public.availability_events (
  id bigint generated always as identity primary key,
  channel text not null,
  venue_id uuid not null references public.venues (id),
  booking_date date not null,
  slot_id text not null,
  version bigint not null,
  table_id uuid not null,
  payload jsonb not null,        -- the public shape (the seed's payload)
  staff_payload jsonb not null,  -- the true states plus the actor (id and role)
  created_at timestamptz not null default now(),
  unique (channel, version)
);

comment on table public.availability_events is
  'Replayable availability.updated events; payload is the public shape, staff_payload the true state and actor.';

create index availability_events_venue_night_idx on public.availability_events (venue_id, booking_date);

-- Finds a table's previous event on a channel (the newest one) quickly.
create index availability_events_channel_table_idx on public.availability_events (channel, table_id, version);

alter table public.availability_events enable row level security;

grant select (id, channel, venue_id, booking_date, slot_id, version, table_id, payload, created_at)
  on public.availability_events to anon, authenticated;

grant select, insert, update, delete on public.availability_events to service_role;

revoke insert, update, delete, truncate on public.availability_events from service_role;

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

-- What a public event says of a reason: the code itself, else status_changed (never free text).
create function private.public_reason(p_reason text) returns text
language plpgsql immutable
set search_path = ''
as $$
begin
  return case when p_reason = any (private.reason_codes()) then p_reason else 'status_changed' end;
end;
$$;

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
-- DEFERRED, on each row a transaction writes to private.pending_nights (a venue-night it noted):
-- at commit (or at SET CONSTRAINTS ... IMMEDIATE) the first call emits the transaction's queued
-- events (private.pending_changes): one availability.updated event per changed claim and slot
-- channel its range touches, in the order the changes were made. First the venue-night locks
-- (every night the transaction noted, in (venue, night) order), then ONE statement (a fresh
-- snapshot, so it reads every commit made before the locks were granted) that takes the queue,
-- bumps each channel's counter by its number of events, reads the tables' states (once per
-- slot) and their previous events, and writes the events table and the public and staff
-- Broadcast rows: the same statement for one booking and for a sweep of thousands. Both queues
-- are emptied (a change queued later notes its night again, which queues another call); the
-- calls for the transaction's other venue-nights find nothing left to do. Then what the changes
-- freed (a booking that stopped holding its tables, a lifted block) is offered to the waitlist,
-- each range once, under the same locks: the offers' holds are queued and emitted after the
-- events that freed their tables.
-- No subtransaction: the Broadcast rows go to realtime.messages directly, the way
-- realtime.send() writes them (payload plus the message's own id), and like send() a day
-- without its partition (Realtime keeps them from yesterday to three days ahead) loses the
-- Broadcast, never the booking; replay from the events table covers it. A change's reason is a
-- code (anything else is announced as status_changed); a new claim of a booking takes its
-- booking's status_reason while the booking is held (the hook for holds made for a reason other
-- than a guest's request: a waitlist offer's hold says waitlist_offer) or seated at once (a
-- walk-in says walk_in_seated), else hold_created. The actor is the caller, by id and role (no
-- name: a stored payload never needs erasing). Staff payloads also carry the booking and (in the events table only)
-- the free-text note.
create function private.emit_slot_events() returns trigger
language plpgsql
security definer
set search_path = ''
-- One plan for every call: left to choose, the plan cache re-plans this statement on every
-- call (its immutable helpers fold into constants in a custom plan, which then always looks
-- cheaper); and never a JIT compilation.
set plan_cache_mode = force_generic_plan
set jit = off
as $$
declare
  v_txid xid8 := new.txid;
  v_at text := to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
  v_uid uuid := (select auth.uid());
  v_freed record;
begin
  -- a call after the first (the night's row is gone: emitted with the others) has nothing to do
  if not exists (select 1 from private.pending_nights pn where pn.txid = v_txid and pn.venue_id = new.venue_id
                 and pn.booking_date = new.booking_date) then
    return null;
  end if;
  perform private.lock_venue_night(null, null);
  -- No join of two large sets (the planner sees a queue of unknown size): the changes travel
  -- in arrays, per changed range, then per channel, and are unnested where they are needed.
  with change as materialized (
    delete from private.pending_changes pc where pc.txid = v_txid returning pc
  ), nights as (
    delete from private.pending_nights pn where pn.txid = v_txid
  ), span as materialized (
    -- each changed range once: the slot channels it touches
    select private.channel_name(v.club_id, r.venue_id, r.booking_date, s.slot_id) as channel,
           r.venue_id, r.booking_date, s.slot_id, s.slot_period, r.changes
    from (select (c.pc).venue_id, (c.pc).booking_date, (c.pc).period, array_agg(c.pc) as changes
          from change c group by 1, 2, 3) r
    join public.venues v on v.id = r.venue_id
    cross join lateral private.slots_overlapping(r.venue_id, r.booking_date, r.period) s
  ), channel as materialized (
    select sp.channel, sp.venue_id, sp.booking_date, sp.slot_id, sp.slot_period,
           array_agg(x order by x.seq, x.table_id) as changes
    from span sp cross join lateral unnest(sp.changes) x
    group by sp.channel, sp.venue_id, sp.booking_date, sp.slot_id, sp.slot_period
  ), counter as (
    -- the channel's row lock queues its later writers until this transaction commits
    insert into private.channel_versions as cv (channel, version)
    select ch.channel, cardinality(ch.changes) from channel ch
    on conflict (channel) do update set version = cv.version + excluded.version, updated_at = now()
    returning cv.channel, cv.version
  ), channel_state as materialized (
    -- each slot's tables read once
    select ch.*, c.version - cardinality(ch.changes) as base_version,
           (select jsonb_object_agg(st.table_id, st.state)
            from private.table_slot_states(ch.venue_id, ch.booking_date, ch.slot_period,
                                           array(select distinct x.table_id from unnest(ch.changes) x)) st) as states
    from channel ch join counter c on c.channel = ch.channel
  ), actor as materialized (
    -- ids, never names: events and Broadcast rows are kept (realtime.messages beyond our reach);
    -- the staff snapshot names the person when it is read (changed_by_name)
    select a.venue_id, jsonb_build_object('id', v_uid, 'role', private.actor_role(a.venue_id)) as actor
    from (select distinct ch.venue_id from channel ch) a
  ), event as materialized (
    select cs.channel, cs.venue_id, cs.booking_date, cs.slot_id, x.table_id, x.booking_id, x.note,
           coalesce(x.reason, (select b.status_reason from public.bookings b
                               where b.id = x.booking_id and b.status in ('held', 'checked_in')), 'hold_created') as reason,
           cs.base_version + x.n as version, cs.states ->> x.table_id::text as new_state,
           coalesce(lag(cs.states ->> x.table_id::text) over (partition by cs.channel, x.table_id order by x.n),
                    (select e.staff_payload ->> 'newState' from public.availability_events e
                     where e.channel = cs.channel and e.table_id = x.table_id
                     order by e.version desc limit 1), 'available') as previous_state
    from channel_state cs
    cross join lateral unnest(cs.changes) with ordinality x(txid, seq, venue_id, booking_date, period, table_id,
                                                            reason, booking_id, note, frees, n)
  ), payload as materialized (
    select e.channel, e.venue_id, e.booking_date, e.slot_id, e.version, e.table_id,
           jsonb_build_object(
             'eventType', 'availability.updated', 'sectionId', e.table_id, 'slotId', e.slot_id, 'date', d.date,
             'previousState', d.public_previous, 'newState', d.public_new, 'reason', d.reason,
             'updatedAt', v_at, 'version', e.version,
             -- the snapshot's vocabulary (snake_case); the seed's camelCase keys above stay for a release
             'event_type', 'availability.updated', 'table_id', e.table_id, 'slot_id', e.slot_id,
             'previous_state', d.public_previous, 'new_state', d.public_new, 'updated_at', v_at) as public,
           -- the same with the true states, the actor, and the booking and note when there are
           jsonb_build_object(
             'eventType', 'availability.updated', 'sectionId', e.table_id, 'slotId', e.slot_id, 'date', d.date,
             'previousState', e.previous_state, 'newState', e.new_state, 'reason', d.reason,
             'updatedAt', v_at, 'version', e.version,
             'event_type', 'availability.updated', 'table_id', e.table_id, 'slot_id', e.slot_id,
             'previous_state', e.previous_state, 'new_state', e.new_state, 'updated_at', v_at, 'actor', a.actor)
           || case when e.booking_id is not null or e.note is not null
                   then jsonb_strip_nulls(jsonb_build_object('bookingId', e.booking_id, 'note', e.note))
                   else '{}'::jsonb end as staff
    from event e
    join actor a on a.venue_id = e.venue_id
    cross join lateral (select to_char(e.booking_date, 'YYYY-MM-DD') as date, private.public_reason(e.reason) as reason,
                               private.public_state(e.previous_state) as public_previous,
                               private.public_state(e.new_state) as public_new offset 0) d
  ), stored as (
    insert into public.availability_events
      (channel, venue_id, booking_date, slot_id, version, table_id, payload, staff_payload)
    select p.channel, p.venue_id, p.booking_date, p.slot_id, p.version, p.table_id, p.public, p.staff
    from payload p
  ), broadcast as (
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
                  where n.nspname = 'realtime' and c.relname = 'messages_' || to_char(now()::timestamp, 'YYYY_MM_DD'))
  )
  -- what the changes freed, each range once, in the order they were freed
  select array_agg(f.venue_id order by f.first) as venue_ids, array_agg(f.booking_date order by f.first) as nights,
         array_agg(f.period order by f.first) as periods
    into v_freed
  from (select (c.pc).venue_id, (c.pc).booking_date, (c.pc).period, min((c.pc).seq) as first from change c
        where (c.pc).frees group by 1, 2, 3) f;
  if v_freed.venue_ids is not null then
    perform private.offer_to_waitlist(f.venue_id, f.booking_date, f.period)
    from unnest(v_freed.venue_ids, v_freed.nights, v_freed.periods) f(venue_id, booking_date, period);
  end if;
  return null;
end;
$$;

comment on function private.emit_slot_events is
  'At commit: writes the transaction''s queued availability.updated events (table, Broadcast public + staff) under its venue-night locks, then offers what they freed.';

create constraint trigger pending_nights_emit_events
  after insert on private.pending_nights
  deferrable initially deferred
  for each row execute function private.emit_slot_events();

-- AFTER STATEMENT on booking_tables: queue the events of the statement's changed claims and
-- note their venue-nights (in that order: under SET CONSTRAINTS ALL IMMEDIATE the night's
-- note fires the emission). A new active claim (a hold, a block, a table a changed booking
-- took: booking_modified) and a block's claim that stops being active (an unblock) are
-- announced here; a booking's claims that follow its status are announced with the status
-- change (private.booking_status_event), and those a change moved or let go by
-- private.modify_booking.
create function private.claim_changed_event() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    insert into private.pending_changes (venue_id, booking_date, period, table_id, reason, booking_id)
    select n.venue_id, n.booking_date, n.period, n.table_id,
           case when n.block_id is not null then 'table_blocked'
                when private.has_transaction_flag('booking_change') then 'booking_modified' end, n.booking_id
    from new_rows n where n.is_active
    order by n.id;
  else
    -- (which were active from a map, not a join of the two transition tables: see
    -- private.claims_follow_booking)
    with was as materialized (
      select jsonb_object_agg(o.id, o.is_active) as active from old_rows o where o.block_id is not null)
    insert into private.pending_changes (venue_id, booking_date, period, table_id, reason, frees)
    select n.venue_id, n.booking_date, n.period, n.table_id, 'table_unblocked', true
    from new_rows n
    cross join was
    where n.block_id is not null and not n.is_active and (was.active ->> n.id::text)::boolean
    order by n.id;
  end if;
  if found then
    insert into private.pending_nights (venue_id, booking_date)
    select distinct n.venue_id, n.booking_date from new_rows n
    on conflict do nothing;
  end if;
  return null;
end;
$$;

-- AFTER STATEMENT on bookings: every booking whose status the statement changed has the events
-- of each of its tables queued, with its status_reason (and note), and its venue-night noted.
create function private.booking_status_event() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_was jsonb;       -- each booking's old status, by id
  v_free text[];     -- of the statuses the statement shows, those that hold no table (private.table_state)
begin
  -- (old statuses from a map read first, as private.booking_status_changed reads it, and each
  -- booking's claims by index: see private.claims_follow_booking; whether a status frees its
  -- tables is asked once per status, not twice per row)
  select (select jsonb_object_agg(o.id, o.status) from old_rows o),
         array(select s.status::text from (select n.status from new_rows n union select o.status from old_rows o) s
               where private.table_state(s.status) = 'available')
    into v_was, v_free;
  with changed as materialized (
    select n.id, n.venue_id, n.booking_date, n.period, n.status, n.status_reason, n.status_note,
           (v_was ->> n.id::text)::public.booking_status as old_status
    from new_rows n
    where n.status::text is distinct from v_was ->> n.id::text
  ), queued as (
    insert into private.pending_changes (venue_id, booking_date, period, table_id, reason, booking_id, note, frees)
    select c.venue_id, c.booking_date, bt.period, bt.table_id,
           coalesce(c.status_reason, 'booking_' || c.status), c.id, c.status_note,
           c.old_status::text <> all (v_free) and c.status::text = any (v_free)
    from changed c
    cross join lateral (select b.period, b.table_id from public.booking_tables b
                        where b.booking_id = c.id and b.released_at is null offset 0) bt
    order by c.venue_id, c.booking_date, lower(c.period), c.id, bt.period, bt.table_id
  )
  insert into private.pending_nights (venue_id, booking_date)
  select distinct c.venue_id, c.booking_date from changed c
  on conflict do nothing;
  return null;
end;
$$;

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

grant execute on function private.get_availability_events(text, bigint) to anon, authenticated, service_role;

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

-- The snapshot of a slot: every table with its state, and the channel's current version,
-- read in one statement (one snapshot) so state and version agree. The public sees
-- available / unavailable / confirmed / blocked; venue staff see the true state, the booking
-- and who changed it, with guest details by role (door: name and party size; host: phone
-- and email too; manager and admin: payments too).
-- With p_at (venue staff only, see private.get_availability_at): the staff view as it was at
-- that instant, rebuilt from the claims' and bookings' history and, for a block's reason, the
-- audit row that made it (unblocking may overwrite the block's reason). What is by nature now
-- stays now: the version is 0 (a replay stands at no point of the channel's stream: `as_of`
-- says when it is), and the tables, people's names and roles and guests' contact details are
-- read as they are now.
-- Now and a past instant are two statements, the branch taken here. The live one (every
-- public snapshot) reads the night's live claims itself, in one index scan, and ranks them per
-- table by the rule of private.table_slot_states (sql/tests/83_snapshot_reads.sql proves the
-- two agree, claim by claim): no set-returning calls, no history. The replay reads the states
-- at p_at from table_slot_states and the bookings as they were.
create function private.availability_snapshot(p_venue_id uuid, p_date date, p_slot_id text, p_at timestamptz)
returns jsonb
language plpgsql stable
set search_path = ''
-- One plan per statement for the session (the replay's table_slot_states too): left to choose,
-- the plan cache re-plans a statement on every call whose custom plan looks cheaper than the
-- generic one (private.slot_claims under table_slot_states does).
set plan_cache_mode = force_generic_plan
as $$
declare
  v_club_id uuid;
  v_period tstzrange;
  v_channel text;
  v_rank int;
  v_bookable boolean;
begin
  if p_venue_id is null or p_date is null or p_slot_id is null then
    perform private.raise_error('INVALID_INPUT', 'venue, date and slot are required');
  end if;
  select v.club_id into v_club_id from public.venues v where v.id = p_venue_id;
  if v_club_id is null then
    perform private.raise_error('INVALID_INPUT', 'unknown venue', 'PT404');
  end if;
  v_period := private.slot_range(p_venue_id, p_date, p_slot_id);
  if v_period is null then
    perform private.raise_error('INVALID_INPUT', private.unknown_slot(p_venue_id, p_slot_id), 'PT404');
  end if;
  if p_at is not null then
    perform private.require_staff(p_venue_id, 'door');
    if p_at > private.now() then
      perform private.raise_error('INVALID_INPUT', format('%s is still to come: replay an instant that has passed', p_at));
    end if;
    if p_date < private.history_kept_since(p_venue_id) then
      perform private.raise_error('DATE_OUT_OF_RANGE', format(
        'the venue keeps a night''s history for %s after it (claims_retention): the earliest night kept is %s',
        (select v.claims_retention from public.venues v where v.id = p_venue_id), private.history_kept_since(p_venue_id)));
    end if;
  end if;
  v_channel := private.channel_name(v_club_id, p_venue_id, p_date, p_slot_id);
  -- (anon is neither trusted nor anyone's staff: the public's snapshot asks no more)
  v_rank := case when private.api_role() = 'anon' then 0
                 when private.is_trusted() then 4
                 else private.staff_rank(private.staff_role(p_venue_id)) end;
  -- A slot that has ended, or a night the venue is closed, sells nothing: the public sees every
  -- table unavailable there (staff still see what happened).
  v_bookable := upper(v_period) > coalesce(p_at, private.now()) and private.night_range(p_venue_id, p_date) is not null;

  if p_at is null then
    return (
      -- the night's live claims over the slot (as private.slot_claims reads them now), ranked:
      -- a block first, then checked_in > confirmed > pending_approval > held
      with claims as materialized (
        select bt.table_id, bt.booking_id, bt.block_id, bt.is_exclusive, bt.party_size,
               case when bt.block_id is not null then 'blocked'
                    when bk.status in ('held', 'pending_approval', 'confirmed', 'checked_in') then bk.status::text
                    else 'available' end as state,
               case when bt.block_id is not null then 0
                    else coalesce(array_position(array['checked_in', 'confirmed', 'pending_approval', 'held'],
                                                 bk.status::text), 5) end as strength
        from public.booking_tables bt
        left join public.bookings bk on bk.id = bt.booking_id
        where bt.venue_id = p_venue_id and bt.booking_date = p_date and bt.is_active
          and coalesce(bt.expires_at > (select private.now()), true) and bt.period && v_period)
      select jsonb_build_object(
        'venue_id', p_venue_id, 'club_id', v_club_id, 'date', to_char(p_date, 'YYYY-MM-DD'), 'slot_id', p_slot_id,
        'channel', v_channel,
        'version', coalesce((select cv.version from private.channel_versions cv where cv.channel = v_channel), 0),
        'starts_at', lower(v_period), 'ends_at', upper(v_period),
        'view', case when v_rank > 0 then 'staff' else 'public' end,
        'bookable', v_bookable,
        'tables', coalesce(jsonb_agg(
          jsonb_build_object(
            'table_id', t.id, 'table_number', t.table_number, 'name', t.name, 'floor', f.name,
            'capacity_min', t.capacity_min, 'capacity_max', t.capacity_max, 'is_vip', t.is_vip,
            'minimum_spend', t.minimum_spend, 'deposit', t.deposit, 'is_shared', t.is_shared,
            'state', case when v_rank > 0 then s.state when not v_bookable then 'unavailable'
                          else private.public_state(s.state) end)
          || case when t.is_shared then jsonb_build_object('remaining_capacity', t.capacity_max - s.guests) else '{}'::jsonb end
          -- who holds a table, for staff only: the public view reads no booking, guest or block
          || case when v_rank > 0 and s.state <> 'available' then (
               select jsonb_strip_nulls(jsonb_build_object(
                 'booking_id', s.booking_id, 'reference', b.reference, 'party_size', b.party_size,
                 'customer_name', c.full_name, 'hold_expires_at', b.hold_expires_at,
                 'block_id', s.block_id, 'block_kind', blk.kind, 'block_reason', blk.reason,
                 'release_at', blk.release_at,
                 'changed_by', coalesce(b.updated_by, blk.created_by),
                 'changed_by_name', private.person_label(coalesce(b.updated_by, blk.created_by), p_venue_id) ->> 'name',
                 'changed_by_role', private.person_label(coalesce(b.updated_by, blk.created_by), p_venue_id) ->> 'role',
                 'phone', case when v_rank >= 2 then c.phone end,
                 'email', case when v_rank >= 2 then c.email end,
                 'deposit_paid', case when v_rank >= 3 then b.deposit_paid_at is not null end,
                 'payment_reference', case when v_rank >= 3 then b.payment_reference end))
               from (select s.booking_id, s.block_id) k
               left join public.bookings b on b.id = k.booking_id
               left join public.customers c on c.id = b.customer_id
               left join public.table_blocks blk on blk.id = k.block_id)
             else '{}'::jsonb end
          order by t.table_number), '[]'::jsonb))
      from public.venue_tables t
      join public.floors f on f.id = t.floor_id
      -- each table's state: its strongest exclusive claim, else a split-capacity section full
      -- of guests 'held', else 'available'
      left join (select distinct on (c.table_id) c.table_id, c.state, c.booking_id, c.block_id
                 from claims c where c.is_exclusive
                 order by c.table_id, c.strength) top on top.table_id = t.id
      left join (select c.table_id, sum(c.party_size)::int as guests
                 from claims c where not c.is_exclusive
                 group by c.table_id) shared on shared.table_id = t.id
      cross join lateral (
        select coalesce(top.state, case when t.is_shared and shared.guests >= t.capacity_max then 'held'
                                        else 'available' end) as state,
               top.booking_id, top.block_id, coalesce(shared.guests, 0) as guests) s
      where t.venue_id = p_venue_id and t.is_active);
  end if;

  -- at p_at: venue staff only (require_staff above), so the staff view
  return (
    select jsonb_build_object(
      'venue_id', p_venue_id, 'club_id', v_club_id, 'date', to_char(p_date, 'YYYY-MM-DD'), 'slot_id', p_slot_id,
      'channel', v_channel, 'version', 0,
      'starts_at', lower(v_period), 'ends_at', upper(v_period),
      'view', 'staff', 'bookable', v_bookable, 'as_of', p_at,
      'tables', coalesce(jsonb_agg(
        jsonb_build_object(
          'table_id', t.id, 'table_number', t.table_number, 'name', t.name, 'floor', f.name,
          'capacity_min', t.capacity_min, 'capacity_max', t.capacity_max, 'is_vip', t.is_vip,
          'minimum_spend', t.minimum_spend, 'deposit', t.deposit, 'is_shared', t.is_shared,
          'state', s.state)
        || case when t.is_shared then jsonb_build_object('remaining_capacity', t.capacity_max - s.guests) else '{}'::jsonb end
        -- who held a table then: the booking as it was at p_at, the block's reason as it was made
        || case when s.state <> 'available' then (
             select jsonb_strip_nulls(jsonb_build_object(
               'booking_id', s.booking_id, 'reference', bk.reference, 'party_size', b.party_size,
               'customer_name', c.full_name, 'hold_expires_at', b.hold_expires_at,
               'block_id', s.block_id, 'block_kind', blk.kind, 'block_reason', blk.reason,
               'release_at', blk.release_at,
               'changed_by', coalesce(b.updated_by, blk.created_by),
               'changed_by_name', private.person_label(coalesce(b.updated_by, blk.created_by), p_venue_id) ->> 'name',
               'changed_by_role', private.person_label(coalesce(b.updated_by, blk.created_by), p_venue_id) ->> 'role',
               'phone', case when v_rank >= 2 then c.phone end,
               'email', case when v_rank >= 2 then c.email end,
               'deposit_paid', case when v_rank >= 3 then b.deposit_paid_at is not null end,
               'payment_reference', case when v_rank >= 3 then b.payment_reference end))
             from (select s.booking_id, s.block_id) k
             left join public.bookings bk on bk.id = k.booking_id
             left join lateral (
               select bv.party_size, bv.customer_id, bv.hold_expires_at, bv.updated_by, bv.deposit_paid_at,
                      bv.payment_reference
               from private.booking_versions bv
               where bv.venue_id = p_venue_id and bv.booking_date = p_date and bv.booking_id = k.booking_id
                 and bv.valid @> p_at) b on true
             left join public.customers c on c.id = b.customer_id
             left join lateral (
               select x.kind, x.release_at, x.created_by,
                      coalesce((select a.reason from public.audit_log a
                                where a.entity_id = x.id and a.entity = 'block' and a.action = 'table_blocked'
                                order by a.id limit 1), x.reason) as reason
               from public.table_blocks x where x.id = k.block_id) blk on true)
           else '{}'::jsonb end
        order by t.table_number), '[]'::jsonb))
    from public.venue_tables t
    join public.floors f on f.id = t.floor_id
    join private.table_slot_states(p_venue_id, p_date, v_period, null, p_at) s on s.table_id = t.id
    where t.venue_id = p_venue_id and t.is_active);
end;
$$;

comment on function private.availability_snapshot is
  'A slot''s snapshot shaped by the caller''s role, now (p_at null: the live claims read in the same statement) or, for venue staff, as it was at p_at; runs inside the definer functions that call it.';

-- The snapshot of a slot now, shaped by the caller's role (private.availability_snapshot).
create function private.get_availability(p_venue_id uuid, p_date date, p_slot_id text)
returns jsonb
language plpgsql stable
security definer
set search_path = ''
as $$
begin
  return private.availability_snapshot(p_venue_id, p_date, p_slot_id, null);
end;
$$;

grant execute on function private.get_availability(uuid, date, text) to anon, authenticated, service_role;

-- PostgREST exposes public, so nothing here is security definer; each wrapper only names the
-- arguments the API accepts (the seeds' functions keep their documented argument names).
create function public.get_availability(p_venue_id uuid, p_date date, p_slot_id text) returns jsonb
language plpgsql stable set search_path = ''  -- plpgsql: see public.hold_tables
as $$ begin return private.get_availability(p_venue_id, p_date, p_slot_id); end; $$;

comment on function public.get_availability is 'Snapshot of a slot: {venue_id, date, slot_id, channel, version, tables:[...]}, shaped by role.';

-- Each RPC wrapper and the private function it calls, granted together to the same roles.
grant execute on function public.get_availability(uuid, date, text) to anon, authenticated, service_role;

-- The floor at a past instant: the staff view of get_availability as it was at p_at, for the
-- venue's staff (door and up) and trusted roles; an instant still to come is INVALID_INPUT, a
-- night whose history retention has pruned (private.history_kept_since) DATE_OUT_OF_RANGE. A
-- hold past its expiry at p_at is dead there, whether or not anything changed then. What is by
-- nature now (the version, names, contact details, the tables themselves) is read now: see
-- private.availability_snapshot.
create function private.get_availability_at(p_venue_id uuid, p_date date, p_slot_id text, p_at timestamptz)
returns jsonb
language plpgsql stable
security definer
set search_path = ''
as $$
begin
  if p_at is null then
    perform private.raise_error('INVALID_INPUT', 'the instant to replay (p_at) is required');
  end if;
  return private.availability_snapshot(p_venue_id, p_date, p_slot_id, p_at);
end;
$$;

grant execute on function private.get_availability_at(uuid, date, text, timestamptz) to authenticated, service_role;

create function public.get_availability_at(p_venue_id uuid, p_date date, p_slot_id text, p_at timestamptz)
returns jsonb
language plpgsql stable set search_path = ''
as $$ begin return private.get_availability_at(p_venue_id, p_date, p_slot_id, p_at); end; $$;

comment on function public.get_availability_at is 'Staff: a slot''s snapshot (the staff view of get_availability) as it was at p_at, with as_of; version 0.';

grant execute on function public.get_availability_at(uuid, date, text, timestamptz) to authenticated, service_role;

-- Events: the public columns are public (postgres_changes subscribers); staff_payload is not
-- granted to any API role and reaches staff through get_availability_events.
create policy "Anyone can read availability events" on public.availability_events
  for select to anon, authenticated using (true);

grant usage, select on sequence public.availability_events_id_seq to service_role;

-- Delete the events of nights more than p_keep (at least a day) in the past: last night's
-- events and those of every night still to come stay replayable. The pg_cron job
-- clubbooking-prune-events (scheduled_jobs) runs it daily. Channel versions are kept, so a
-- channel never restarts at 1.
create function private.prune_events(p_keep interval default interval '2 days') returns int
language sql
security definer
set search_path = ''
as $$
  with gone as (
    delete from public.availability_events e
    where e.booking_date < (private.now() - greatest(p_keep, interval '1 day'))::date
    returning 1)
  select count(*)::int from gone
$$;

-- The venue of an availability channel name, or null when the name is not exactly
-- availability:{club uuid}:{venue uuid}:{YYYY-MM-DD}:{slot_id}: the parts are matched as
-- uuids before any cast, so a malformed name is INVALID_INPUT (never an internal 22P02) and
-- the Broadcast join policy simply refuses it.
create function private.channel_venue_id(p_channel text) returns uuid
language plpgsql immutable
set search_path = ''
as $$
begin
  return (
  select case
    when p_channel ~ ('^availability:' || u.re || ':' || u.re || ':\d{4}-\d{2}-\d{2}:[a-z0-9_]{1,40}$')
      then pg_catalog.split_part(p_channel, ':', 3)::uuid
  end
  from (select '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'::text as re) u);
end;
$$;

comment on function private.channel_venue_id is
  'The venue id of a well-formed availability channel name, else null (never an error).';

grant execute on function private.channel_venue_id(text) to anon;

grant execute on function private.channel_venue_id(text) to authenticated;

grant execute on function private.channel_venue_id(text) to service_role;

-- The API wrapper hands the implementation only well-formed names (a malformed one becomes
-- null, which private.get_availability_events answers with INVALID_INPUT).
create function public.get_availability_events(p_channel text, p_after_version bigint default 0)
returns table (version bigint, payload jsonb)
language sql stable set search_path = ''
as $$
  select * from private.get_availability_events(
    case when private.channel_venue_id(p_channel) is not null then p_channel end, p_after_version)
$$;

comment on function public.get_availability_events is 'Events of a channel after a version, oldest first: replay for a client that saw a gap.';

grant execute on function public.get_availability_events(text, bigint) to anon, authenticated, service_role;

-- A private availability channel (private = true) may be joined by that venue's staff only.
create function private.may_join_staff_channel(p_topic text) returns boolean
language sql stable
security definer
set search_path = ''
as $$
  select coalesce(private.channel_venue_id(p_topic) = any (private.staff_venue_ids('door')), false)
$$;

grant execute on function private.may_join_staff_channel(text) to anon, authenticated, service_role;

create policy "Venue staff can join their venues' availability channels" on realtime.messages
  for select to authenticated
  using (extension = 'broadcast' and (select private.may_join_staff_channel((select realtime.topic()))));

-- Subscribers get the public columns (staff_payload is not granted to API roles).
do $publication$
begin
  if exists (select 1 from pg_catalog.pg_publication where pubname = 'supabase_realtime')
     and not exists (select 1 from pg_catalog.pg_publication_tables
                     where pubname = 'supabase_realtime' and schemaname = 'public' and tablename = 'availability_events') then
    alter publication supabase_realtime add table public.availability_events;
  end if;
end
$publication$;
