-- =====================================================================================
-- Finite nights: a night outside the calendar is DATE_OUT_OF_RANGE, never an internal error
-- =====================================================================================
-- Found by the reliability checker's bad-input property tests: `infinity`, `-infinity` and
-- dates past the year 9999 are valid PostgreSQL dates, and reached the date arithmetic of the
-- time ranges and the advisory lock keys, which answered with SQLSTATE 22008 ("cannot
-- subtract infinite dates", "timestamp out of range") instead of a contract code, or with
-- a snapshot of an empty range. The two functions every night passes through now refuse
-- such nights with DATE_OUT_OF_RANGE (private.local_instant in migration 0500 and
-- private.night_key in 0900, each checking inline: they run a dozen times a booking).

-- The nights a venue can have: inside the calendar years 1-9999 (so not +-infinity).
create function private.is_calendar_night(p_night date) returns boolean
language sql immutable
set search_path = ''
as $$ select p_night between date '0001-01-01' and date '9999-12-31' $$;
comment on function private.is_calendar_night is
  'Whether a night is a real calendar date (years 1-9999), not infinity or beyond timestamp arithmetic.';
