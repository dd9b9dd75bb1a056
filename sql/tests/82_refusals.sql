-- Refusals: SECTION_NOT_AVAILABLE carries its alternatives in the DETAIL, the same slot's free
-- table sets first (fewest wasted seats, lowest minimum spend, lower floor), then the
-- neighbouring slot's when the slot is full; at most five, found in one statement. A client
-- holding a live snapshot may ask for none (p_alternatives => false): the same refusal, none listed.
begin;
\ir helpers/test_helpers.psql
select plan(8);

set constraints all immediate;

insert into ids values ('ana', tests.create_user('ana')), ('ben', tests.create_user('ben'));

-- The DETAIL of a refused hold, as JSON (null when the hold was not refused).
create function tests.refusal(p_user uuid, p_table int, p_party int, p_slot text,
                              p_alternatives boolean default true) returns jsonb
language plpgsql
as $$
declare
  v_detail text;
begin
  perform tests.authenticate_as(p_user);
  perform public.hold_tables(tests.venue(), tests.night(), p_slot, array[tests.tbl(p_table)], p_party,
                             p_alternatives => p_alternatives);
  perform tests.clear_authentication();
  return null;
exception when sqlstate 'PT409' then
  get stacked diagnostics v_detail = pg_exception_detail;
  perform tests.clear_authentication();
  return v_detail::jsonb;
end;
$$;

-- The alternatives as 'slot:table+table' labels, in their order.
create function tests.labels(p_detail jsonb) returns text[]
language sql
as $$
  select array_agg((a ->> 'slot_id') || ':' || array_to_string(array(
           select jsonb_array_elements_text(a -> 'table_numbers')), '+') order by o)
  from jsonb_array_elements(p_detail -> 'alternatives') with ordinality x (a, o)
$$;

select tests.hold_for((select id from ids where name = 'ana'), 1, 2, 'slot_23_30');
create temp table taken as select tests.refusal((select id from ids where name = 'ben'), 1, 2, 'slot_23_30') as d;

select is((select d ->> 'reason' from taken), 'taken', 'a refusal''s detail says the table is taken');
select is((select tests.labels(d) from taken),
  array['slot_23_30:9', 'slot_23_30:10', 'slot_23_30:2', 'slot_23_30:7', 'slot_21_00:9'],
  'a refusal offers the same slot''s free tables first (fewest wasted seats, lowest minimum spend, lower floor first), then the neighbouring slot''s');
select is((select jsonb_array_length(d -> 'alternatives') from taken), 5, 'at most five alternatives');
select ok((select bool_and(a ? 'table_ids' and a ? 'capacity_max' and a ? 'minimum_spend' and a ? 'deposit'
                           and a ? 'combination_type')
           from taken, jsonb_array_elements(d -> 'alternatives') a),
  'each alternative names its tables, seats, minimum spend, deposit and kind');

create temp table none_asked as
  select tests.refusal((select id from ids where name = 'ben'), 1, 2, 'slot_23_30', p_alternatives => false) as d;
select is((select d from none_asked), '{"reason": "taken", "alternatives": []}'::jsonb,
  'a client that asks for no alternatives gets the same refusal with none listed');
select is((select count(*)::int from public.bookings b where b.customer_id = (select id from ids where name = 'ben')), 0,
  'a refusal without alternatives holds nothing either');

-- The late slot full (every table blocked): the alternatives come from the neighbouring slot.
select tests.authenticate_as_staff('manager');
select public.block_tables(tests.venue(), tests.night(), array(select tests.tbl(n) from generate_series(2, 16) n),
                           'slot_23_30', 'private_event', 'buy-out');
select tests.clear_authentication();
create temp table full_slot as select tests.refusal((select id from ids where name = 'ben'), 5, 6, 'slot_23_30') as d;

select is((select tests.labels(d) from full_slot),
  array['slot_21_00:11', 'slot_21_00:12', 'slot_21_00:3', 'slot_21_00:4', 'slot_21_00:15'],
  'a full slot''s refusal offers the neighbouring slot''s tables, best first');
select is((select tests.labels(d) from full_slot), (
  select array_agg('slot_21_00:' || array_to_string(o.table_numbers, '+') order by o.rank)
  from private.free_options(tests.venue(), tests.night(), private.slot_range(tests.venue(), tests.night(), 'slot_21_00'), 6) o
  where o.rank <= 5),
  'the alternatives are the slot''s free options in the same order as free_options ranks them');

select * from finish();
rollback;
