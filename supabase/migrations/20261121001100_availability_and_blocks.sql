-- =====================================================================================
-- The availability snapshot, availability checks, staff blocks and the waitlist
-- =====================================================================================

-- The tables' states in a time range of a night, as the snapshot shows them to staff: for each
-- table, the strongest live exclusive claim (a block first, then checked_in > confirmed >
-- pending_approval > held), else for a split-capacity section 'held' when full, else
-- 'available'. Every table of the venue, or only p_table_ids: one statement for a whole floor
-- (the snapshot) or the tables an event announces.
create function private.table_slot_states(p_venue_id uuid, p_night date, p_period tstzrange,
                                          p_table_ids uuid[] default null)
returns table (table_id uuid, state text, booking_id uuid, block_id uuid, guests int)
language plpgsql stable
rows 16  -- a floor, not the default 1000 rows that would make callers JIT-compile their plans
set search_path = ''
as $$
#variable_conflict use_column
begin
  return query
  select t.id,
         coalesce(top.state, case when t.is_shared and shared.guests >= t.capacity_max then 'held' else 'available' end),
         top.booking_id, top.block_id, coalesce(shared.guests, 0)
  from public.venue_tables t
  left join lateral (
    select case when bt.block_id is not null then 'blocked'
                when bk.status in ('held', 'pending_approval', 'confirmed', 'checked_in') then bk.status::text
                else 'available' end as state,
           bt.booking_id, bt.block_id
    from public.booking_tables bt
    left join public.bookings bk on bk.id = bt.booking_id
    where bt.venue_id = p_venue_id and bt.booking_date = p_night and bt.table_id = t.id and bt.is_active
      and bt.is_exclusive and coalesce(bt.expires_at > (select private.now()), true) and bt.period && p_period
    order by case when bt.block_id is not null then 0 else 1 end,
             array_position(array['checked_in', 'confirmed', 'pending_approval', 'held'], bk.status::text)
    limit 1) top on true
  left join lateral (
    select sum(bt.party_size)::int as guests from public.booking_tables bt
    where t.is_shared and bt.venue_id = p_venue_id and bt.booking_date = p_night and bt.table_id = t.id
      and not bt.is_exclusive and bt.is_active and coalesce(bt.expires_at > (select private.now()), true)
      and bt.period && p_period) shared on true
  -- (a plain condition, so that the one generic plan reads the venue's tables by index)
  where t.venue_id = p_venue_id and (p_table_ids is null or t.id = any (p_table_ids));
end;
$$;
comment on function private.table_slot_states is
  'The tables'' true states in a time range of a night (all tables, or the given ones); the snapshot and the events both read it.';

-- The snapshot of a slot: every table with its state, and the channel's current version,
-- read in one statement (one snapshot) so state and version agree. The public sees
-- available / unavailable / confirmed / blocked; venue staff see the true state, the booking
-- and who changed it, with guest details by role (door: name and party size; host: phone
-- and email too; manager and admin: payments too).
create function private.get_availability(p_venue_id uuid, p_date date, p_slot_id text)
returns jsonb
language plpgsql stable
security definer
set search_path = ''
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
  v_channel := private.channel_name(v_club_id, p_venue_id, p_date, p_slot_id);
  v_rank := case when private.is_trusted() then 4 else private.staff_rank(private.staff_role(p_venue_id)) end;
  -- A slot that has ended, or a night the venue is closed, sells nothing: the public sees every
  -- table unavailable there (staff still see what happened).
  v_bookable := upper(v_period) > private.now() and private.night_range(p_venue_id, p_date) is not null;

  return (
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
        || case when v_rank > 0 and s.state <> 'available' then jsonb_strip_nulls(jsonb_build_object(
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
           else '{}'::jsonb end
        order by t.table_number), '[]'::jsonb))
    from public.venue_tables t
    join public.floors f on f.id = t.floor_id
    join private.table_slot_states(p_venue_id, p_date, v_period) s on s.table_id = t.id
    left join public.bookings b on b.id = s.booking_id
    left join public.customers c on c.id = b.customer_id
    left join public.table_blocks blk on blk.id = s.block_id
    where t.venue_id = p_venue_id and t.is_active);
end;
$$;

-- Is a table free for a local time range of a night (an end before the start means the next
-- morning)? Ignores dead holds and, optionally, one booking (when changing it).
create function private.check_table_availability(p_table_id uuid, p_booking_date date, p_start_time time,
                                                 p_end_time time, p_exclude_booking_id uuid default null)
returns boolean
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_period tstzrange := private.local_period(
    (select t.venue_id from public.venue_tables t where t.id = p_table_id), p_booking_date, p_start_time, p_end_time);
begin
  return not exists (
    select 1 from public.booking_tables bt
    where bt.table_id = p_table_id and bt.booking_date = p_booking_date and bt.is_exclusive
      and bt.is_active and coalesce(bt.expires_at > (select private.now()), true) and bt.period && v_period
      and bt.booking_id is distinct from p_exclude_booking_id);
end;
$$;

-- A night's local start and end times as a range: the start is on the night's date (or the
-- next morning if before opening), an end at or before the start is on the next day.
create function private.local_period(p_venue_id uuid, p_night date, p_start time, p_end time)
returns tstzrange
language plpgsql stable
set search_path = ''
as $$
declare
  v_tz text;
  v_opens time;
  v_start timestamptz;
  v_end timestamptz;
begin
  if p_night is null or p_start is null or p_end is null then
    perform private.raise_error('INVALID_INPUT', 'date, start and end times are required');
  end if;
  select v.timezone, v.opens_at into v_tz, v_opens from public.venues v where v.id = p_venue_id;
  if v_tz is null then
    perform private.raise_error('TABLE_NOT_FOUND', 'unknown venue or table');
  end if;
  v_start := private.local_instant(v_tz, p_night, v_opens, p_start);
  v_end := ((((v_start at time zone v_tz)::date + p_end)
            + case when p_end <= (v_start at time zone v_tz)::time then interval '1 day' else interval '0' end)
           at time zone v_tz);
  return tstzrange(v_start, v_end, '[)');
end;
$$;

-- Staff block tables for a slot (or the whole night when p_slot_id is null). A block over a
-- live booking fails with SECTION_NOT_AVAILABLE unless a manager with aal2 forces it: the
-- bookings are then cancelled with the reason (audited and broadcast by the triggers), and
-- their guests go to the head of the waitlist for that night and are offered what is free.
-- p_release_at lifts the block by itself at that time (VIP tables that open if unsold).
create function private.block_tables(p_venue_id uuid, p_date date, p_table_ids uuid[], p_slot_id text default null,
                                     p_kind text default 'maintenance', p_reason text default null,
                                     p_release_at timestamptz default null, p_force boolean default false)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_period tstzrange;
  v_tables uuid[];
  v_conflicts uuid[];
  v_booking_id uuid;
  v_block_ids uuid[];
  v_entry public.waitlist_entries;
  v_reason text := private.text_arg('reason', p_reason, 500);
begin
  if p_venue_id is null or p_date is null or p_table_ids is null or cardinality(p_table_ids) = 0
     or p_kind is null or p_kind not in ('maintenance', 'vip_override', 'private_event', 'other') then
    perform private.raise_error('INVALID_INPUT', 'venue, date, tables and a kind (maintenance, vip_override, private_event, other) are required');
  end if;
  if not exists (select 1 from public.venues v where v.id = p_venue_id) then
    perform private.raise_error('INVALID_INPUT', 'unknown venue', 'PT404');
  end if;
  perform private.require_staff(p_venue_id, case when coalesce(p_force, false) then 'manager' else 'host' end,
                                coalesce(p_force, false));
  v_period := case when p_slot_id is null then private.night_range(p_venue_id, p_date)
                   else private.slot_range(p_venue_id, p_date, p_slot_id) end;
  if v_period is null then
    if p_slot_id is null then
      perform private.raise_error('OUTSIDE_OPERATING_HOURS', format('the venue is closed on %s', p_date));
    end if;
    perform private.raise_error('INVALID_INPUT', private.unknown_slot(p_venue_id, p_slot_id), 'PT404');
  end if;
  if upper(v_period) <= private.now() then
    perform private.raise_error('DATE_OUT_OF_RANGE', format('%s is in the past', p_date));
  end if;
  v_tables := array(select distinct t from unnest(p_table_ids) t where t is not null order by 1);
  if cardinality(v_tables) <> cardinality(p_table_ids)
     or (select count(*) from public.venue_tables t where t.venue_id = p_venue_id and t.id = any (v_tables)) <> cardinality(v_tables) then
    perform private.raise_error('TABLE_NOT_FOUND', 'one or more tables are not tables of this venue');
  end if;

  perform private.lock_tables(v_tables, p_date);
  perform private.expire_dead_holds(p_venue_id, p_date, v_tables, v_period);
  if exists (select 1 from public.booking_tables bt
             where bt.venue_id = p_venue_id and bt.booking_date = p_date and bt.table_id = any (v_tables)
               and bt.block_id is not null
               and bt.is_active and coalesce(bt.expires_at > (select private.now()), true) and bt.period && v_period) then
    perform private.raise_error('SECTION_NOT_AVAILABLE', jsonb_build_object('reason', 'already_blocked')::text);
  end if;
  v_conflicts := array(select distinct bt.booking_id from public.booking_tables bt
                       where bt.venue_id = p_venue_id and bt.booking_date = p_date and bt.table_id = any (v_tables)
                         and bt.booking_id is not null
                         and bt.is_active and coalesce(bt.expires_at > (select private.now()), true) and bt.period && v_period);
  if cardinality(v_conflicts) > 0 and not coalesce(p_force, false) then
    perform private.raise_error('SECTION_NOT_AVAILABLE',
      jsonb_build_object('reason', 'live_bookings', 'booking_ids', to_jsonb(v_conflicts))::text);
  end if;
  -- Freed tables are about to be blocked: no waitlist offers for them meanwhile (a flag of
  -- this transaction that only our code can set, private.transaction_flags).
  perform private.set_transaction_flag('offers_paused', true);
  foreach v_booking_id in array v_conflicts loop
    update public.bookings b set status = 'cancelled', status_reason = 'forced_block',
           status_note = coalesce(v_reason, p_kind)
    where b.id = v_booking_id;
  end loop;
  -- The displaced guests go to the head of that night's waitlist, and are told.
  for v_entry in
    insert into public.waitlist_entries (venue_id, customer_id, booking_date, slot_id, party_size, occasion, priority_score)
    select b.venue_id, b.customer_id, b.booking_date, s.slot_id, b.party_size,
           case when b.occasion = any (private.occasion_codes()) then b.occasion end, 1000
    from public.bookings b
    cross join lateral private.slots_overlapping(b.venue_id, b.booking_date, b.period) s
    where b.id = any (v_conflicts)
    returning *
  loop
    perform private.write_audit(v_entry.venue_id, 'waitlist', v_entry.id, 'waitlist_joined', null, 'waiting',
                                'forced_block', jsonb_build_object('priority_score', v_entry.priority_score));
  end loop;
  insert into public.notifications (venue_id, customer_id, kind, payload)
  select b.venue_id, b.customer_id, 'booking_cancelled_by_venue',
         jsonb_build_object('booking_id', b.id, 'reference', b.reference, 'reason', b.status_reason,
                            'note', b.status_note, 'waitlisted', true)
  from public.bookings b where b.id = any (v_conflicts);

  with inserted as (
    insert into public.table_blocks (venue_id, table_id, booking_date, period, kind, reason, release_at, created_by)
    select p_venue_id, t, p_date, v_period, p_kind, v_reason, p_release_at, (select auth.uid())
    from unnest(v_tables) t
    returning id, table_id
  ), claims as (
    insert into public.booking_tables (venue_id, table_id, block_id, booking_date, period, expires_at)
    select p_venue_id, i.table_id, i.id, p_date, v_period, p_release_at from inserted i
    returning block_id
  )
  select array_agg(c.block_id) into v_block_ids from claims c;
  -- At commit the cancellations and the new entries offer what is still free (waitlist offers).
  perform private.set_transaction_flag('offers_paused', false);

  return jsonb_build_object('block_ids', to_jsonb(v_block_ids), 'cancelled_booking_ids', to_jsonb(v_conflicts),
                            'starts_at', lower(v_period), 'ends_at', upper(v_period));
end;
$$;

-- Lift blocks (host+ at each block's venue). Already lifted blocks are left as they are.
-- The blocks are locked in id order (a key no update changes): ordered by table alone, two
-- blocks of one table came in the heap's order, which a moved row changes, and two unblocks of
-- the same blocks could lock them in opposite orders and deadlock.
create function private.unblock_tables(p_block_ids uuid[], p_reason text default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_block record;
  v_lifted uuid[] := '{}'::uuid[];
  v_reason text := private.text_arg('reason', p_reason, 500);
begin
  if p_block_ids is null or cardinality(p_block_ids) = 0 then
    perform private.raise_error('INVALID_INPUT', 'block ids are required');
  end if;
  for v_block in
    select blk.* from public.table_blocks blk where blk.id = any (p_block_ids) order by blk.id for update
  loop
    perform private.require_staff(v_block.venue_id, 'host');
    if v_block.is_active then
      update public.table_blocks blk
         set is_active = false, released_at = private.now(), reason = coalesce(v_reason, blk.reason)
       where blk.id = v_block.id;
      v_lifted := v_lifted || v_block.id;
    end if;
  end loop;
  if (select count(*) from public.table_blocks blk where blk.id = any (p_block_ids)) <> cardinality(p_block_ids) then
    perform private.raise_error('INVALID_INPUT', 'unknown block', 'PT404');
  end if;
  return jsonb_build_object('unblocked_ids', to_jsonb(v_lifted));
end;
$$;
