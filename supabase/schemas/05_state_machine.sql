-- =============================================================================================
-- State machine: statuses, reasons, and the claims that follow a booking
-- =============================================================================================
-- Which status may follow which, the reason codes, a booking row's validation, and how a
-- booking's claims follow its status (a dead booking frees its tables at once).

-- The booking state machine: may a booking move from p_from to p_to?
create function private.is_valid_transition(p_from text, p_to text) returns boolean
language plpgsql immutable
set search_path = ''
as $$
begin
  return (p_from, p_to) in (
      ('held', 'pending_approval'), ('held', 'confirmed'), ('held', 'expired'), ('held', 'cancelled'),
      ('pending_approval', 'confirmed'), ('pending_approval', 'rejected'), ('pending_approval', 'cancelled'),
      ('pending_approval', 'expired'),
      ('confirmed', 'checked_in'), ('confirmed', 'no_show'), ('confirmed', 'cancelled'),
      -- undone at the door, within the venue's undo window (private.check_status_change)
      ('checked_in', 'confirmed'), ('no_show', 'confirmed'));
end;
$$;

-- The deposit and the minimum spend a booking's live claims' tables ask (0 without claims).
create function private.tables_terms(p_booking_id uuid, out deposit numeric, out minimum_spend numeric)
language plpgsql stable set search_path = ''
as $$
begin
  select coalesce(sum(t.deposit), 0), coalesce(sum(t.minimum_spend), 0) into deposit, minimum_spend
  from public.booking_tables bt join public.venue_tables t on t.id = bt.table_id
  where bt.booking_id = p_booking_id and bt.is_active;
end;
$$;

-- Hand edits of a live booking's terms (held, pending, confirmed, checked in): its deposit and
-- minimum spend are what its tables ask, so a change to them must give exactly that (the RPCs
-- that move a booking's tables recompute them; a paid deposit is never lowered below what was
-- paid); each change of money or party size is audited with the old and new values.
create function private.check_terms_change(p_old public.bookings, p_new public.bookings) returns void
language plpgsql
set search_path = ''
as $$
declare
  v_terms record;
begin
  if (p_new.deposit_total, p_new.minimum_spend_total) is distinct from (p_old.deposit_total, p_old.minimum_spend_total)
     and p_old.status in ('held', 'pending_approval', 'confirmed', 'checked_in') then
    v_terms := private.tables_terms(p_new.id);
    if (p_new.deposit_total, p_new.minimum_spend_total) is distinct from (v_terms.deposit, v_terms.minimum_spend) then
      perform private.raise_error('INVALID_TRANSITION', format(
        'a booking''s deposit and minimum spend are what its tables ask (%s and %s): change its tables, not the amounts',
        v_terms.deposit, v_terms.minimum_spend));
    end if;
    if p_new.deposit_paid_at is not null and p_new.deposit_total < p_old.deposit_total then
      perform private.raise_error('INVALID_TRANSITION', 'a paid deposit is refunded (refund_deposit), not lowered');
    end if;
    perform private.write_audit(p_new.venue_id, 'booking', p_new.id, 'terms_changed', p_old.status::text, p_new.status::text,
      nullif(trim(current_setting('clubbooking.reason', true)), ''),
      jsonb_build_object('deposit', jsonb_build_array(p_old.deposit_total, p_new.deposit_total),
                         'minimum_spend', jsonb_build_array(p_old.minimum_spend_total, p_new.minimum_spend_total)));
  end if;
  if p_new.party_size is distinct from p_old.party_size and not private.has_transaction_flag('capacity_override') then
    perform private.write_audit(p_new.venue_id, 'booking', p_new.id, 'party_changed', p_old.status::text, p_new.status::text,
      nullif(trim(current_setting('clubbooking.reason', true)), ''),
      jsonb_build_object('party_size', jsonb_build_array(p_old.party_size, p_new.party_size)));
  end if;
end;
$$;

-- A status change on any path (an RPC, Studio, plain SQL): the state machine, a reason, and the
-- deposit and approval rules. The RPCs set status_reason to a code of private.reason_codes
-- (and any free text in status_note). By hand, the reason is either free text in status_reason
-- (kept as the note, the code becomes manual_change) or, leaving status_reason alone, the
-- transaction-local setting clubbooking.reason (Studio: `select set_config('clubbooking.reason',
-- 'why', true);` in the same transaction); without one the change is refused. Table-holding
-- statuses beyond held need the deposit paid (the booking's deposit_total, and never less than
-- its tables ask), and held -> confirmed a venue that auto-confirms.
-- A check-in or no-show goes back to confirmed only within the venue's undo window. Every
-- change stamps when and by whom; a request gets its deadline (the venue's approval_ttl, never
-- past its start, or its end for a request made once it started), and a check-in's arrivals
-- are the party unless given.
create function private.check_status_change(p_old public.bookings, p_new inout public.bookings)
language plpgsql
set search_path = ''
as $$
declare
  v_note text := nullif(trim(current_setting('clubbooking.reason', true)), '');
  v_now timestamptz := private.now();
  v_venue public.venues;
begin
  if not private.is_valid_transition(p_old.status::text, p_new.status::text) then
    perform private.raise_error('INVALID_TRANSITION', format('a %s booking cannot become %s', p_old.status, p_new.status));
  end if;
  -- the venue's rules, read for the transitions they govern (not for an expiry or a cancellation)
  if p_old.status in ('checked_in', 'no_show') or p_new.status in ('pending_approval', 'confirmed') then
    select * into v_venue from public.venues v where v.id = p_new.venue_id;
  end if;
  if p_old.status in ('checked_in', 'no_show') and v_now > p_old.status_changed_at + v_venue.undo_window then
    perform private.raise_error('INVALID_TRANSITION', format('a %s can be undone for %s; it was recorded at %s',
      replace(p_old.status::text, '_', '-'), private.interval_text(v_venue.undo_window),
      private.local_text(p_old.venue_id, p_old.status_changed_at)));
  end if;
  p_new.status_changed_at := v_now;
  p_new.status_changed_by := auth.uid();  -- (a simple expression: no executor run per row)
  -- (a request made once its time has started waits as long, never past its end)
  p_new.approval_expires_at := case when p_new.status = 'pending_approval'
                                    then least(v_now + v_venue.approval_ttl,
                                               case when v_now < lower(p_new.period) then lower(p_new.period)
                                                    else upper(p_new.period) end) end;
  p_new.arrived_count := case when p_new.status = 'checked_in' then coalesce(p_new.arrived_count, p_new.party_size) end;
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
  if p_new.status in ('pending_approval', 'confirmed') and p_new.deposit_paid_at is null
     and greatest(p_new.deposit_total, (private.tables_terms(p_new.id)).deposit) > 0 then
    perform private.raise_error('INVALID_TRANSITION',
      format('a deposit of %s is due: only a payment that arrived (or one staff took) pays it',
             greatest(p_new.deposit_total, (private.tables_terms(p_new.id)).deposit)));
  end if;
  if p_old.status = 'held' and p_new.status = 'confirmed' and v_venue.requires_approval then
    perform private.raise_error('INVALID_TRANSITION', 'this venue approves requests: submit it, then approve it');
  end if;
end;
$$;

-- BEFORE INSERT OR UPDATE on bookings, for every path (RPC, Studio, plain SQL): the night is
-- neither past nor beyond the horizon, the party is 1-50 (and, changed later, fits the
-- tables), the range is inside opening hours, the guest is old enough, status changes follow
-- private.check_status_change (an INSERT in a later status than held as if it got there from a
-- hold: deposit paid, approval where the venue needs it, a reason; a walk-in seated by
-- private.seat_walk_in, its walk_in flag set, is checked there), money and party size follow
-- private.check_terms_change (but for private.modify_booking and private.seat_walk_in, which
-- set their terms from the tables and audit them), a booking never moves to another venue or
-- night, nor to another time except through private.modify_booking (its booking_change flag:
-- the claims move with it), and a deposit is marked paid only by the payment functions.
-- Raises contract codes.
create function private.validate_booking_constraints() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_venue public.venues;
  v_now timestamptz;  -- read where it is used: an update that changes no time, party or guest never does
  v_today date;
  v_dob date;
  v_night tstzrange;
  v_capacity record;
  v_from public.bookings;
begin
  new.updated_at := now();
  new.updated_by := auth.uid();  -- (a simple expression: no executor run per row)
  if tg_op = 'INSERT' then
    v_now := private.now();
    new.status_changed_at := v_now;
    new.status_changed_by := new.updated_by;
    new.arrived_count := case when new.status = 'checked_in' then coalesce(new.arrived_count, new.party_size) end;
  end if;
  if (case when tg_op = 'INSERT' then num_nonnulls(new.deposit_paid_at, new.payment_reference, new.payment_method) > 0
           else (new.deposit_paid_at, new.payment_reference, new.payment_method)
                is distinct from (old.deposit_paid_at, old.payment_reference, old.payment_method) end)
     and not private.has_transaction_flag('deposit_payment') then
    perform private.raise_error('NOT_AUTHORIZED',
      'a deposit is paid by the payment webhook, or recorded by staff with record_payment');
  end if;
  if tg_op = 'INSERT' and new.status is distinct from 'held'
     and not (new.status = 'checked_in' and private.has_transaction_flag('walk_in')) then
    -- a booking written in a later status passes the rules of getting there from a hold
    v_from := new;
    v_from.status := 'held';
    v_from.status_reason := null;
    new := private.check_status_change(v_from, new);
  end if;
  if tg_op = 'UPDATE' then
    -- (the flags are read only when money or party size changed: what check_terms_change checks)
    if (new.deposit_total, new.minimum_spend_total, new.party_size)
         is distinct from (old.deposit_total, old.minimum_spend_total, old.party_size)
       and not private.has_transaction_flag('booking_change') and not private.has_transaction_flag('walk_in') then
      perform private.check_terms_change(old, new);
    end if;
    if (new.venue_id, new.booking_date) is distinct from (old.venue_id, old.booking_date)
       or (new.period is distinct from old.period and not private.has_transaction_flag('booking_change')) then
      perform private.raise_error('INVALID_TRANSITION', 'a booking keeps its venue, night and time: change it with modify_booking');
    end if;
    if new.status is distinct from old.status then
      new := private.check_status_change(old, new);
    end if;
    if new.party_size is distinct from old.party_size and new.party_size between 1 and 50
       and not private.has_transaction_flag('capacity_override') then
      select * into v_capacity from private.tables_capacity(new.venue_id,
        array(select bt.table_id from public.booking_tables bt where bt.booking_id = new.id and bt.released_at is null));
      if not new.party_size between v_capacity.capacity_min and v_capacity.capacity_max then
        perform private.raise_error('CAPACITY_MISMATCH', jsonb_build_object(
          'party_size', new.party_size, 'capacity_min', v_capacity.capacity_min,
          'capacity_max', v_capacity.capacity_max)::text);
      end if;
    end if;
    if (new.party_size, new.customer_id, new.period) is not distinct from (old.party_size, old.customer_id, old.period) then
      return new;
    end if;
    v_now := private.now();
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

-- When a booking's claims die by themselves: a hold's expiry, a request's deadline, else never.
-- (plpgsql: a SQL function with a SET clause is planned again on every call, and the claims'
-- triggers call it once per row of a sweep)
create function private.claim_expiry(p_booking public.bookings) returns timestamptz
language plpgsql immutable
set search_path = ''
as $$
begin
  return case p_booking.status when 'held' then p_booking.hold_expires_at
                               when 'pending_approval' then p_booking.approval_expires_at end;
end;
$$;

comment on function private.claim_expiry is 'The instant a booking''s claims die unless it moves on: its hold''s expiry or its request''s deadline.';

-- AFTER STATEMENT on bookings (update): the claims of the bookings the statement changed follow
-- them (active while the status holds the tables, expiring with the hold or the request,
-- seating the party), in one update; claims a booking let go (released_at) stay let go. It
-- runs first of the statement triggers (11_booking_triggers.sql): the events of the same
-- statement (under SET CONSTRAINTS ALL IMMEDIATE, emitted by the next trigger) read the claims.
-- A statement's plan is made at a session's first call and kept, whatever the size of the
-- transition tables then: so no join of two transition tables or of one with a big table
-- whose method depends on their size. The claims are found by index from the array of the
-- bookings' ids, and each booking's values looked up in a map of them (a sweep of 10,000 holds
-- after a single booking in the same session still takes milliseconds, not a nested loop).
create function private.claims_follow_booking() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  with changed as materialized (
    select array_agg(n.id) as ids,
           jsonb_object_agg(n.id, jsonb_build_object('active', private.table_state(n.status) <> 'available',
             'expires_at', private.claim_expiry(n), 'party_size', n.party_size)) as m
    from new_rows n)
  update public.booking_tables bt
     set is_active = (c.m -> bt.booking_id::text ->> 'active')::boolean,
         expires_at = (c.m -> bt.booking_id::text ->> 'expires_at')::timestamptz,
         party_size = (c.m -> bt.booking_id::text ->> 'party_size')::int
    from changed c
   where bt.booking_id = any (c.ids) and bt.released_at is null
     and (bt.is_active, bt.expires_at, bt.party_size)
         is distinct from ((c.m -> bt.booking_id::text ->> 'active')::boolean,
                           (c.m -> bt.booking_id::text ->> 'expires_at')::timestamptz,
                           (c.m -> bt.booking_id::text ->> 'party_size')::int);
  return null;
end;
$$;

-- AFTER STATEMENT on bookings (insert, update): one audit row per transition of the rows the
-- statement wrote (the note when there is one, else the code), in the chain of the booking's
-- night (named here, so the row trigger need not look it up). Set-based: a sweep of 10,000
-- expired holds is one audit insert, with the actor's role read once per venue. (A
-- statement-level trigger with transition tables cannot name columns, so it runs after every
-- update of bookings and finds the status changes.)
create function private.booking_status_changed() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_was jsonb;   -- each booking's old status, by id
  v_role jsonb;  -- the actor's role, by venue id
  v_request_id text;
begin
  if tg_op = 'UPDATE' then
    -- Old statuses, the venues' roles and the request from maps and values read into variables
    -- first (not a join of the two transition tables, nor a join planned for one row: see
    -- claims_follow_booking): a CTE or subquery joined to every row is read again (a map
    -- copied whole) for each row.
    select (select jsonb_object_agg(o.id, o.status) from old_rows o),
           (select jsonb_object_agg(v.venue_id, private.actor_role(v.venue_id))
            from (select distinct d.venue_id from new_rows d) v),
           private.request_id()
      into v_was, v_role, v_request_id;
    insert into public.audit_log (venue_id, entity, entity_id, action, old_status, new_status, reason,
                                  actor_id, actor_role, request_id, detail, chain_night)
    select n.venue_id, 'booking', n.id, 'status_changed', v_was ->> n.id::text, n.status::text,
           coalesce(n.status_note, n.status_reason), (select auth.uid()), v_role ->> n.venue_id::text, v_request_id,
           '{}'::jsonb, n.booking_date
    from new_rows n
    where n.status::text is distinct from v_was ->> n.id::text
    order by n.venue_id, n.booking_date, lower(n.period), n.id;
  else
    insert into public.audit_log (venue_id, entity, entity_id, action, old_status, new_status, reason,
                                  actor_id, actor_role, request_id, detail, chain_night)
    select n.venue_id, 'booking', n.id, case when n.status = 'held' then 'hold_created' else 'booking_created' end,
           null, n.status::text,
           coalesce(n.status_note, n.status_reason), (select auth.uid()), private.actor_role(n.venue_id),
           private.request_id(),
           jsonb_build_object('reference', n.reference, 'party_size', n.party_size,
                              'period', n.period::text, 'hold_expires_at', n.hold_expires_at),
           n.booking_date
    from new_rows n;
  end if;
  return null;
end;
$$;

-- BEFORE INSERT OR UPDATE on booking_tables, for every role (service_role and Studio too): a
-- claim is active exactly while its booking's status holds the table (or its block is
-- active) and the booking has not let it go, and a hold's or request's claim expires with it. The triggers above keep claims in step;
-- a claim written by hand that disagrees is refused, so nobody can free a live booking's
-- table (and sell it twice) or make a cancelled one block it; nor can a table that asks a
-- deposit be added to a booking past its hold whose deposit is unpaid.
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
    select private.table_state(b.status) <> 'available' and new.released_at is null,
           case when new.released_at is null then private.claim_expiry(b) end
      into v_active, v_expires
    from public.bookings b where b.id = new.booking_id;
  else
    select blk.is_active, new.expires_at into v_active, v_expires from public.table_blocks blk where blk.id = new.block_id;
  end if;
  -- (the deposit's query apart from the test of tg_op: in one condition, whose plan for an
  -- update folds to false, it was planned afresh on every call)
  if tg_op = 'INSERT' and new.booking_id is not null and new.is_active then
    if exists (select 1 from public.bookings b join public.venue_tables t on t.id = new.table_id
               where b.id = new.booking_id and b.status in ('pending_approval', 'confirmed')
                 and b.deposit_paid_at is null and t.deposit > 0) then
      perform private.raise_error('INVALID_TRANSITION',
        'this table asks a deposit the booking has not paid: hold it, pay, then submit');
    end if;
  end if;
  if (new.is_active, new.expires_at) is distinct from (v_active, v_expires) then
    perform private.raise_error('INVALID_TRANSITION', format(
      'a claim is active exactly while its booking holds the table (or its block stands): expected active %s, expiring %s',
      v_active, coalesce(v_expires::text, 'never')));
  end if;
  return new;
end;
$$;

-- Claims are never deleted, by anyone: a booking or block gives its tables back through its
-- status (audited, and announced to every client). Deleting one silently would free a table
-- that every client still shows as taken. The one exception is retention: the table's owner
-- pruning (the claims_pruning transaction flag, which only private.prune_history sets) a claim
-- whose period ended longer ago than its venue keeps claims; it frees nothing anyone can book.
create function private.refuse_claim_delete() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'DELETE' and private.has_transaction_flag('claims_pruning')
     and pg_catalog.pg_has_role(current_user, (select c.relowner from pg_catalog.pg_class c where c.oid = tg_relid), 'USAGE')
     and upper(old.period) < private.now() - (select v.claims_retention from public.venues v where v.id = old.venue_id) then
    return old;
  end if;
  raise exception using message = 'NOT_AUTHORIZED',
    detail = 'claims are not deleted: cancel the booking or lift the block', errcode = 'PT403';
end;
$$;

-- A claim is live while it is active and, for a hold, not yet past its expiry: every query
-- spells that out as `bt.is_active and coalesce(bt.expires_at > (select private.now()), true)`
-- (inline, so the planner sees is_active and uses the partial indexes, and the clock is read
-- once per statement).

-- Expire the dead holds and lapsed requests, and lift the blocks past their release_at, on
-- some tables that overlap a range (the caller holds the table locks): what is dead must not
-- block a booking.
create function private.expire_dead_holds(p_venue_id uuid, p_night date, p_table_ids uuid[], p_period tstzrange)
returns void
language plpgsql
set search_path = ''
as $$
declare
  v_dead_bookings uuid[];
  v_dead_blocks uuid[];
begin
  -- One read finds the dead claims (usually none: then nothing else runs); their owners are
  -- then updated by primary key.
  select array_agg(bt.booking_id) filter (where bt.booking_id is not null),
         array_agg(bt.block_id) filter (where bt.block_id is not null)
    into v_dead_bookings, v_dead_blocks
  from public.booking_tables bt
  where bt.venue_id = p_venue_id and bt.booking_date = p_night and bt.table_id = any (p_table_ids)
    and bt.is_active and bt.expires_at <= (select private.now()) and bt.period && p_period;
  if v_dead_bookings is not null then
    update public.bookings b
       set status = 'expired', status_reason = case when b.status = 'held' then 'hold_expired' else 'request_expired' end
     where b.status in ('held', 'pending_approval') and b.id = any (v_dead_bookings);
  end if;
  if v_dead_blocks is not null then
    update public.table_blocks blk
       set is_active = false, released_at = private.now()
     where blk.is_active and blk.id = any (v_dead_blocks);
  end if;
end;
$$;

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
                 'manual_change', 'status_changed', 'request_expired', 'booking_modified', 'walk_in_seated',
                 'check_in_undone', 'no_show_undone'];
end;
$$;

comment on function private.reason_codes is 'The reason codes of booking statuses and public events.';
