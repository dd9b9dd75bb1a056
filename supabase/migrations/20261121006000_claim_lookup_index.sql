-- =====================================================================================
-- Claim lookups that stay flat as history grows
-- =====================================================================================
-- Every read of live claims filters with private.is_live(is_active, expires_at). That SQL
-- function carries `set search_path = ''`, and PostgreSQL never inlines a function with a SET
-- clause, so the planner cannot see `is_active` and can use neither of the partial indexes on
-- booking_tables (booking_tables_night_idx, the exclusion constraint's, both `where is_active`):
-- the snapshot, the hold's availability check and the alternatives scanned the whole claim
-- ledger (bench/results: the scale scenario's plans). This index has no predicate, so those
-- queries reach a table's claims overlapping a time range directly, whatever the history.

create index booking_tables_lookup_idx on public.booking_tables
  using gist (venue_id, table_id, period);
comment on index public.booking_tables_lookup_idx is
  'Claims of a table overlapping a time range, live or not: the index the is_live() filters can use.';
