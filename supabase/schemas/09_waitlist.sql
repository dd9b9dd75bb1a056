-- =============================================================================================
-- Waitlist: entries, priorities, and offers when tables free up
-- =============================================================================================
-- Joining the waitlist, its caps, guests' notifications, and the offers made at commit time
-- when a table becomes free.

-- The seed's waitlist priority: loyalty (10 per past booking kept), timing (10 per day the
-- guest asks ahead, up to 100), occasion (+100 for one of private.occasion_codes), capped at 1000.
create function private.waitlist_priority(p_customer_id uuid, p_venue_id uuid, p_date date, p_occasion text)
returns int
language plpgsql stable
set search_path = ''
as $$
begin
  return (
  select least(1000,
    10 * (select count(*)::int from public.bookings b
          where b.customer_id = p_customer_id and b.venue_id = p_venue_id and b.status in ('confirmed', 'checked_in'))
    + least(100, greatest(0, p_date - (private.now() at time zone v.timezone)::date) * 10)
    + case when p_occasion = any (private.occasion_codes()) then 100 else 0 end)
  from public.venues v where v.id = p_venue_id);
end;
$$;

-- Join the waitlist for a slot; returns the entry, its priority score and its position.
-- Joining twice for one slot returns the existing entry (one per guest and slot). A guest
-- holds at most the venue's max_waitlist_entries_per_night open entries (waiting or offered)
-- on a night and max_open_waitlist_entries in all (MAX_TABLES_EXCEEDED past either: waitlist
-- spam would otherwise put one account first in line for every freed table); p_occasion is
-- one of private.occasion_codes or none.
-- The per-guest waitlist caps (the caller holds the guest's lock for the night). An entry for a
-- slot that is over counts for nothing, whether or not it was ever offered a table.
create function private.check_waitlist_caps(p_venue_id uuid, p_customer_id uuid, p_night date) returns void
language plpgsql
set search_path = ''
as $$
declare
  v_venue public.venues;
  v_night int;
  v_open int;
begin
  select * into v_venue from public.venues v where v.id = p_venue_id;
  select count(*) filter (where w.booking_date = p_night), count(*) into v_night, v_open
  from public.waitlist_entries w
  where w.customer_id = p_customer_id and w.venue_id = p_venue_id and w.status in ('waiting', 'offered')
    and (w.booking_date = p_night
         or upper(private.slot_range(w.venue_id, w.booking_date, w.slot_id)) > (select private.now()));
  if v_night >= v_venue.max_waitlist_entries_per_night then
    perform private.raise_error('MAX_TABLES_EXCEEDED',
      format('at most %s waitlist entries per guest per night', v_venue.max_waitlist_entries_per_night));
  end if;
  if v_open >= v_venue.max_open_waitlist_entries then
    perform private.raise_error('MAX_TABLES_EXCEEDED',
      format('at most %s open waitlist entries per guest', v_venue.max_open_waitlist_entries));
  end if;
end;
$$;

create function private.join_waitlist(p_venue_id uuid, p_date date, p_slot_id text, p_party_size int,
                                      p_occasion text default null)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_customer_id uuid;
  v_entry public.waitlist_entries;
begin
  if p_venue_id is null or p_date is null or p_slot_id is null or p_party_size is null then
    perform private.raise_error('INVALID_INPUT', 'venue, date, slot and party size are required');
  end if;
  if not exists (select 1 from public.venues v where v.id = p_venue_id) then
    perform private.raise_error('INVALID_INPUT', 'unknown venue', 'PT404');
  end if;
  if p_party_size not between 1 and 50 then
    perform private.raise_error('INVALID_PARTY_SIZE', format('party size must be 1-50, got %s', p_party_size));
  end if;
  if private.slot_range(p_venue_id, p_date, p_slot_id) is null then
    perform private.raise_error('INVALID_INPUT', private.unknown_slot(p_venue_id, p_slot_id), 'PT404');
  end if;
  if upper(private.slot_range(p_venue_id, p_date, p_slot_id)) <= private.now()
     or p_date > (private.now() + (select v.booking_horizon from public.venues v where v.id = p_venue_id))::date then
    perform private.raise_error('DATE_OUT_OF_RANGE', format('%s is outside the booking window', p_date));
  end if;
  if p_occasion is not null and not p_occasion = any (private.occasion_codes()) then
    perform private.raise_error('INVALID_INPUT',
      format('occasion must be one of %s', array_to_string(private.occasion_codes(), ', ')));
  end if;
  v_customer_id := private.resolve_customer(p_venue_id, null);
  -- The guest's lock for the night (as a hold takes it): the caps hold under concurrent joins.
  perform pg_catalog.pg_advisory_xact_lock(private.lock_key(v_customer_id), private.night_key(p_date));
  select * into v_entry from public.waitlist_entries w
  where w.customer_id = v_customer_id and w.venue_id = p_venue_id and w.booking_date = p_date
    and w.slot_id = p_slot_id and w.status in ('waiting', 'offered');
  if not found then
    perform private.check_waitlist_caps(p_venue_id, v_customer_id, p_date);
    insert into public.waitlist_entries (venue_id, customer_id, booking_date, slot_id, party_size, occasion, priority_score)
    values (p_venue_id, v_customer_id, p_date, p_slot_id, p_party_size, p_occasion,
            private.waitlist_priority(v_customer_id, p_venue_id, p_date, p_occasion))
    returning * into v_entry;
    perform private.write_audit(p_venue_id, 'waitlist', v_entry.id, 'waitlist_joined', null, 'waiting', null,
                                jsonb_build_object('priority_score', v_entry.priority_score));
  end if;
  return jsonb_build_object(
    'waitlist_entry_id', v_entry.id, 'status', v_entry.status, 'priority_score', v_entry.priority_score,
    'position', (select count(*) from public.waitlist_entries w
                 where w.venue_id = p_venue_id and w.booking_date = p_date and w.slot_id = p_slot_id
                   and w.status = 'waiting'
                   and (w.priority_score, v_entry.created_at) > (v_entry.priority_score, w.created_at)) + 1);
end;
$$;

grant execute on function private.join_waitlist(uuid, date, text, int, text) to authenticated, service_role;

create function public.join_waitlist(p_venue_id uuid, p_date date, p_slot_id text, p_party_size int,
                                     p_occasion text default null)
returns jsonb
language sql set search_path = ''
as $$ select private.join_waitlist(p_venue_id, p_date, p_slot_id, p_party_size, p_occasion) $$;

comment on function public.join_waitlist is 'Join a slot''s waitlist: {waitlist_entry_id, priority_score, position}.';

grant execute on function public.join_waitlist(uuid, date, text, int, text) to authenticated, service_role;

-- When a booking stops holding its tables (cancelled, expired, rejected, no-show), a block is
-- lifted or a guest joins the waitlist, the best matching waiting entries of each slot it
-- touches are offered an automatic hold with the venue's waitlist_offer_ttl, with a
-- notification row; the hold's event and audit row come from the usual triggers. An offer
-- that is not taken up expires like any hold, which frees the table again and so moves it to
-- the next entry.
-- Offers are made at commit (deferred triggers), one committer at a time per venue and night
-- (private.lock_venue_night, the lock the events take): each offer sees every offer and every
-- freed table committed before it, so two offers made at once can never pass a better-placed
-- guest between them. Under that lock an offer never waits: tables, guests and entries are
-- only try-locked, and anything busy stops the offers for that slot (whoever is busy with it
-- commits and offers again, and the sweeper retries the slot).
create table public.notifications (
  id bigint generated always as identity primary key,
  venue_id uuid not null references public.venues (id),
  customer_id uuid references public.customers (id),   -- null: a message to an address (payload.to)
  kind text not null check (kind in ('waitlist_offer', 'booking_held', 'booking_requested', 'booking_confirmed',
                                     'booking_approved', 'booking_rejected', 'booking_request_expired',
                                     'booking_changed', 'booking_cancelled', 'booking_cancelled_by_venue',
                                     'booking_reminder_24h', 'booking_reminder_2h', 'staff_invitation')),
  payload jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  read_at timestamptz,
  check (customer_id is not null or kind = 'staff_invitation')
);

comment on table public.notifications is
  'Messages for guests about their bookings and waitlist offers, for the app to show and the worker to send on the channels they consent to; and staff invitations to an address (no customer).';

create index notifications_customer_id_idx on public.notifications (customer_id, created_at);

create index notifications_venue_id_idx on public.notifications (venue_id);

-- Each reminder once per booking, however often the reminder job runs.
create unique index notifications_one_reminder_key on public.notifications (kind, ((payload ->> 'booking_id')))
  where kind in ('booking_reminder_24h', 'booking_reminder_2h');

alter table public.notifications enable row level security;

grant select on public.notifications to authenticated;

grant select, insert, update, delete on public.notifications to service_role;

create policy "Guests read their own notifications; hosts, their venues'" on public.notifications
  for select to authenticated using (
    customer_id = (select private.my_customer_id())
    or (venue_id = any ((select private.staff_venue_ids('host'))::uuid[]) and kind <> 'staff_invitation'));

-- A booking as its guest is told about it: the venue's name, zone and currency, the local
-- start, the party and the deposit, and for a hold with a deposit due, how to pay (the
-- payment-intent route) and by when. No personal data: the worker reads the guest's name and
-- address at sending time, so an erasure or an opt-out in between is honoured.
create function private.booking_notice(p_booking public.bookings) returns jsonb
language plpgsql stable set search_path = ''  -- plpgsql: its plan is cached (a booking's path plans nothing)
as $$
begin
  return (
  select jsonb_build_object(
    'booking_id', p_booking.id, 'reference', p_booking.reference, 'status', p_booking.status,
    'venue_name', v.name, 'timezone', v.timezone, 'currency', v.currency,
    'date', p_booking.booking_date, 'starts_at', lower(p_booking.period), 'ends_at', upper(p_booking.period),
    'starts_at_local', to_char(lower(p_booking.period) at time zone v.timezone, 'YYYY-MM-DD"T"HH24:MI'),
    'party_size', p_booking.party_size, 'deposit', p_booking.deposit_total,
    'deposit_due', p_booking.deposit_total > 0 and p_booking.deposit_paid_at is null,
    'free_cancellation_until', lower(p_booking.period) - v.cancellation_window)
  || case when p_booking.status = 'held' and p_booking.deposit_total > 0 and p_booking.deposit_paid_at is null
          then jsonb_build_object('hold_expires_at', p_booking.hold_expires_at,
                                  'pay', format('POST /functions/v1/bookings/%s/payment-intent', p_booking.id))
          else '{}'::jsonb end
  from public.venues v where v.id = p_booking.venue_id);
end;
$$;

comment on function private.booking_notice is
  'The payload of a guest''s notification about a booking: venue name, zone, currency, local start, deposit, how to pay.';

-- The notification a booking's change gives its guest, if any: a hold (with how to pay), its
-- request received, confirmed, approved, rejected or expired, a cancellation by the guest or by
-- the venue (the forced block tells its guests itself), and a change of party, deposit, time or tables.
-- A hold that runs out, the waitlist's own offers and the door's own corrections (an undone
-- check-in or no-show) are not told here.
create function private.notice_kind(p_old_status text, p_new public.bookings, p_changed boolean, p_actor_role text)
returns text
language plpgsql stable set search_path = ''  -- plpgsql: its plan is cached
as $$
begin
  return case
    when p_old_status is null then
      case when p_new.status = 'held' and p_new.status_reason is distinct from 'waitlist_offer'
                and p_new.status_reason is distinct from 'late_deposit_re_held' then 'booking_held' end
    when p_old_status = p_new.status::text then
      case when p_changed and p_new.status in ('held', 'pending_approval', 'confirmed') then 'booking_changed' end
    when p_new.status = 'pending_approval' and p_old_status = 'held' then 'booking_requested'
    when p_new.status = 'confirmed' and p_old_status = 'pending_approval' then 'booking_approved'
    when p_new.status = 'confirmed' and p_old_status = 'held' then 'booking_confirmed'
    when p_new.status = 'rejected' then 'booking_rejected'
    when p_new.status = 'expired' and p_old_status = 'pending_approval' then 'booking_request_expired'
    when p_new.status = 'cancelled' and p_new.status_reason is distinct from 'forced_block' then
      case when p_actor_role = 'customer' then 'booking_cancelled' else 'booking_cancelled_by_venue' end
  end;
end;
$$;

-- AFTER STATEMENT on bookings (insert, update): one notification per booking whose change its
-- guest hears about (private.notice_kind). Set-based, old rows and the venues' actor roles from
-- maps read into variables first, as the audit trigger does (see booking_status_changed): a
-- sweep of expired holds inserts nothing.
create function private.notify_booking_changes() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  -- modify_booking's update: a change even when only the tables moved (no column shows it)
  v_modified boolean := tg_op = 'UPDATE' and private.has_transaction_flag('booking_change');
  v_was jsonb;   -- each booking's old [status, party, deposit, period], by id
  v_role jsonb;  -- the actor's role, by venue id
begin
  if tg_op = 'UPDATE' then
    select (select jsonb_object_agg(o.id, jsonb_build_array(o.status, o.party_size, o.deposit_total, o.period::text))
            from old_rows o),
           (select jsonb_object_agg(v.venue_id, private.actor_role(v.venue_id))
            from (select distinct d.venue_id from new_rows d) v)
      into v_was, v_role;
    insert into public.notifications (venue_id, customer_id, kind, payload)
    select n.venue_id, n.customer_id, k.kind,
           private.booking_notice(n)
           || case when k.kind = 'booking_changed'
                   then jsonb_build_object('before', jsonb_build_object('party_size', k.before -> 1, 'deposit', k.before -> 2,
                                                                        'period', k.before -> 3))
                   when k.kind in ('booking_rejected', 'booking_cancelled_by_venue')
                   then jsonb_build_object('reason', n.status_reason, 'note', n.status_note)
                   when k.kind = 'booking_request_expired' then jsonb_build_object('expired_at', n.approval_expires_at)
                   else '{}'::jsonb end
    from new_rows n
    cross join lateral (
      select private.notice_kind(v_was -> n.id::text ->> 0, n,
               v_modified or (v_was -> n.id::text) is distinct from
                             jsonb_build_array(n.status, n.party_size, n.deposit_total, n.period::text),
               v_role ->> n.venue_id::text) as kind,
             v_was -> n.id::text as before) k
    where k.kind is not null
    order by n.venue_id, n.booking_date, n.id;
  else
    insert into public.notifications (venue_id, customer_id, kind, payload)
    select n.venue_id, n.customer_id, 'booking_held', private.booking_notice(n)
    from new_rows n where private.notice_kind(null, n, false, null) = 'booking_held';
  end if;
  return null;
end;
$$;

comment on function private.notify_booking_changes is
  'Statement trigger on bookings: a notification for each change its guest hears about (private.notice_kind).';

-- Slots whose offers stopped at something busy, for the sweeper to try again.
create table private.waitlist_retries (
  venue_id uuid not null references public.venues (id),
  booking_date date not null,
  slot_id text not null,
  primary key (venue_id, booking_date, slot_id)
);

alter table private.waitlist_retries enable row level security;

comment on table private.waitlist_retries is
  'Slots whose waitlist offers stopped at a busy entry, guest or table; private.retry_waitlist_offers empties it.';

-- Offer one waiting entry the best free option for its party in a slot (the caller holds the
-- venue-night lock). Returns 'offered'; 'no_room' when nothing free fits the party; 'busy'
-- when a table that fits, the guest or the entry is locked by a transaction in flight (or a
-- dead hold the sweeper has not reached still claims it: its expiry offers the table in its
-- turn); 'passed_over' when the guest can't take a hold now (at a per-guest limit,
-- underage), audited on the entry with the contract code; 'gone' when it stopped waiting.
create function private.offer_to_entry(p_venue public.venues, p_entry public.waitlist_entries,
                                       p_slot_id text, p_slot_period tstzrange)
returns text
language plpgsql
set search_path = ''
as $$
declare
  v_status text;
  v_option record;
  v_booking public.bookings;
  v_busy boolean := false;
  v_refusal text;
begin
  select w.status into v_status from public.waitlist_entries w where w.id = p_entry.id for update skip locked;
  if not found or not pg_catalog.pg_try_advisory_xact_lock(private.lock_key(p_entry.customer_id),
                                                            private.night_key(p_entry.booking_date)) then
    return 'busy';
  elsif v_status <> 'waiting' then
    return 'gone';
  end if;
  for v_option in
    select * from private.free_options(p_venue.id, p_entry.booking_date, p_slot_period, p_entry.party_size) o
    order by o.rank
  loop
    if not private.try_lock_tables(v_option.table_ids, p_entry.booking_date)
       or exists (select 1 from public.booking_tables bt
                  where bt.venue_id = p_venue.id and bt.booking_date = p_entry.booking_date and bt.is_active
                    and bt.is_exclusive and bt.table_id = any (v_option.table_ids)
                    and bt.period && p_slot_period) then
      v_busy := true;
      continue;
    end if;
    begin
      perform private.check_guest_limits(p_venue, p_entry.customer_id, p_entry.booking_date,
                                         cardinality(v_option.table_ids));
      v_booking := private.insert_hold(p_venue, p_entry.customer_id, p_entry.booking_date, p_slot_period,
                     v_option.table_ids, p_entry.party_size, p_venue.waitlist_offer_ttl,
                     jsonb_build_object('reason', 'waitlist_offer', 'occasion', p_entry.occasion));
    exception when sqlstate 'PT409' or sqlstate 'PT422' then
      v_refusal := sqlerrm;  -- the contract code: MAX_TABLES_EXCEEDED, UNDERAGE, ...
      continue;              -- a smaller option may still be within the guest's limits
    end;
    update public.waitlist_entries w
       set status = 'offered', offered_booking_id = v_booking.id, offer_expires_at = v_booking.hold_expires_at
     where w.id = p_entry.id;
    insert into public.notifications (venue_id, customer_id, kind, payload)
    values (p_venue.id, p_entry.customer_id, 'waitlist_offer', private.booking_notice(v_booking) || jsonb_build_object(
      'waitlist_entry_id', p_entry.id, 'booking_id', v_booking.id, 'reference', v_booking.reference,
      'slot_id', p_slot_id, 'date', p_entry.booking_date, 'table_ids', to_jsonb(v_option.table_ids),
      'expires_at', v_booking.hold_expires_at));
    perform private.write_audit(p_venue.id, 'waitlist', p_entry.id, 'waitlist_offered', 'waiting', 'offered',
      'table_freed', jsonb_build_object('booking_id', v_booking.id));
    return 'offered';
  end loop;
  if v_busy then
    return 'busy';
  elsif v_refusal is not null then
    perform private.write_audit(p_venue.id, 'waitlist', p_entry.id, 'waitlist_passed_over', 'waiting', 'waiting',
      v_refusal, jsonb_build_object('slot_id', p_slot_id));
    return 'passed_over';
  end if;
  return 'no_room';
end;
$$;

-- Offer what is free in the slots a range touches to the waiting entries, best first (priority,
-- then first come), under the venue-night lock; returns how many offers were made. A busy
-- entry stops the slot's offers (nobody below a guest who might yet get a table is offered
-- one first) and queues the slot for the sweeper. Paused inside a forced block, whose freed
-- tables are about to be blocked (the transaction's offers_paused flag, which only
-- block_tables sets: a caller's own setting changes nothing).
create function private.offer_to_waitlist(p_venue_id uuid, p_night date, p_period tstzrange)
returns int
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_venue public.venues;
  v_slot record;
  v_entry public.waitlist_entries;
  v_no_room int[];  -- party sizes nothing free fits in this slot (offers only take tables)
  v_count int := 0;
begin
  if private.has_transaction_flag('offers_paused')
     or not exists (select 1 from public.waitlist_entries w
                    where w.venue_id = p_venue_id and w.booking_date = p_night and w.status = 'waiting') then
    return 0;
  end if;
  perform private.lock_venue_night(p_venue_id, p_night);
  select * into v_venue from public.venues v where v.id = p_venue_id;
  for v_slot in select * from private.slots_overlapping(p_venue_id, p_night, p_period)
                where upper(slot_period) > private.now() loop    -- a slot that is over offers nothing
    v_no_room := '{}';
    for v_entry in
      select * from public.waitlist_entries w
      where w.venue_id = p_venue_id and w.booking_date = p_night and w.slot_id = v_slot.slot_id and w.status = 'waiting'
      order by w.priority_score desc, w.created_at
    loop
      continue when v_entry.party_size = any (v_no_room);
      case private.offer_to_entry(v_venue, v_entry, v_slot.slot_id, v_slot.slot_period)
        when 'offered' then v_count := v_count + 1;
        when 'no_room' then v_no_room := v_no_room || v_entry.party_size;
        when 'busy' then
          insert into private.waitlist_retries (venue_id, booking_date, slot_id)
          values (p_venue_id, p_night, v_slot.slot_id) on conflict do nothing;
          exit;
        else null;  -- passed over, or no longer waiting: the next entry
      end case;
    end loop;
  end loop;
  return v_count;
end;
$$;

-- The sweeper's pass (pg_cron, with the hold sweeper): offer again in the slots whose offers
-- stopped at something busy, night by night under the venue-night lock (a queued slot is only
-- written under it). Returns how many offers were made.
create function private.retry_waitlist_offers() returns int
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_night record;
  v_slot_id text;
  v_count int := 0;
begin
  for v_night in
    select distinct r.venue_id, r.booking_date from private.waitlist_retries r order by 1, 2
  loop
    perform private.lock_venue_night(v_night.venue_id, v_night.booking_date);
    for v_slot_id in
      delete from private.waitlist_retries r
      where r.venue_id = v_night.venue_id and r.booking_date = v_night.booking_date
      returning r.slot_id
    loop
      v_count := v_count + private.offer_to_waitlist(v_night.venue_id, v_night.booking_date,
                   private.slot_range(v_night.venue_id, v_night.booking_date, v_slot_id));
    end loop;
  end loop;
  return v_count;
end;
$$;

-- AFTER STATEMENT on bookings (update): the offered entries of the bookings whose status the
-- statement changed follow their holds (accepted, expired or cancelled), in one update: the
-- entries found by index from the array of those bookings' ids, each booking's new status from a
-- map (see private.claims_follow_booking), the old statuses from a map read first (see
-- private.booking_status_changed). A sweep's thousands of expiries are one statement, not one
-- trigger call and one update per row.
create function private.offered_entry_follows_hold() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_was jsonb;  -- each booking's old status, by id
begin
  select jsonb_object_agg(o.id, o.status) into v_was from old_rows o;
  with changed as materialized (
    select array_agg(n.id) as ids, jsonb_object_agg(n.id, n.status) as status
    from new_rows n
    where n.status::text is distinct from v_was ->> n.id::text)
  update public.waitlist_entries w
     set status = case c.status ->> w.offered_booking_id::text
                    when 'expired' then 'expired'
                    when 'cancelled' then 'cancelled'
                    when 'rejected' then 'cancelled'
                    else 'accepted' end::public.waitlist_status
    from changed c
   where w.offered_booking_id = any (c.ids) and w.status = 'offered';
  return null;
end;
$$;

-- At commit: a slot a guest just joined the waitlist for is offered to the waitlist. (What a
-- change freed, a booking that stopped holding its tables or a lifted block, is offered by the
-- commit-time event pass, private.emit_slot_events, right after its events.)
create function private.offer_at_commit() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.offer_to_waitlist(new.venue_id, new.booking_date,
                                    private.slot_range(new.venue_id, new.booking_date, new.slot_id));
  return null;
end;
$$;

create constraint trigger waitlist_entries_offer
  after insert on public.waitlist_entries
  deferrable initially deferred
  for each row when (new.status = 'waiting')
  execute function private.offer_at_commit();

