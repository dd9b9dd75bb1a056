-- One answer for a booking that doesn't exist and one that isn't yours: a guest (or another
-- venue's staff) naming someone else's booking, by id or by reference, gets exactly what an
-- invented id or reference gets, so the transitions are no oracle for which bookings exist.
begin;
\ir helpers/test_helpers.psql
select plan(8);

insert into ids values ('owner', tests.create_user('owner')), ('stranger', tests.create_user('stranger'));
insert into ids values ('booking', tests.hold_for((select id from ids where name = 'owner'), 2, 2));

-- The error (SQLSTATE, message, detail) a statement raises, with the caller's reference swapped
-- for a placeholder so that two references can be compared.
create function tests.refusal(p_sql text, p_reference text default null) returns text
language plpgsql as $$
declare
  v_state text; v_message text; v_detail text;
begin
  execute p_sql;
  return 'no error';
exception when others then
  get stacked diagnostics v_state = returned_sqlstate, v_message = message_text, v_detail = pg_exception_detail;
  return concat_ws(' | ', v_state, v_message, replace(v_detail, coalesce(p_reference, '~'), '<ref>'));
end;
$$;

grant execute on function tests.refusal(text, text) to anon, authenticated;

select set_config('t.ref', (select reference from bookings where id = (select id from ids where name = 'booking')), true);
select set_config('t.invented', 'BR-' || to_char(tests.night(), 'YYMMDD') || '-ZZZZZZ', true);

select tests.authenticate_as((select id from ids where name = 'stranger'));
select is(tests.refusal(format('select public.cancel_booking(p_reference => %L)', current_setting('t.ref')), current_setting('t.ref')),
          tests.refusal(format('select public.cancel_booking(p_reference => %L)', current_setting('t.invented')), current_setting('t.invented')),
          'cancel_booking: another guest''s reference gets the answer an invented one gets');
select is(tests.refusal(format('select public.cancel_booking(%L)', (select id from ids where name = 'booking'))),
          tests.refusal(format('select public.cancel_booking(%L)', gen_random_uuid())),
          'cancel_booking: another guest''s booking id gets the answer an invented id gets');
select is(tests.refusal(format('select public.submit_booking(%L)', (select id from ids where name = 'booking'))),
          tests.refusal(format('select public.submit_booking(%L)', gen_random_uuid())),
          'submit_booking: the same for ids');
select is(tests.refusal(format('select public.check_in_booking(p_reference => %L)', current_setting('t.ref')), current_setting('t.ref')),
          tests.refusal(format('select public.check_in_booking(p_reference => %L)', current_setting('t.invented')), current_setting('t.invented')),
          'check_in_booking: the same for references');
select is(tests.refusal(format('select public.mark_no_show(p_reference => %L)', current_setting('t.ref')), current_setting('t.ref')),
          tests.refusal(format('select public.mark_no_show(p_reference => %L)', current_setting('t.invented')), current_setting('t.invented')),
          'mark_no_show: the same for references');
select throws_ok(format('select public.cancel_booking(p_reference => %L)', current_setting('t.ref')), 'PT404', 'INVALID_INPUT',
  'and that answer is the 404 of an unknown booking');
select tests.clear_authentication();

-- Staff of another club's venue are strangers to the booking too.
insert into public.clubs (id, name, slug) values ('77777777-7777-4777-8777-777777777777', 'Oracle Club', 'oracle-club');
insert into public.venues (id, club_id, name) values ('77777777-7777-4777-8777-777777777701', '77777777-7777-4777-8777-777777777777', 'Oracle Venue');
insert into ids values ('rival_door', tests.create_user('rival_door'));
insert into public.staff_members (venue_id, user_id, role)
values ('77777777-7777-4777-8777-777777777701', (select id from ids where name = 'rival_door'), 'admin');
select tests.authenticate_as((select id from ids where name = 'rival_door'));
select is(tests.refusal(format('select public.check_in_booking(%L)', (select id from ids where name = 'booking'))),
          tests.refusal(format('select public.check_in_booking(%L)', gen_random_uuid())),
          'another venue''s staff get the answer an invented id gets');
select tests.clear_authentication();

-- The booking's own guest and its venue's staff still get the real answers.
select tests.authenticate_as((select id from ids where name = 'owner'));
select throws_ok(format('select public.check_in_booking(p_reference => %L)', current_setting('t.ref')), 'PT403', 'NOT_AUTHORIZED',
  'the guest naming their own booking for a staff action is told it is not theirs to do');
select tests.clear_authentication();

select * from finish();
rollback;
