-- =====================================================================================
-- The event relay, able to commit
-- =====================================================================================
-- Replaces private.relay_events of 20261121000700 (same signature, same body) without its
-- `set search_path` clause: PostgreSQL refuses transaction control in a procedure that has a
-- SET clause, so every CALL (pg_cron's each minute included) failed at its first COMMIT with
-- "invalid transaction termination" and no local listener was ever woken. Safe without it:
-- the procedure is security invoker (it runs with the caller's rights), every relation it
-- names is schema-qualified, and pg_catalog is always searched first for the built-ins.
-- Tools must CALL it over the simple query protocol (psql, pg_cron; psycopg's
-- `pgconn.exec_`): over the extended protocol a procedure may not COMMIT either.

create or replace procedure private.relay_events(p_run_for interval default interval '58 seconds',
                                                 p_poll interval default interval '3 milliseconds',
                                                 p_window int default 256)
language plpgsql
as $$
declare
  v_until timestamptz := clock_timestamp() + p_run_for;
  v_max bigint;
  v_sent bigint[] := '{}';
  v_new_ids bigint[];
  v_changed jsonb;
  v_payload text;
begin
  select coalesce(max(e.id), 0) into v_max from public.availability_events e;
  commit;
  while clock_timestamp() < v_until loop
    select array_agg(x.id), jsonb_object_agg(x.channel, x.version) filter (where x.newest = 1)
      into v_new_ids, v_changed
    from (select e.id, e.channel, e.version,
                 row_number() over (partition by e.channel order by e.version desc) as newest
          from public.availability_events e
          where e.id > v_max - p_window and e.id <> all (v_sent)) x;
    if v_new_ids is not null then
      v_payload := v_changed::text;
      perform pg_catalog.pg_notify('clubbooking_availability',
                                   case when length(v_payload) < 7900 then v_payload else '*' end);
      v_max := greatest(v_max, (select max(i) from unnest(v_new_ids) i));
      v_sent := array(select i from unnest(v_sent || v_new_ids) i where i > v_max - p_window);
    end if;
    commit;
    perform pg_catalog.pg_sleep(extract(epoch from p_poll));
  end loop;
end;
$$;
comment on procedure private.relay_events is
  'Wakes LISTEN clubbooking_availability once per batch of new events; pg_cron keeps one running.';
