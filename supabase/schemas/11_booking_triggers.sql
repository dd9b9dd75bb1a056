-- =============================================================================================
-- Booking triggers: every trigger on bookings and booking_tables, in firing order
-- =============================================================================================
-- A write to a booking or a claim is assembled from these triggers. PostgreSQL fires the
-- triggers of one table, timing and event in name order, row triggers before statement
-- triggers; this file is the one place that order is written (top to bottom = firing order),
-- and sql/tests/15_booking_triggers.sql pins it.
--
-- public.bookings
--   before insert or update, row     trigger_validate_booking_constraints  the row's rules and status machine
--   after insert, statement          bookings_keep_history                 a version of each booking (history)
--                                    bookings_notify_guests                the guest's notification (a hold)
--                                    bookings_status_changed               audit rows
--   after update, statement          bookings_claims_follow                claims follow statuses, first (name order)
--                                    bookings_emit_events                  events for the changed statuses
--                                    bookings_keep_history_on_update       a version of each booking (history)
--                                    bookings_notify_guests_on_update      the guests' notifications
--                                    bookings_status_changed_on_update     audit rows
--                                    bookings_waitlist_follow              offered waitlist entries follow their holds
-- public.booking_tables
--   before insert or update, row     booking_tables_follow_owner           a claim's period and state follow its booking
--   before delete, row               booking_tables_never_deleted          claims are history
--   before truncate, statement       booking_tables_never_truncated
--   after insert, statement          booking_tables_emit_events            events for new claims
--                                    booking_tables_keep_history           a version of each claim (history)
--   after update, statement          booking_tables_emit_unblock_events    events for changed claims
--                                    booking_tables_keep_history_on_update a version of each claim (history)

-- ---------------------------------------------------------------------------------------------
-- public.bookings
-- ---------------------------------------------------------------------------------------------

create trigger trigger_validate_booking_constraints
  before insert or update on public.bookings
  for each row execute function private.validate_booking_constraints();

create trigger bookings_keep_history
  after insert on public.bookings
  referencing new table as new_rows
  for each statement execute function private.keep_booking_history();

create trigger bookings_notify_guests
  after insert on public.bookings
  referencing new table as new_rows
  for each statement execute function private.notify_booking_changes();

create trigger bookings_status_changed
  after insert on public.bookings
  referencing new table as new_rows
  for each statement execute function private.booking_status_changed();

-- Statement triggers after an update, in name order: claims first, so that the events of the
-- same statement read the claims as they now are.
create trigger bookings_claims_follow
  after update on public.bookings
  referencing new table as new_rows
  for each statement execute function private.claims_follow_booking();

create trigger bookings_emit_events
  after update on public.bookings
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.booking_status_event();

create trigger bookings_keep_history_on_update
  after update on public.bookings
  referencing new table as new_rows
  for each statement execute function private.keep_booking_history();

create trigger bookings_notify_guests_on_update
  after update on public.bookings
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.notify_booking_changes();

create trigger bookings_status_changed_on_update
  after update on public.bookings
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.booking_status_changed();

create trigger bookings_waitlist_follow
  after update on public.bookings
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.offered_entry_follows_hold();

-- ---------------------------------------------------------------------------------------------
-- public.booking_tables
-- ---------------------------------------------------------------------------------------------

create trigger booking_tables_follow_owner
  before insert or update on public.booking_tables
  for each row execute function private.claim_follows_owner();

create trigger booking_tables_never_deleted
  before delete on public.booking_tables
  for each row execute function private.refuse_claim_delete();

create trigger booking_tables_never_truncated
  before truncate on public.booking_tables
  for each statement execute function private.refuse_claim_delete();

create trigger booking_tables_emit_events
  after insert on public.booking_tables
  referencing new table as new_rows
  for each statement execute function private.claim_changed_event();

create trigger booking_tables_keep_history
  after insert on public.booking_tables
  referencing new table as new_rows
  for each statement execute function private.keep_claim_history();

create trigger booking_tables_emit_unblock_events
  after update on public.booking_tables
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.claim_changed_event();

create trigger booking_tables_keep_history_on_update
  after update on public.booking_tables
  referencing new table as new_rows
  for each statement execute function private.keep_claim_history();
