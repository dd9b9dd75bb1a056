-- =============================================================================================
-- Blocks: staff take tables out of service, and give them back
-- =============================================================================================

-- AFTER INSERT OR UPDATE OF is_active on table_blocks: the claim follows, and an audit row.
create function private.block_changed() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' and old.is_active is not distinct from new.is_active then
    return null;
  end if;
  if tg_op = 'UPDATE' then
    update public.booking_tables bt set is_active = new.is_active where bt.block_id = new.id;
  end if;
  perform private.write_audit(new.venue_id, 'block', new.id,
    case when tg_op = 'INSERT' then 'table_blocked' else 'table_unblocked' end,
    case when tg_op = 'INSERT' then null else 'blocked' end,
    case when new.is_active then 'blocked' else 'available' end,
    new.reason,
    jsonb_build_object('table_id', new.table_id, 'kind', new.kind, 'period', new.period::text));
  return null;
end;
$$;

create trigger table_blocks_changed
  after insert or update of is_active on public.table_blocks
  for each row execute function private.block_changed();

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
         private.booking_notice(b) || jsonb_build_object('reason', b.status_reason, 'note', b.status_note,
                                                          'waitlisted', true)
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

grant execute on function private.block_tables(uuid, date, uuid[], text, text, text, timestamptz, boolean) to authenticated, service_role;

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

grant execute on function private.unblock_tables(uuid[], text) to authenticated, service_role;

create function public.block_tables(p_venue_id uuid, p_date date, p_table_ids uuid[], p_slot_id text default null,
                                    p_kind text default 'maintenance', p_reason text default null,
                                    p_release_at timestamptz default null, p_force boolean default false)
returns jsonb
language sql set search_path = ''
as $$ select private.block_tables(p_venue_id, p_date, p_table_ids, p_slot_id, p_kind, p_reason, p_release_at, p_force) $$;

comment on function public.block_tables is 'Staff block tables for a slot or a night; p_force (manager, aal2) cancels live bookings.';

grant execute on function public.block_tables(uuid, date, uuid[], text, text, text, timestamptz, boolean) to authenticated, service_role;

create function public.unblock_tables(p_block_ids uuid[], p_reason text default null) returns jsonb
language sql set search_path = ''
as $$ select private.unblock_tables(p_block_ids, p_reason) $$;

comment on function public.unblock_tables is 'Lift staff blocks (host+).';

grant execute on function public.unblock_tables(uuid[], text) to authenticated, service_role;
