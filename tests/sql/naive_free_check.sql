-- The naive path's check: is any live claim on the table overlapping the range? (No lock.)
select not exists (
  select 1 from public.booking_tables bt
  where bt.table_id = %(table_id)s and bt.is_active
    and (bt.expires_at is null or bt.expires_at > now()) and bt.period && %(period)s::tstzrange)
