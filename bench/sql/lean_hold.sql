-- A measuring probe, never shipped: the benchmark's hold (one table, a slot, a signed-in guest)
-- with the guarantees public.hold_tables keeps, written by the verb itself in as few statements as
-- it takes: the request read once, the locks, one read of the claims (taken, dead, the guest's
-- limits), the booking and its version, the claims and theirs, the notification, the audit row
-- linked in its chain at once (the chain's head row locked until commit keeps commit order), and
-- the versioned events (the slot channels' counters locked until commit) with their public and
-- staff Broadcast rows, then the answer. Installed only in a clone whose booking-path triggers are
-- off but for the row rules (bench/throughput.py, lean_ladder); bench.without (a database setting)
-- names the parts to leave out, for the ladder: broadcast, stored, states (the new states taken as
-- 'held' instead of read from the ledger), events, chain, notifications, history, audit. What the
-- benchmark's requests never reach is left out: idempotency keys, free-text limits, promoter codes,
-- table combinations, walk-ins, a refusal's own path (it calls ours).
create function bench.lean_hold(p_venue_id uuid, p_date date, p_slot_id text, p_table_ids uuid[], p_party_size int)
returns jsonb
language plpgsql
security definer
set search_path = ''
set plan_cache_mode = force_generic_plan
as $$
declare
  v_uid uuid := (select auth.uid());
  v_now timestamptz := private.now();
  v_at text := to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
  v_club uuid; v_ttl interval; v_max_night int; v_max_held int;
  v_period tstzrange;
  v_customer uuid;
  v_role text;
  v_tables uuid[];
  v_min int; v_max int; v_deposit numeric; v_spend numeric;
  v_busy boolean; v_dead boolean; v_night int; v_open int;
  v_booking public.bookings;
  v_head record;
  v_audit public.audit_log;
  v_without text[] := string_to_array(coalesce(current_setting('bench.without', true), ''), ',');
begin
  -- 1. the request, read once: venue, slot range, guest, role, tables
  select v.club_id, v.hold_ttl, v.max_tables_per_customer_night, v.max_held_tables_per_customer,
         private.slot_range(v.id, p_date, p_slot_id), (select c.id from public.customers c where c.user_id = v_uid), private.actor_role(v.id),
         t.ids, t.cap_min, t.cap_max, t.deposit, t.spend
    into v_club, v_ttl, v_max_night, v_max_held, v_period, v_customer, v_role, v_tables, v_min, v_max, v_deposit, v_spend
  from public.venues v
  cross join lateral (select array_agg(t.id order by t.id) as ids, sum(case when t.is_shared then 1 else t.capacity_min end) as cap_min,
                             sum(t.capacity_max) as cap_max, sum(t.deposit) as deposit, sum(t.minimum_spend) as spend
                      from public.venue_tables t where t.venue_id = v.id and t.id = any (p_table_ids) and t.is_active) t
  where v.id = p_venue_id;
  if v_period is null or cardinality(v_tables) <> cardinality(p_table_ids) or p_party_size not between v_min and v_max then
    perform private.raise_error('INVALID_INPUT', 'bad request');
  end if;
  -- 2. the guest's and the tables' locks
  perform private.lock_tables(v_tables, p_date, v_customer);
  -- 3. one read of the claims: taken, dead, and the guest's counts
  select exists (select 1 from public.booking_tables bt
                 where bt.venue_id = p_venue_id and bt.booking_date = p_date and bt.table_id = any (v_tables)
                   and bt.is_exclusive and bt.is_active and coalesce(bt.expires_at > v_now, true) and bt.period && v_period),
         exists (select 1 from public.booking_tables bt
                 where bt.venue_id = p_venue_id and bt.booking_date = p_date and bt.table_id = any (v_tables)
                   and bt.is_active and bt.expires_at <= v_now and bt.period && v_period),
         g.night, g.open
    into v_busy, v_dead, v_night, v_open
  from (select count(*) filter (where b.booking_date = p_date) as night,
               count(*) filter (where b.status in ('held', 'pending_approval')) as open
        from public.bookings b join public.booking_tables bt on bt.booking_id = b.id
        where b.customer_id = v_customer and b.venue_id = p_venue_id
          and (b.booking_date = p_date or (b.status in ('held', 'pending_approval') and upper(b.period) > v_now))
          and bt.is_active and coalesce(bt.expires_at > v_now, true)) g;
  if v_dead then  -- (the bench's runs never meet one)
    perform private.expire_dead_holds(p_venue_id, p_date, v_tables, v_period);
  end if;
  if v_busy then
    perform private.refuse_taken(p_venue_id, p_date, p_slot_id, v_period, p_party_size, true);
  end if;
  if v_night + cardinality(v_tables) > v_max_night
     or v_open + cardinality(v_tables) > v_max_held then
    perform private.raise_error('MAX_TABLES_EXCEEDED', 'limit');
  end if;
  -- 4. the booking and its version
  with b as (
    insert into public.bookings (venue_id, customer_id, reference, status, booking_date, period, party_size,
                                 deposit_total, minimum_spend_total, hold_expires_at, status_reason, created_by)
    values (p_venue_id, v_customer, private.new_reference(p_date), 'held', p_date, v_period, p_party_size,
            v_deposit, v_spend, v_now + v_ttl, 'hold_created', v_uid)
    returning *
  ), h as (
    insert into private.booking_history (booking_id, venue_id, booking_date, valid_from, status, party_size,
                                         customer_id, hold_expires_at, deposit_paid_at, payment_reference, updated_by)
    select b.id, b.venue_id, b.booking_date, v_now, b.status, b.party_size, b.customer_id, b.hold_expires_at,
           b.deposit_paid_at, b.payment_reference, b.updated_by from b where not 'history' = any (v_without)
  )
  select * into v_booking from b;
  -- 5. the claims and their versions
  with c as (
    insert into public.booking_tables (venue_id, table_id, booking_id, booking_date, period, party_size,
                                       is_exclusive, expires_at)
    select p_venue_id, t.id, v_booking.id, p_date, v_period, p_party_size, not t.is_shared, v_booking.hold_expires_at
    from public.venue_tables t where t.venue_id = p_venue_id and t.id = any (v_tables)
    returning *
  )
  insert into private.claim_history (claim_id, venue_id, booking_date, valid_from, table_id, booking_id, block_id,
                                     period, party_size, is_exclusive, is_active, expires_at)
  select c.id, c.venue_id, c.booking_date, v_now, c.table_id, c.booking_id, c.block_id, c.period, c.party_size,
         c.is_exclusive, c.is_active, c.expires_at from c where not 'history' = any (v_without);
  -- 6. the guest's notification
  if not 'notifications' = any (v_without) then
    insert into public.notifications (venue_id, customer_id, kind, payload)
    values (p_venue_id, v_customer, 'booking_held', private.booking_notice(v_booking));
  end if;
  -- 7. the audit row, linked in its chain at once (the chain's head stays locked until commit)
  if not 'audit' = any (v_without) then
    v_audit := row(nextval(pg_get_serial_sequence('public.audit_log', 'id')), p_venue_id, 'booking', v_booking.id,
                   'hold_created', null, 'held', 'hold_created', v_uid, v_role,
                   coalesce(private.request_id(), 'txn:' || pg_current_xact_id()::text),
                   jsonb_build_object('reference', v_booking.reference, 'party_size', p_party_size,
                                      'period', v_period::text, 'hold_expires_at', v_booking.hold_expires_at),
                   now(), p_date, null, null, null, gen_random_uuid());
    if not 'chain' = any (v_without) then
      select h.chain_seq, h.row_hash into v_head from private.audit_chain_heads h
      where h.venue_id = p_venue_id and h.chain = p_date for update;
      v_audit.chain_seq := coalesce(v_head.chain_seq, 0) + 1;
      v_audit.prev_hash := v_head.row_hash;
      v_audit.row_hash := private.audit_row_hash(v_audit);
    end if;
    with a as (
      insert into public.audit_log overriding system value select v_audit.*
    )
    insert into private.audit_chain_heads as h (venue_id, chain, chain_seq, row_hash)
    select p_venue_id, p_date, v_audit.chain_seq, v_audit.row_hash where v_audit.row_hash is not null
    on conflict (venue_id, chain) do update set chain_seq = excluded.chain_seq, row_hash = excluded.row_hash;
  end if;
  -- 8. the events: each slot channel the range touches, its counter (locked until commit), the
  --    tables' states after the hold, the previous event, the events table and Broadcast
  if not 'events' = any (v_without) then
    with ch as (
      select private.channel_name(v_club, p_venue_id, p_date, s.slot_id) as channel, s.slot_id, s.slot_period
      from private.slots_overlapping(p_venue_id, p_date, v_period) s
    ), counter as (
      insert into private.channel_versions as cv (channel, version)
      select ch.channel, cardinality(v_tables) from ch
      on conflict (channel) do update set version = cv.version + excluded.version, updated_at = now()
      returning cv.channel, cv.version
    ), event as (
      select ch.channel, ch.slot_id, st.table_id, c.version - cardinality(v_tables) + row_number() over (partition by ch.channel order by st.table_id) as version,
             st.state as new_state,
             coalesce((select e.staff_payload ->> 'newState' from public.availability_events e
                       where e.channel = ch.channel and e.table_id = st.table_id order by e.version desc limit 1), 'available') as previous_state
      from ch join counter c on c.channel = ch.channel
      cross join lateral (select x.table_id, x.state from private.table_slot_states(p_venue_id, p_date, ch.slot_period, v_tables) x
                          where not 'states' = any (v_without)
                          union all select u, 'held' from unnest(v_tables) u where 'states' = any (v_without)) st
    ), payload as (
      select e.channel, e.slot_id, e.version, e.table_id,
             jsonb_build_object(
               'eventType', 'availability.updated', 'sectionId', e.table_id, 'slotId', e.slot_id, 'date', p_date::text,
               'previousState', private.public_state(e.previous_state), 'newState', private.public_state(e.new_state),
               'reason', 'hold_created', 'updatedAt', v_at, 'version', e.version,
               'event_type', 'availability.updated', 'table_id', e.table_id, 'slot_id', e.slot_id,
               'previous_state', private.public_state(e.previous_state), 'new_state', private.public_state(e.new_state),
               'updated_at', v_at) as public,
             jsonb_build_object(
               'eventType', 'availability.updated', 'sectionId', e.table_id, 'slotId', e.slot_id, 'date', p_date::text,
               'previousState', e.previous_state, 'newState', e.new_state, 'reason', 'hold_created',
               'updatedAt', v_at, 'version', e.version,
               'event_type', 'availability.updated', 'table_id', e.table_id, 'slot_id', e.slot_id,
               'previous_state', e.previous_state, 'new_state', e.new_state, 'updated_at', v_at,
               'actor', jsonb_build_object('id', v_uid, 'role', v_role), 'bookingId', v_booking.id) as staff
      from event e
    ), stored as (
      insert into public.availability_events (channel, venue_id, booking_date, slot_id, version, table_id, payload, staff_payload)
      select p.channel, p_venue_id, p_date, p.slot_id, p.version, p.table_id, p.public, p.staff from payload p
      where not 'stored' = any (v_without)
    )
    insert into realtime.messages (id, topic, extension, payload, event, private)
    select m.id, p.channel, 'broadcast', m.payload || jsonb_build_object('id', m.id), 'availability.updated', m.private
    from payload p
    cross join lateral (values (gen_random_uuid(), p.public, false), (gen_random_uuid(), p.staff, true)) m(id, payload, private)
    where not 'broadcast' = any (v_without)
      and ((select c.relkind from pg_catalog.pg_class c where c.oid = 'realtime.messages'::regclass) = 'r'
           or exists (select 1 from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
                      where n.nspname = 'realtime' and c.relname = 'messages_' || to_char(now()::timestamp, 'YYYY_MM_DD')));
  end if;
  -- 9. the answer
  return private.booking_result(v_booking);
end;
$$;

grant execute on function bench.lean_hold(uuid, date, text, uuid[], int) to authenticated;
