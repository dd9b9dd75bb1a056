-- =====================================================================================
-- Waitlist offers: a freed table goes to the best waiting guest, in the same transaction
-- =====================================================================================
-- When a booking stops holding its tables (cancelled, expired, rejected, no-show) or a block
-- is lifted, the best matching waiting entries of each slot it touches are offered an
-- automatic hold with the venue's waitlist_offer_ttl, with a notification row; the hold's
-- event and audit row come from the usual triggers. An offer that is not taken up expires
-- like any hold, which frees the table again and so moves it to the next entry.
-- Offers only try-lock tables (never wait), so they cannot deadlock with a booking in flight:
-- a table someone is booking right now is not free to offer anyway.

create table public.notifications (
  id bigint generated always as identity primary key,
  venue_id uuid not null references public.venues (id),
  customer_id uuid not null references public.customers (id),
  kind text not null check (kind in ('waitlist_offer', 'booking_cancelled_by_venue')),
  payload jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  read_at timestamptz
);
comment on table public.notifications is
  'Messages for guests (waitlist offers, cancellations by the venue) for the app to show or send.';
create index notifications_customer_id_idx on public.notifications (customer_id, created_at);
create index notifications_venue_id_idx on public.notifications (venue_id);
alter table public.notifications enable row level security;
create policy "Customers can read their own notifications" on public.notifications
  for select to authenticated using (customer_id = (select private.my_customer_id()));
create policy "Hosts can read their venues' notifications" on public.notifications
  for select to authenticated using (venue_id = any ((select private.staff_venue_ids('host'))::uuid[]));
grant select on public.notifications to authenticated;
grant select, insert, update, delete on public.notifications to service_role;

-- Try to lock tables for a night without waiting; true only if every lock was taken.
create function private.try_lock_tables(p_table_ids uuid[], p_night date) returns boolean
language plpgsql
set search_path = ''
as $$
declare
  v_id uuid;
begin
  foreach v_id in array (select array_agg(t order by t) from unnest(p_table_ids) t) loop
    if not pg_catalog.pg_try_advisory_xact_lock(private.lock_key(v_id), private.night_key(p_night)) then
      return false;
    end if;
  end loop;
  return true;
end;
$$;

-- Offer what is free in the slots a range touches to the best waiting entries (priority,
-- then first come). Returns how many offers were made. Paused inside a forced block, whose
-- freed tables are about to be blocked (clubbooking.offers_paused, transaction-local).
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
  v_option record;
  v_booking public.bookings;
  v_count int := 0;
  v_contended boolean;
  v_offered boolean;
begin
  if current_setting('clubbooking.offers_paused', true) = 'on'
     or not exists (select 1 from public.waitlist_entries w
                    where w.venue_id = p_venue_id and w.booking_date = p_night and w.status = 'waiting') then
    return 0;
  end if;
  select * into v_venue from public.venues v where v.id = p_venue_id;
  for v_slot in select * from private.slots_overlapping(p_venue_id, p_night, p_period)
                where upper(slot_period) > private.now() loop    -- a slot that is over offers nothing
    for v_entry in
      select * from public.waitlist_entries w
      where w.venue_id = p_venue_id and w.booking_date = p_night and w.slot_id = v_slot.slot_id and w.status = 'waiting'
      order by w.priority_score desc, w.created_at
      limit 20
      for update skip locked  -- an entry another offer is working on is theirs to offer
    loop
      v_contended := false;
      v_offered := false;
      for v_option in
        select * from private.free_options(p_venue_id, p_night, v_slot.slot_period, v_entry.party_size) o
        order by o.rank
      loop
        -- Offered only where no claim is still active, not even a dead hold the sweeper has not
        -- reached yet (its expiry will offer the table in its turn), and no one is booking now.
        if not private.try_lock_tables(v_option.table_ids, p_night)
           or exists (select 1 from public.booking_tables bt
                      where bt.venue_id = p_venue_id and bt.booking_date = p_night and bt.is_active
                        and bt.is_exclusive and bt.table_id = any (v_option.table_ids)
                        and bt.period && v_slot.slot_period) then
          v_contended := true;
        elsif private.tables_free(p_venue_id, p_night, v_option.table_ids, v_slot.slot_period, v_entry.party_size) then
          begin
            v_booking := private.insert_hold(v_venue, v_entry.customer_id, p_night, v_slot.slot_period,
                           v_option.table_ids, v_entry.party_size, v_venue.waitlist_offer_ttl,
                           jsonb_build_object('reason', 'waitlist_offer', 'occasion', v_entry.occasion));
          exception when sqlstate 'PT409' or sqlstate 'PT422' or exclusion_violation then
            continue;  -- the guest can't hold this now (e.g. now underage, or at the night's limit): next option
          end;
          update public.waitlist_entries w
             set status = 'offered', offered_booking_id = v_booking.id, offer_expires_at = v_booking.hold_expires_at
           where w.id = v_entry.id;
          insert into public.notifications (venue_id, customer_id, kind, payload)
          values (p_venue_id, v_entry.customer_id, 'waitlist_offer', jsonb_build_object(
            'waitlist_entry_id', v_entry.id, 'booking_id', v_booking.id, 'reference', v_booking.reference,
            'slot_id', v_slot.slot_id, 'date', p_night, 'table_ids', to_jsonb(v_option.table_ids),
            'expires_at', v_booking.hold_expires_at));
          perform private.write_audit(p_venue_id, 'waitlist', v_entry.id, 'waitlist_offered', 'waiting', 'offered',
            'table_freed', jsonb_build_object('booking_id', v_booking.id));
          v_count := v_count + 1;
          v_offered := true;
          exit;
        end if;
      end loop;
      -- A table this guest could have had is busy: offer nothing to anyone below them now;
      -- whoever holds it frees or books it, and that offers again.
      exit when v_contended and not v_offered;
    end loop;
  end loop;
  return v_count;
end;
$$;

-- AFTER UPDATE OF status on bookings (fires after bookings_status_changed has released the
-- claims): an offered entry follows its hold (accepted, expired or cancelled), and freed
-- tables are offered to the waitlist.
create function private.booking_freed_tables() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if old.status is not distinct from new.status then
    return null;
  end if;
  update public.waitlist_entries w
     set status = case when new.status in ('expired', 'cancelled', 'rejected') then
                         case new.status when 'expired' then 'expired' else 'cancelled' end
                       else 'accepted' end
   where w.offered_booking_id = new.id and w.status = 'offered';
  if private.table_state(old.status) <> 'available' and private.table_state(new.status) = 'available' then
    perform private.offer_to_waitlist(new.venue_id, new.booking_date, new.period);
  end if;
  return null;
end;
$$;

create trigger bookings_waitlist_offer
  after update of status on public.bookings
  for each row execute function private.booking_freed_tables();

-- AFTER UPDATE OF is_active on table_blocks: a lifted block offers its table to the waitlist.
create function private.block_freed_table() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if old.is_active and not new.is_active then
    perform private.offer_to_waitlist(new.venue_id, new.booking_date, new.period);
  end if;
  return null;
end;
$$;

create trigger table_blocks_waitlist_offer
  after update of is_active on public.table_blocks
  for each row execute function private.block_freed_table();

revoke execute on all functions in schema public, private from public;
