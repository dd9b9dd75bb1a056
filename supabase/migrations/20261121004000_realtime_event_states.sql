-- =====================================================================================
-- Realtime events that carry the committed state
-- =====================================================================================
-- Replaces event functions of 20261121000700 (create or replace, same
-- signatures). Why: an event used to announce the transition's old and new state, but a
-- table's state in a slot is what the claim ledger says after the commit, and the two differ
-- when a slot holds several claims on one table (bookings by time range), when one
-- transaction changes a table twice (a forced block cancels the booking under it; a
-- cancellation hands the table to the waitlist; a new hold lazily expires a dead one), or for
-- split-capacity sections. Now each event reads the table's state in the slot after it has
-- taken the channel's version (so every commit before it on that channel is visible), and
-- previousState is what the channel's previous event for that table announced. Every
-- transition still writes its own event, with its own reason. Replaying a channel's events
-- over a snapshot therefore gives exactly the snapshot a fresh read returns, and each
-- table's events form an unbroken chain.

-- ---------- events ----------

-- Finds a table's previous event on a channel (the newest one) quickly.
create index availability_events_channel_table_idx on public.availability_events (channel, table_id, version);

-- Emit one availability.updated event per slot channel that a table's changed range touches.
-- Order matters: the channel's version first (its row lock queues later writers of the
-- channel until this transaction commits), then the state, read after every earlier commit
-- on the channel. p_reason says why; the actor is the caller.
create function private.emit_slot_events(p_venue_id uuid, p_table_id uuid, p_night date, p_period tstzrange,
                                         p_reason text)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_club_id uuid;
  v_slot record;
  v_channel text;
  v_version bigint;
  v_previous text;
  v_new text;
  v_public jsonb;
  v_staff jsonb;
  v_at text := to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
  v_actor jsonb := jsonb_build_object('actor', jsonb_build_object('id', (select auth.uid()),
                                                                  'role', private.actor_role(p_venue_id)));
begin
  -- One committer at a time per venue and night takes that night's channel counters: a
  -- transaction touching two channels (a forced block, an unblock across both slots) would
  -- otherwise lock them in the order its rows changed and could deadlock with another.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('events:' || p_venue_id::text),
                                           private.night_key(p_night));
  select v.club_id into v_club_id from public.venues v where v.id = p_venue_id;
  for v_slot in select * from private.slots_overlapping(p_venue_id, p_night, p_period) loop
    v_channel := private.channel_name(v_club_id, p_venue_id, p_night, v_slot.slot_id);
    insert into private.channel_versions as cv (channel, version)
    values (v_channel, 1)
    on conflict (channel) do update set version = cv.version + 1, updated_at = now()
    returning cv.version into v_version;
    select e.staff_payload ->> 'newState' into v_previous
    from public.availability_events e
    where e.channel = v_channel and e.table_id = p_table_id
    order by e.version desc limit 1;
    select s.state into v_new
    from private.table_slot_state(p_venue_id, p_table_id, p_night, v_slot.slot_period) s;
    v_previous := coalesce(v_previous, 'available');
    v_public := jsonb_build_object(
      'eventType', 'availability.updated',
      'sectionId', p_table_id,
      'slotId', v_slot.slot_id,
      'date', to_char(p_night, 'YYYY-MM-DD'),
      'previousState', private.public_state(v_previous),
      'newState', private.public_state(v_new),
      'reason', p_reason,
      'updatedAt', v_at,
      'version', v_version);
    v_staff := v_public || jsonb_build_object('previousState', v_previous, 'newState', v_new) || v_actor;
    insert into public.availability_events
      (channel, venue_id, booking_date, slot_id, version, table_id, payload, staff_payload)
    values (v_channel, p_venue_id, p_night, v_slot.slot_id, v_version, p_table_id, v_public, v_staff);
    perform realtime.send(v_public, 'availability.updated', v_channel, false);
    perform realtime.send(v_staff, 'availability.updated', v_channel, true);
  end loop;
end;
$$;
comment on function private.emit_slot_events is
  'Writes the availability.updated events (table, Broadcast public + staff) of a table''s changed range; call at commit.';

-- The old entry point keeps its signature for callers written against it; the states it was
-- given are ignored because the ledger is the truth.
create or replace function private.emit_table_event(
  p_venue_id uuid, p_table_id uuid, p_night date, p_period tstzrange,
  p_previous text, p_new text, p_reason text)
returns void
language sql
security definer
set search_path = ''
as $$ select private.emit_slot_events(p_venue_id, p_table_id, p_night, p_period, p_reason) $$;

-- Deferred claim trigger. A new claim's reason is its booking's status_reason while the booking
-- is held: the hook for holds made for a reason other than a guest's request (a waitlist offer
-- sets status_reason = 'waitlist_offer' on the held booking it creates, and its event says so).
create or replace function private.claim_changed_event() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' and new.is_active then
    perform private.emit_slot_events(new.venue_id, new.table_id, new.booking_date, new.period,
      case when new.block_id is not null then 'table_blocked'
           else coalesce((select b.status_reason from public.bookings b
                          where b.id = new.booking_id and b.status = 'held'), 'hold_created') end);
  elsif tg_op = 'UPDATE' and new.block_id is not null and old.is_active and not new.is_active then
    perform private.emit_slot_events(new.venue_id, new.table_id, new.booking_date, new.period, 'table_unblocked');
  end if;
  return null;
end;
$$;

-- Deferred status trigger: every table of the booking, with the booking's status_reason.
create or replace function private.booking_status_event() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_claim record;
begin
  for v_claim in
    select bt.table_id, bt.period from public.booking_tables bt
    where bt.booking_id = new.id order by bt.table_id
  loop
    perform private.emit_slot_events(new.venue_id, v_claim.table_id, new.booking_date, v_claim.period,
      coalesce(new.status_reason, 'booking_' || new.status));
  end loop;
  return null;
end;
$$;

revoke execute on all functions in schema public, private from public;
