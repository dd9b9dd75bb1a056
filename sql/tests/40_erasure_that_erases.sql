-- Erasure that erases: after forget_customer, the guest's name is in no text or json column of any
-- table of ours or of Realtime (events' staff payloads and private Broadcast rows carry the actor's
-- id and role, never a name; the staff snapshot names people when it is read, and no more once they
-- are forgotten). Supabase Auth's own user is deleted through the Auth admin API, not here.
begin;
\ir helpers/test_helpers.psql
select plan(4);
set constraints all immediate;

-- A guest (name "Zeldaerasable") holds, staff and the guest act on the booking: events, Broadcast
-- rows, audit rows, a notification.
insert into ids values ('guest', tests.create_user('zeldaerasable'));
insert into ids values ('booking', tests.hold_for((select id from ids where name = 'guest'), 1, 2));
select tests.authenticate_as((select id from ids where name = 'guest'));
select public.cancel_booking((select id from ids where name = 'booking'), 'Zeldaerasable cannot make it');
select public.join_waitlist(tests.venue(), tests.night(), 'slot_23_30', 2);
select tests.clear_authentication();
insert into ids select 'customer', customer_id from bookings where id = (select id from ids where name = 'booking');

-- Every text, varchar, json and jsonb column (or array of them) of every table in public, private
-- and realtime holding the text.
create function tests.columns_holding(p_text text) returns text[]
language plpgsql as $$
declare
  v_column record;
  v_found text[] := '{}';
  v_hit boolean;
begin
  for v_column in
    select n.nspname, c.relname, a.attname
    from pg_catalog.pg_attribute a
    join pg_catalog.pg_class c on c.oid = a.attrelid and c.relkind in ('r', 'p') and not c.relispartition
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace and n.nspname in ('public', 'private', 'realtime')
    join pg_catalog.pg_type t on t.oid = a.atttypid
    where a.attnum > 0 and not a.attisdropped
      and (t.typname in ('text', 'varchar', 'bpchar', 'json', 'jsonb', 'name')
           or t.typelem in ('text'::regtype, 'varchar'::regtype, 'jsonb'::regtype, 'json'::regtype))
  loop
    execute format('select exists (select 1 from %I.%I where %I::text ilike %L)', v_column.nspname, v_column.relname,
                   v_column.attname, '%' || p_text || '%') into v_hit;
    if v_hit then
      v_found := v_found || format('%s.%s.%s', v_column.nspname, v_column.relname, v_column.attname);
    end if;
  end loop;
  return v_found;
end;
$$;

select ok(cardinality(tests.columns_holding('Zeldaerasable')) > 0, 'before erasure the name is stored (the search finds it)');
select ok(not exists (select 1 from public.availability_events e where e.staff_payload -> 'actor' ? 'name'),
  'staff payloads carry the actor''s id and role, no name');

select tests.authenticate_as((select id from ids where name = 'guest'));
select public.forget_customer((select id from ids where name = 'customer'));
select tests.clear_authentication();
select is(tests.columns_holding('Zeldaerasable'), '{}'::text[],
  'after forget_customer no table (ours or Realtime''s) holds the name anywhere');
select tests.authenticate_as_staff('host');
select is((select t ->> 'changed_by_name' from jsonb_array_elements(
            public.get_availability(tests.venue(), tests.night(), 'slot_21_00') -> 'tables') t
           where t ->> 'changed_by' = (select id from ids where name = 'guest')::text limit 1), null,
  'and the staff snapshot no longer names them');
select tests.clear_authentication();

select * from finish();
rollback;
