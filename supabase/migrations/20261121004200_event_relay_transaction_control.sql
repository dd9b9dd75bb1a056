-- =====================================================================================
-- The event relay, able to commit
-- =====================================================================================
-- Replaces private.relay_events of 20261121000700 (same signature and behaviour). PostgreSQL
-- refuses transaction control in a procedure that has a SET clause, so with its
-- `set search_path = ''` every CALL (pg_cron's each minute included) failed at the first
-- COMMIT with "invalid transaction termination" and no local listener was ever woken. Now the
-- work is in private.relay_batch (search_path pinned like every function), and
-- private.relay_events is only the loop that commits between batches: security invoker, no
-- SET clause, nothing in it but calls to private.relay_batch and pg_catalog (the one
-- exception the structure test allows). Tools must CALL it over the simple query protocol
-- (psql, pg_cron; psycopg's `pgconn.exec_`): over the extended protocol a procedure may not
-- COMMIT either.

-- One poll: notify the events after p_max not yet sent (one NOTIFY, payload {channel: newest
-- version}, or "*" when too long). Event ids come from a sequence, so a slow transaction can
-- commit an id lower than one already seen: the relay re-reads a window of the last p_window
-- ids and remembers (p_sent) which of them it has sent. Returns the new p_max and p_sent.
create function private.relay_batch(p_max bigint, p_sent bigint[], p_window int)
returns table (max_id bigint, sent_ids bigint[])
language plpgsql
set search_path = ''
as $$
declare
  v_new_ids bigint[];
  v_changed jsonb;
  v_payload text;
begin
  select array_agg(x.id), jsonb_object_agg(x.channel, x.version) filter (where x.newest = 1)
    into v_new_ids, v_changed
  from (select e.id, e.channel, e.version,
               row_number() over (partition by e.channel order by e.version desc) as newest
        from public.availability_events e
        where e.id > p_max - p_window and e.id <> all (p_sent)) x;
  if v_new_ids is null then
    return query select p_max, p_sent;
    return;
  end if;
  v_payload := v_changed::text;
  perform pg_catalog.pg_notify('clubbooking_availability',
                               case when length(v_payload) < 7900 then v_payload else '*' end);
  max_id := greatest(p_max, (select max(i) from unnest(v_new_ids) i));
  sent_ids := array(select i from unnest(p_sent || v_new_ids) i where i > max_id - p_window);
  return next;
end;
$$;
comment on function private.relay_batch is 'One poll of the event relay: one NOTIFY for the events not yet sent.';

create or replace procedure private.relay_events(p_run_for interval default interval '58 seconds',
                                                 p_poll interval default interval '3 milliseconds',
                                                 p_window int default 256)
language plpgsql
as $$
declare
  v_until timestamptz := pg_catalog.clock_timestamp() + p_run_for;
  v_max bigint;
  v_sent bigint[] := '{}';
begin
  select coalesce(pg_catalog.max(e.id), 0) into v_max from public.availability_events e;
  commit;
  while pg_catalog.clock_timestamp() < v_until loop
    select b.max_id, b.sent_ids into v_max, v_sent from private.relay_batch(v_max, v_sent, p_window) b;
    commit;  -- delivers the batch's NOTIFY
    perform pg_catalog.pg_sleep(extract(epoch from p_poll));
  end loop;
end;
$$;
comment on procedure private.relay_events is
  'Wakes LISTEN clubbooking_availability once per batch of new events; pg_cron keeps one running.';
