-- Test helpers, included by every pgTAP file inside its transaction (so they roll back too).
-- Acting as a user is what PostgREST does: transaction-local role and request.jwt.claims.
create extension if not exists pgtap with schema extensions;
set local search_path = public, extensions;
grant usage on schema extensions to anon, authenticated, service_role;
-- New functions get no PUBLIC execute here (the migrations' default privileges): pgTAP's must be callable while acting as a user.
grant execute on all functions in schema extensions to anon, authenticated, service_role;

create schema tests;
grant usage on schema tests to anon, authenticated, service_role;

-- The seeded venue and its tables (by number), staff (by role).
create function tests.venue() returns uuid language sql immutable as $$ select '22222222-2222-4222-8222-222222222222'::uuid $$;
create function tests.tbl(p_number int) returns uuid language sql immutable
as $$ select ('44444444-4444-4444-8444-4444444444' || lpad(p_number::text, 2, '0'))::uuid $$;
create function tests.staff(p_role text) returns uuid language sql immutable
as $$ select ('55555555-5555-4555-8555-55555555550' || case p_role when 'admin' then 1 when 'manager' then 2 when 'host' then 3 else 4 end)::uuid $$;

-- A Friday at least a week ahead (the venue opens Friday and Saturday nights).
create function tests.night(p_weeks int default 1) returns date language sql stable
as $$ select d + ((5 - extract(isodow from d)::int + 7) % 7) from (select current_date + 7 * p_weeks as d) x $$;

-- A new Supabase Auth user (an adult unless told otherwise); returns its id.
create function tests.create_user(p_name text, p_date_of_birth date default '1995-06-15') returns uuid
language sql
as $$
  insert into auth.users (id, email, raw_user_meta_data)
  values (gen_random_uuid(), p_name || '@test.example',
          jsonb_build_object('full_name', initcap(p_name), 'date_of_birth', p_date_of_birth))
  returning id
$$;

create function tests.authenticate_as(p_user uuid, p_aal text default 'aal1') returns void
language sql
as $$
  select set_config('role', 'authenticated', true),
         set_config('request.jwt.claims', (
           select jsonb_build_object('sub', u.id, 'role', 'authenticated', 'aal', p_aal, 'email', u.email,
                                     'user_metadata', u.raw_user_meta_data)::text
           from auth.users u where u.id = p_user), true);
$$;

create function tests.authenticate_as_staff(p_role text, p_aal text default 'aal1') returns void
language sql as $$ select tests.authenticate_as(tests.staff(p_role), p_aal) $$;

create function tests.authenticate_as_anon() returns void
language sql as $$ select set_config('role', 'anon', true), set_config('request.jwt.claims', '{"role":"anon"}', true) $$;

create function tests.authenticate_as_service_role() returns void
language sql as $$ select set_config('role', 'service_role', true),
                          set_config('request.jwt.claims', '{"role":"service_role"}', true) $$;

create function tests.clear_authentication() returns void
language sql as $$ select set_config('role', 'postgres', true), set_config('request.jwt.claims', '', true) $$;

-- Freeze the database clock (private.now()) for expiry tests; null unfreezes.
create function tests.freeze_time(p_at timestamptz) returns void
language sql as $$ select set_config('clubbooking.now', coalesce(p_at::text, ''), true) $$;

-- A held booking for a new guest: returns the booking id.
create function tests.hold_for(p_user uuid, p_table int, p_party int default 3, p_slot text default 'slot_21_00',
                               p_night date default null)
returns uuid
language plpgsql
as $$
declare
  v_result jsonb;
begin
  perform tests.authenticate_as(p_user);
  v_result := public.hold_tables(tests.venue(), coalesce(p_night, tests.night()), p_slot,
                                 array[tests.tbl(p_table)], p_party);
  perform tests.clear_authentication();
  return (v_result ->> 'booking_id')::uuid;
end;
$$;

grant execute on all functions in schema tests to anon, authenticated, service_role;

-- Named ids a test collects as it goes (readable by whatever role the test acts as).
create temp table ids (name text primary key, id uuid);
grant all on ids to anon, authenticated, service_role;
