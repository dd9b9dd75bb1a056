-- %(count)s holds that ran out a minute ago, one guest's, each on its own table, night and slot
-- of the Leeds venue (16 tables x 2 slots a night, nights from tomorrow on): a held booking
-- and its active claim each, written in bulk with the row triggers off (the table owner's
-- `disable trigger user`), as the booking path leaves them when nobody submits.
alter table public.bookings disable trigger user;
alter table public.booking_tables disable trigger user;

with guest as (
  insert into public.customers (full_name, email) values ('Sweep Guest', 'sweep@guests.example') returning id
), hold as (
  select g.i, t.id as table_id, current_date + 1 + g.i / 32 as night,
         case when g.i / 16 % 2 = 0 then 'slot_21_00' else 'slot_23_30' end as slot_id
  from generate_series(0, %(count)s - 1) g(i)
  join public.venue_tables t on t.venue_id = '22222222-2222-4222-8222-222222222222' and t.table_number = g.i % 16 + 1
), booked as (
  insert into public.bookings (venue_id, customer_id, reference, status, booking_date, period, party_size,
                               hold_expires_at, status_reason)
  select t.venue_id, guest.id, 'BR-' || to_char(h.night, 'YYMMDD') || '-' || lpad(h.i::text, 6, '0'), 'held',
         h.night, private.slot_range(t.venue_id, h.night, h.slot_id), 2, now() - interval '1 minute', 'hold_created'
  from hold h cross join guest join public.venue_tables t on t.id = h.table_id
  returning id, venue_id, booking_date, period, party_size, hold_expires_at, reference
)
insert into public.booking_tables (venue_id, table_id, booking_id, booking_date, period, party_size, expires_at)
select b.venue_id, h.table_id, b.id, b.booking_date, b.period, b.party_size, b.hold_expires_at
from booked b join hold h on 'BR-' || to_char(h.night, 'YYMMDD') || '-' || lpad(h.i::text, 6, '0') = b.reference;

alter table public.bookings enable trigger user;
alter table public.booking_tables enable trigger user;
