-- =====================================================================================
-- venue_id on every table that holds booking data (distribution by venue, see README)
-- =====================================================================================
-- private.channel_versions is written in the booking transaction (the commit-time event
-- triggers) and was keyed by the channel name alone. Distributing by venue_id (Citus) needs
-- the column on every such table so that a venue's booking transaction stays on one node.
-- Derived from the channel name (availability:{club}:{venue}:{date}:{slot}), so no writer
-- changes.

alter table private.channel_versions
  add column venue_id uuid generated always as (split_part(channel, ':', 3)::uuid) stored;
comment on column private.channel_versions.venue_id is
  'The venue of the channel (its third part): the distribution column.';
create index channel_versions_venue_id_idx on private.channel_versions (venue_id);
