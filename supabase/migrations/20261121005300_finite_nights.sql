-- =====================================================================================
-- Finite nights: a night outside the calendar is DATE_OUT_OF_RANGE, never an internal error
-- =====================================================================================
-- Found by the reliability checker's bad-input property tests: `infinity`, `-infinity` and
-- dates past the year 9999 are valid PostgreSQL dates, and reached the date arithmetic of the
-- time ranges and the advisory lock keys, which answered with SQLSTATE 22008 ("cannot
-- subtract infinite dates", "timestamp out of range") instead of a contract code, or with
-- a snapshot of an empty range. The two functions every night passes through now refuse
-- such nights with DATE_OUT_OF_RANGE. Both replace the foundation's versions (migrations
-- 0500 and 0900) with the same signature and results for every calendar night.

-- The nights a venue can have: inside the calendar years 1-9999 (so not +-infinity).
create function private.is_calendar_night(p_night date) returns boolean
language sql immutable
set search_path = ''
as $$ select p_night between date '0001-01-01' and date '9999-12-31' $$;
comment on function private.is_calendar_night is
  'Whether a night is a real calendar date (years 1-9999), not infinity or beyond timestamp arithmetic.';

-- Raise DATE_OUT_OF_RANGE for a night off the calendar (a null night passes: callers check).
create function private.require_calendar_night(p_night date) returns void
language plpgsql immutable
set search_path = ''
as $$
begin
  if not private.is_calendar_night(p_night) then
    perform private.raise_error('DATE_OUT_OF_RANGE', format('%s is not a night the venue can open', p_night));
  end if;
end;
$$;
comment on function private.require_calendar_night is 'DATE_OUT_OF_RANGE unless the night is a calendar date.';

-- A local wall-clock time on a night, as an instant (see migration 0500); a night outside
-- the calendar raises DATE_OUT_OF_RANGE. A null night still gives null.
create or replace function private.local_instant(p_tz text, p_night date, p_opens time, p_at time)
returns timestamptz
language plpgsql immutable
set search_path = ''
as $$
begin
  perform private.require_calendar_night(p_night);
  return ((p_night + p_at + case when p_at < p_opens then interval '1 day' else interval '0' end)::timestamp)
         at time zone p_tz;
end;
$$;
comment on function private.local_instant is
  'A local time on a night as an instant (times before opening are the next morning); DATE_OUT_OF_RANGE off the calendar.';

-- The advisory lock key of a night (days since 2000); DATE_OUT_OF_RANGE off the calendar.
create or replace function private.night_key(p_night date) returns int
language plpgsql immutable
set search_path = ''
as $$
begin
  perform private.require_calendar_night(p_night);
  return p_night - date '2000-01-01';
end;
$$;
comment on function private.night_key is 'The advisory lock key of a night: days since 2000-01-01.';

-- night_key runs with the caller's rights inside the trusted seed lock functions.
grant execute on function private.require_calendar_night(date) to service_role;
