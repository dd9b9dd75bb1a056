-- Security fixtures, included after test_helpers.sql by the security tests: a second venue
-- with its own staff and promoter, twelve personas, and data in every table at both venues, made on a
-- frozen clock (the night's 21:30, so holds are live, check-in is open and the early slot
-- has started). tests.act_as(persona) acts as one; tests.attempt(persona, sql) runs a
-- statement as one in a subtransaction that is always rolled back, and reports what happened.
set constraints all immediate;
select tests.freeze_time(((tests.night() + time '21:30')::timestamp at time zone 'Europe/London'));

-- ---------- venue B: another venue of the club, with its own admin and door ----------
create function tests.venue_b() returns uuid language sql immutable
as $$ select '33333333-3333-4333-8333-333333333333'::uuid $$;
insert into public.venues (id, club_id, name, max_tables_per_customer_night)
select tests.venue_b(), v.club_id, 'Venue B', 6 from public.venues v where v.id = tests.venue();
update public.venues set max_tables_per_customer_night = 6 where id = tests.venue();
insert into public.floors (id, venue_id, name) values ('33333333-3333-4333-8333-3333333333f1', tests.venue_b(), 'main');
insert into public.venue_tables (id, venue_id, floor_id, table_number, name, capacity_min, capacity_max, adjacent_numbers)
values ('33333333-3333-4333-8333-333333333301', tests.venue_b(), '33333333-3333-4333-8333-3333333333f1', 1, 'B1', 1, 4, '{2}'),
       ('33333333-3333-4333-8333-333333333302', tests.venue_b(), '33333333-3333-4333-8333-3333333333f1', 2, 'B2', 1, 4, '{1}');
insert into public.table_combinations (venue_id, name, table_ids, capacity_min, capacity_max)
values (tests.venue_b(), 'B1+B2', array['33333333-3333-4333-8333-333333333301', '33333333-3333-4333-8333-333333333302']::uuid[], 3, 8);
insert into public.venue_slots (venue_id, slot_id, label, starts_at, duration)
values (tests.venue_b(), 'slot_21_00', 'Early', '21:00', '2 hours 30 minutes');

-- ---------- personas ----------
create temp table fx (name text primary key, id uuid);
grant select on fx to anon, authenticated, service_role;
create function tests.fx(p_name text) returns uuid language sql stable
as $$ select id from fx where name = p_name $$;

insert into fx values ('ann', tests.create_user('ann')), ('bob', tests.create_user('bob')),
                      ('carol', tests.create_user('carol')), ('vic', tests.create_user('vic')),
                      ('wes', tests.create_user('wes')), ('pia', tests.create_user('pia')),
                      ('pat', tests.create_user('pat'));
insert into public.staff_members (venue_id, user_id, role)
values (tests.venue_b(), tests.fx('vic'), 'admin'), (tests.venue_b(), tests.fx('wes'), 'door');
insert into public.promoters (venue_id, user_id, code, name)
values (tests.venue(), tests.fx('pia'), 'PIA', 'Pia Promotes'), (tests.venue_b(), tests.fx('pat'), 'PAT', 'Pat Promotes');

-- Who each persona is: a user (or none) with an aal, and the venue whose staff it is.
create temp table personas (name text primary key, user_id uuid, aal text, home_venue uuid, ord int);
grant select on personas to anon, authenticated, service_role;
insert into personas values
  ('anon',         null,                   null,   null,              1),
  ('customer',     tests.fx('ann'),        'aal1', null,              2),
  ('stranger',     tests.fx('bob'),        'aal1', null,              3),
  ('door',         tests.staff('door'),    'aal1', tests.venue(),     4),
  ('host',         tests.staff('host'),    'aal1', tests.venue(),     5),
  ('manager',      tests.staff('manager'), 'aal1', tests.venue(),     6),
  ('manager_mfa',  tests.staff('manager'), 'aal2', tests.venue(),     7),
  ('admin',        tests.staff('admin'),   'aal1', tests.venue(),     8),
  ('admin_mfa',    tests.staff('admin'),   'aal2', tests.venue(),     9),
  ('other_admin',  tests.fx('vic'),        'aal2', tests.venue_b(),  10),
  ('service_role', null,                   null,   null,             11),
  ('promoter',     tests.fx('pia'),        'aal1', null,             12);

create function tests.act_as(p_persona text) returns void
language plpgsql
as $$
declare
  v_persona record;
begin
  perform tests.clear_authentication();
  select * into strict v_persona from personas p where p.name = p_persona;
  if p_persona = 'anon' then
    perform tests.authenticate_as_anon();
  elsif p_persona = 'service_role' then
    perform tests.authenticate_as_service_role();
  else
    perform tests.authenticate_as(v_persona.user_id, v_persona.aal);
  end if;
end;
$$;

-- Run p_sql as a persona and undo everything it did (the subtransaction always rolls back):
-- err_state/err_message of the error it raised (null when it succeeded), the rows it
-- affected, and, when p_sql is a query, its single value as text[].
create function tests.attempt(p_persona text, p_sql text, p_query boolean default false,
                              out err_state text, out err_message text, out affected bigint, out result text[])
language plpgsql
as $$
begin
  begin
    perform tests.act_as(p_persona);
    if p_query then
      execute p_sql into result;
    else
      execute p_sql;
    end if;
    get diagnostics affected = row_count;
    raise exception using errcode = 'TS000', message = 'rolled back';
  exception when others then
    if sqlstate <> 'TS000' then
      err_state := sqlstate;
      err_message := sqlerrm;
    end if;
  end;
end;
$$;

-- create_booking_atomic reports errors as a row: raise them like every other RPC does.
create function tests.raise_error_message(p_error_message text) returns void
language plpgsql
as $$
begin
  if p_error_message is not null then
    raise exception using message = split_part(p_error_message, ':', 1), errcode = 'PT400';
  end if;
end;
$$;

grant execute on all functions in schema tests to anon, authenticated, service_role;

-- ---------- data in every table, at both venues ----------
create function tests.fixture_booking(p_user text, p_venue uuid, p_table uuid, p_party int,
                                      p_slot text default 'slot_21_00') returns uuid
language plpgsql
as $$
declare
  v_id uuid;
begin
  perform tests.authenticate_as(tests.fx(p_user));
  v_id := (public.hold_tables(p_venue, tests.night(), p_slot, array[p_table], p_party) ->> 'booking_id')::uuid;
  perform tests.clear_authentication();
  return v_id;
end;
$$;

insert into fx values
  ('ann_held', tests.fixture_booking('ann', tests.venue(), tests.tbl(1), 3)),
  ('ann_pending', tests.fixture_booking('ann', tests.venue(), tests.tbl(3), 4)),
  ('ann_confirmed', tests.fixture_booking('ann', tests.venue(), tests.tbl(5), 6)),
  ('bob_held', tests.fixture_booking('bob', tests.venue(), tests.tbl(7), 2)),
  ('carol_held', tests.fixture_booking('carol', tests.venue_b(), '33333333-3333-4333-8333-333333333301', 2));
select public.submit_booking(tests.fx('ann_pending'), 'pi_ann_pending');
select public.submit_booking(tests.fx('ann_confirmed'), 'pi_ann_confirmed');
select public.approve_booking(tests.fx('ann_confirmed'));
insert into fx values ('ann_customer', (select customer_id from public.bookings where id = tests.fx('ann_held')));
update public.bookings set promoter_code = 'PIA' where id = tests.fx('bob_held');
insert into public.notifications (venue_id, customer_id, kind, payload)
select tests.venue(), tests.fx('ann_customer'), 'booking_cancelled_by_venue',
       '{"reference": "BR-000000-AAAAAA", "reason": "forced_block: Ann asked to move"}'::jsonb
union all
select b.venue_id, b.customer_id, 'waitlist_offer', '{}'::jsonb from public.bookings b where b.id = tests.fx('carol_held');

insert into public.staff_invitations (venue_id, email, role)
values (tests.venue(), 'invited.door@test.example', 'door'), (tests.venue_b(), 'invited.host@test.example', 'host');

-- Entries that stay waiting (a join offers what is free at once; these fixtures want them waiting).
select set_config('clubbooking.offers_paused', 'on', true);
select tests.authenticate_as(tests.fx('ann'));
select public.join_waitlist(tests.venue(), tests.night(), 'slot_23_30', 4);
select tests.clear_authentication();
select tests.authenticate_as(tests.fx('carol'));
select public.join_waitlist(tests.venue_b(), tests.night(), 'slot_21_00', 2);
select tests.clear_authentication();
select set_config('clubbooking.offers_paused', '', true);

insert into fx values
  ('block_a', (public.block_tables(tests.venue(), tests.night(), array[tests.tbl(14)], 'slot_23_30') -> 'block_ids' ->> 0)::uuid),
  ('block_b', (public.block_tables(tests.venue_b(), tests.night(), array['33333333-3333-4333-8333-333333333302'::uuid],
                                   'slot_21_00') -> 'block_ids' ->> 0)::uuid);
