-- =====================================================================================
-- Booking rules: the state machine, validation, claims kept in step, audit rows
-- =====================================================================================

-- The booking state machine: may a booking move from p_from to p_to?
create function private.is_valid_transition(p_from text, p_to text) returns boolean
language sql immutable
set search_path = ''
as $$
  select (p_from, p_to) in (
    ('held', 'pending_approval'), ('held', 'confirmed'), ('held', 'expired'), ('held', 'cancelled'),
    ('pending_approval', 'confirmed'), ('pending_approval', 'rejected'), ('pending_approval', 'cancelled'),
    ('confirmed', 'checked_in'), ('confirmed', 'no_show'), ('confirmed', 'cancelled'))
$$;

-- BEFORE INSERT OR UPDATE on bookings, for every path (RPC, Studio, plain SQL): the night is
-- neither past nor beyond the horizon, the party is 1-50, the range is inside opening hours,
-- the guest is old enough, and status changes follow the state machine. Raises contract codes.
create function private.validate_booking_constraints() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_venue public.venues;
  v_now timestamptz := private.now();
  v_today date;
  v_dob date;
  v_night tstzrange;
begin
  new.updated_at := now();
  new.updated_by := (select auth.uid());
  if tg_op = 'UPDATE' then
    if new.status is distinct from old.status and not private.is_valid_transition(old.status::text, new.status::text) then
      perform private.raise_error('INVALID_TRANSITION', format('a %s booking cannot become %s', old.status, new.status));
    end if;
    if (new.period, new.booking_date, new.party_size, new.customer_id, new.venue_id)
       is not distinct from (old.period, old.booking_date, old.party_size, old.customer_id, old.venue_id) then
      return new;
    end if;
  end if;

  select * into v_venue from public.venues v where v.id = new.venue_id;
  if new.party_size is null or new.party_size not between 1 and 50 then
    perform private.raise_error('INVALID_PARTY_SIZE', format('party size must be 1-50, got %s', coalesce(new.party_size::text, 'none')));
  end if;
  if new.period is null or isempty(new.period) or lower(new.period) is null or upper(new.period) is null then
    perform private.raise_error('INVALID_INPUT', 'the end must be after the start');
  end if;
  v_today := (v_now at time zone v_venue.timezone)::date;
  if upper(new.period) <= v_now or new.booking_date < v_today - 1 then
    perform private.raise_error('DATE_OUT_OF_RANGE', format('%s is in the past', new.booking_date));
  end if;
  if new.booking_date > (v_today + v_venue.booking_horizon)::date then
    perform private.raise_error('DATE_OUT_OF_RANGE',
      format('bookings open %s ahead; %s is too far', private.interval_text(v_venue.booking_horizon), new.booking_date));
  end if;
  v_night := private.night_range(new.venue_id, new.booking_date);
  if v_night is null or not v_night @> new.period then
    perform private.raise_error('OUTSIDE_OPERATING_HOURS', case
      when v_night is null then format('the venue is closed on %s nights; it opens on %s nights', to_char(new.booking_date, 'FMDay'),
        (select string_agg(to_char(date '2024-01-01' + d - 1, 'FMDay'), ', ' order by d) from unnest(v_venue.open_days) d))
      else format('the venue is open %s-%s (%s) that night', to_char(v_venue.opens_at, 'HH24:MI'),
                  to_char(v_venue.closes_at, 'HH24:MI'), v_venue.timezone) end);
  end if;
  select c.date_of_birth into v_dob from public.customers c where c.id = new.customer_id;
  if v_dob is not null and v_dob > new.booking_date - make_interval(years => v_venue.min_age) then
    perform private.raise_error('UNDERAGE', format('guests must be %s or over on the night', v_venue.min_age));
  end if;
  return new;
end;
$$;

create trigger trigger_validate_booking_constraints
  before insert or update on public.bookings
  for each row execute function private.validate_booking_constraints();

-- AFTER INSERT OR UPDATE OF status on bookings: claims follow the status (active while the
-- booking holds its tables, expiring with the hold), and one audit row per transition.
create function private.booking_status_changed() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' and old.status is not distinct from new.status then
    return null;
  end if;
  if tg_op = 'UPDATE' then
    update public.booking_tables bt
       set is_active = private.table_state(new.status) <> 'available',
           expires_at = case when new.status = 'held' then new.hold_expires_at end
     where bt.booking_id = new.id;
  end if;
  perform private.write_audit(new.venue_id, 'booking', new.id,
    case when tg_op = 'INSERT' then 'hold_created' else 'status_changed' end,
    case when tg_op = 'INSERT' then null else old.status::text end, new.status::text,
    new.status_reason,
    case when tg_op = 'INSERT'
         then jsonb_build_object('reference', new.reference, 'party_size', new.party_size,
                                 'period', new.period::text, 'hold_expires_at', new.hold_expires_at)
         else '{}'::jsonb end);
  return null;
end;
$$;

create trigger bookings_status_changed
  after insert or update of status on public.bookings
  for each row execute function private.booking_status_changed();

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
