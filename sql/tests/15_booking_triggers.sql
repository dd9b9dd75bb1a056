-- The triggers on bookings and booking_tables, in the order PostgreSQL fires them (before, then
-- after; row, then statement; then by name), exactly as supabase/schemas/11_booking_triggers.sql
-- writes them down. A renamed, added or dropped trigger changes a booking write: it fails here.
begin;
select plan(2);

create function pg_temp.firing_order(p_table regclass) returns text[]
language sql stable as $$
  select array_agg(format('%s %s %s: %s',
                          case when t.tgtype & 2 = 2 then 'before' else 'after' end,
                          case when t.tgtype & 1 = 1 then 'row' else 'statement' end,
                          concat_ws(' or ', case when t.tgtype & 4 = 4 then 'insert' end,
                                    case when t.tgtype & 16 = 16 then 'update' end,
                                    case when t.tgtype & 8 = 8 then 'delete' end,
                                    case when t.tgtype & 32 = 32 then 'truncate' end),
                          t.tgname)
                   order by t.tgtype & 2 = 0, t.tgtype & 1 = 0, t.tgname)
  from pg_catalog.pg_trigger t
  where t.tgrelid = p_table and not t.tgisinternal
$$;

select is(pg_temp.firing_order('public.bookings'), array[
  'before row insert or update: trigger_validate_booking_constraints',
  'after statement update: bookings_claims_follow',
  'after statement update: bookings_emit_events',
  'after statement insert: bookings_keep_history',
  'after statement update: bookings_keep_history_on_update',
  'after statement insert: bookings_notify_guests',
  'after statement update: bookings_notify_guests_on_update',
  'after statement insert: bookings_status_changed',
  'after statement update: bookings_status_changed_on_update',
  'after statement update: bookings_waitlist_follow'],
  'bookings_trigger_order: validation, then claims before events before history before the guests'' notifications before audit before the offered waitlist entries');

select is(pg_temp.firing_order('public.booking_tables'), array[
  'before row insert or update: booking_tables_follow_owner',
  'before row delete: booking_tables_never_deleted',
  'before statement truncate: booking_tables_never_truncated',
  'after statement insert: booking_tables_emit_events',
  'after statement update: booking_tables_emit_unblock_events',
  'after statement insert: booking_tables_keep_history',
  'after statement update: booking_tables_keep_history_on_update'],
  'booking_tables_trigger_order: a claim follows its owner, is never deleted, is announced, and is kept');

select * from finish();
rollback;
