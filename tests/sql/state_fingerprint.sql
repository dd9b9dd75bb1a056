-- Everything a call could change, as one value: bad input must leave it as it was.
select md5(concat_ws('|',
  (select string_agg(concat_ws(',', b.id, b.status, b.hold_expires_at, b.payment_reference), ';' order by b.id)
   from public.bookings b),
  (select string_agg(concat_ws(',', bt.id, bt.is_active, bt.expires_at), ';' order by bt.id) from public.booking_tables bt),
  (select string_agg(concat_ws(',', k.id, k.is_active), ';' order by k.id) from public.table_blocks k),
  (select count(*) from public.audit_log),
  (select count(*) from public.availability_events),
  (select string_agg(concat_ws(',', w.id, w.status), ';' order by w.id) from public.waitlist_entries w),
  (select count(*) from public.customers),
  (select string_agg(concat_ws(',', cv.channel, cv.version), ';' order by cv.channel) from private.channel_versions cv)))
