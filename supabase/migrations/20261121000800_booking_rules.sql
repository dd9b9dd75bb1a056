-- =====================================================================================
-- Booking rules: the state machine, validation, claims kept in step, audit rows
-- =====================================================================================

-- The booking state machine: may a booking move from p_from to p_to?
create function private.is_valid_transition(p_from text, p_to text) returns boolean
language plpgsql immutable
set search_path = ''
as $$
begin
  return (p_from, p_to) in (
      ('held', 'pending_approval'), ('held', 'confirmed'), ('held', 'expired'), ('held', 'cancelled'),
      ('pending_approval', 'confirmed'), ('pending_approval', 'rejected'), ('pending_approval', 'cancelled'),
      ('confirmed', 'checked_in'), ('confirmed', 'no_show'), ('confirmed', 'cancelled'));
end;
$$;

-- A status change on any path (an RPC, Studio, plain SQL): the state machine, a reason, and the
-- deposit and approval rules. The RPCs set status_reason to a code of private.reason_codes
-- (and any free text in status_note). By hand, the reason is either free text in status_reason
-- (kept as the note, the code becomes manual_change) or, leaving status_reason alone, the
-- transaction-local setting clubbooking.reason (Studio: `select set_config('clubbooking.reason',
-- 'why', true);` in the same transaction); without one the change is refused. Table-holding
-- statuses beyond held need the deposit paid, and held -> confirmed a venue that auto-confirms.
create function private.check_status_change(p_old public.bookings, p_new inout public.bookings)
language plpgsql
set search_path = ''
as $$
declare
  v_note text := nullif(trim(current_setting('clubbooking.reason', true)), '');
begin
  if not private.is_valid_transition(p_old.status::text, p_new.status::text) then
    perform private.raise_error('INVALID_TRANSITION', format('a %s booking cannot become %s', p_old.status, p_new.status));
  end if;
  if p_new.status_reason is not distinct from p_old.status_reason then
    if v_note is null then
      perform private.raise_error('INVALID_INPUT',
        'a status change needs a reason: set status_reason, or clubbooking.reason in the same transaction');
    end if;
    p_new.status_reason := 'manual_change';
    p_new.status_note := left(v_note, 500);
  elsif p_new.status_reason is null or not p_new.status_reason = any (private.reason_codes()) then
    p_new.status_note := left(coalesce(p_new.status_reason, v_note), 500);
    p_new.status_reason := 'manual_change';
  end if;
  if p_new.status in ('pending_approval', 'confirmed') and p_new.deposit_total > 0 and p_new.deposit_paid_at is null then
    perform private.raise_error('INVALID_TRANSITION',
      format('a deposit of %s is due: only a payment that arrived (or one staff took) pays it', p_new.deposit_total));
  end if;
  if p_old.status = 'held' and p_new.status = 'confirmed'
     and (select v.requires_approval from public.venues v where v.id = p_new.venue_id) then
    perform private.raise_error('INVALID_TRANSITION', 'this venue approves requests: submit it, then approve it');
  end if;
end;
$$;

-- BEFORE INSERT OR UPDATE on bookings, for every path (RPC, Studio, plain SQL): the night is
-- neither past nor beyond the horizon, the party is 1-50 (and, changed later, fits the
-- tables), the range is inside opening hours, the guest is old enough, status changes follow
-- private.check_status_change, a booking never moves to another venue, night or time (its
-- claims are that), and a deposit is marked paid only by the payment functions. Raises
-- contract codes.
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
  v_capacity record;
begin
  new.updated_at := now();
  new.updated_by := (select auth.uid());
  if (case when tg_op = 'INSERT' then num_nonnulls(new.deposit_paid_at, new.payment_reference, new.payment_method) > 0
           else (new.deposit_paid_at, new.payment_reference, new.payment_method)
                is distinct from (old.deposit_paid_at, old.payment_reference, old.payment_method) end)
     and not private.has_transaction_flag('deposit_payment') then
    perform private.raise_error('NOT_AUTHORIZED',
      'a deposit is paid by the payment webhook, or recorded by staff with record_payment');
  end if;
  if tg_op = 'UPDATE' then
    if (new.venue_id, new.booking_date, new.period) is distinct from (old.venue_id, old.booking_date, old.period) then
      perform private.raise_error('INVALID_TRANSITION', 'a booking keeps its venue, night and time: cancel it and book again');
    end if;
    if new.status is distinct from old.status then
      new := private.check_status_change(old, new);
    end if;
    if new.party_size is distinct from old.party_size and new.party_size between 1 and 50
       and not private.has_transaction_flag('capacity_override') then
      select * into v_capacity from private.tables_capacity(new.venue_id,
        array(select bt.table_id from public.booking_tables bt where bt.booking_id = new.id));
      if not new.party_size between v_capacity.capacity_min and v_capacity.capacity_max then
        perform private.raise_error('CAPACITY_MISMATCH', jsonb_build_object(
          'party_size', new.party_size, 'capacity_min', v_capacity.capacity_min,
          'capacity_max', v_capacity.capacity_max)::text);
      end if;
    end if;
    if (new.party_size, new.customer_id) is not distinct from (old.party_size, old.customer_id) then
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

-- AFTER INSERT OR UPDATE OF status, hold_expires_at, party_size on bookings: claims follow
-- the booking (active while its status holds the tables, expiring with the hold, seating its
-- party), and one audit row per transition (the note when there is one, else the code).
create function private.booking_status_changed() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' then
    update public.booking_tables bt
       set is_active = private.table_state(new.status) <> 'available',
           expires_at = case when new.status = 'held' then new.hold_expires_at end,
           party_size = new.party_size
     where bt.booking_id = new.id
       and (bt.is_active, bt.expires_at, bt.party_size)
           is distinct from (private.table_state(new.status) <> 'available',
                             case when new.status = 'held' then new.hold_expires_at end, new.party_size);
    if old.status is not distinct from new.status then
      return null;
    end if;
  end if;
  perform private.write_audit(new.venue_id, 'booking', new.id,
    case when tg_op = 'INSERT' then 'hold_created' else 'status_changed' end,
    case when tg_op = 'INSERT' then null else old.status::text end, new.status::text,
    coalesce(new.status_note, new.status_reason),
    case when tg_op = 'INSERT'
         then jsonb_build_object('reference', new.reference, 'party_size', new.party_size,
                                 'period', new.period::text, 'hold_expires_at', new.hold_expires_at)
         else '{}'::jsonb end);
  return null;
end;
$$;

create trigger bookings_status_changed
  after insert or update of status, hold_expires_at, party_size on public.bookings
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

-- BEFORE INSERT OR UPDATE on booking_tables, for every role (service_role and Studio too): a
-- claim is active exactly while its booking's status holds the table (or its block is
-- active), and a hold's claim expires with the hold. The triggers above keep claims in step;
-- a claim written by hand that disagrees is refused, so nobody can free a live booking's
-- table (and sell it twice) or make a cancelled one block it.
create function private.claim_follows_owner() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_active boolean;
  v_expires timestamptz;
begin
  if new.booking_id is not null then
    select private.table_state(b.status) <> 'available', case when b.status = 'held' then b.hold_expires_at end
      into v_active, v_expires
    from public.bookings b where b.id = new.booking_id;
  else
    select blk.is_active, new.expires_at into v_active, v_expires from public.table_blocks blk where blk.id = new.block_id;
  end if;
  if (new.is_active, new.expires_at) is distinct from (v_active, v_expires) then
    perform private.raise_error('INVALID_TRANSITION', format(
      'a claim is active exactly while its booking holds the table (or its block stands): expected active %s, expiring %s',
      v_active, coalesce(v_expires::text, 'never')));
  end if;
  return new;
end;
$$;

create trigger booking_tables_follow_owner
  before insert or update on public.booking_tables
  for each row execute function private.claim_follows_owner();

-- Claims are never deleted, by anyone: a booking or block gives its tables back through its
-- status (audited, and announced to every client). Deleting one silently would free a table
-- that every client still shows as taken.
create function private.refuse_claim_delete() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception using message = 'NOT_AUTHORIZED',
    detail = 'claims are not deleted: cancel the booking or lift the block', errcode = 'PT403';
end;
$$;

create trigger booking_tables_never_deleted
  before delete on public.booking_tables
  for each row execute function private.refuse_claim_delete();

create trigger booking_tables_never_truncated
  before truncate on public.booking_tables
  for each statement execute function private.refuse_claim_delete();
