-- Waitlist offers are made at commit, in priority order: a party nothing free fits keeps
-- waiting, a guest at the night's limit is passed over (audited with the code), a lifted block
-- and a join are offered at commit, and the sweeper's pass offers again in a queued slot.
-- `set constraints all immediate` fires the deferred triggers as a commit would.
begin;
\ir helpers/test_helpers.psql
select plan(15);

create function tests.commit_point() returns void
language sql as $$ set constraints all immediate; set constraints all deferred; $$;
create function tests.entry_status(p_name text) returns text
language sql as $$
  select w.status from public.waitlist_entries w join public.customers c on c.id = w.customer_id
  join ids on ids.id = c.user_id where ids.name = p_name order by w.created_at desc limit 1
$$;
create function tests.offered_table(p_name text) returns int
language sql as $$
  select t.table_number from public.waitlist_entries w join public.customers c on c.id = w.customer_id
  join ids on ids.id = c.user_id join public.booking_tables bt on bt.booking_id = w.offered_booking_id
  join public.venue_tables t on t.id = bt.table_id where ids.name = p_name
$$;
create function tests.join_as(p_name text, p_party int, p_occasion text default null) returns void
language plpgsql as $$
begin
  perform tests.authenticate_as((select id from ids where name = p_name));
  perform public.join_waitlist(tests.venue(), tests.night(), 'slot_21_00', p_party, p_occasion);
  perform tests.clear_authentication();
end;
$$;
create function tests.unblock(p_table int) returns void
language plpgsql as $$
begin
  perform tests.authenticate_as_staff('host');
  perform public.unblock_tables(array(select b.id from public.table_blocks b
                                      where b.table_id = tests.tbl(p_table) and b.is_active));
  perform tests.clear_authentication();
end;
$$;

insert into ids values ('ann', tests.create_user('ann')), ('cap', tests.create_user('cap')), ('big', tests.create_user('big')),
  ('wes', tests.create_user('wes')), ('pia', tests.create_user('pia')), ('new', tests.create_user('new'));

-- Tables 1-3 are for sale tonight: Ann holds 1, Cap holds 2 and 3 (the night's limit of two).
select tests.authenticate_as_staff('host');
select public.block_tables(tests.venue(), tests.night(), array(select tests.tbl(n) from generate_series(4, 16) n),
                           null, 'private_event', 'launch');
select tests.clear_authentication();
insert into ids values ('ann_b', tests.hold_for((select id from ids where name = 'ann'), 1, 2));
select tests.hold_for((select id from ids where name = 'cap'), 2, 2);
select tests.hold_for((select id from ids where name = 'cap'), 3, 4);
select tests.commit_point();

-- Four join: Big (8, birthday) and Cap (2, birthday) ahead of Wes (2) and Pia (5).
select tests.join_as('big', 8, 'birthday');
select tests.join_as('cap', 2, 'birthday');
select tests.join_as('wes', 2);
select tests.join_as('pia', 5);
select tests.commit_point();
select is(array[tests.entry_status('big'), tests.entry_status('cap'), tests.entry_status('wes'), tests.entry_status('pia')],
  array['waiting', 'waiting', 'waiting', 'waiting'], 'joining when nothing free fits offers nothing');

-- Ann cancels: table 1 is offered when her transaction commits, not before.
select tests.authenticate_as((select id from ids where name = 'ann'));
select public.cancel_booking((select id from ids where name = 'ann_b'));
select tests.clear_authentication();
select is(tests.entry_status('wes'), 'waiting', 'a freed table is not offered before the commit');
select tests.commit_point();
select is(tests.entry_status('big'), 'waiting', 'a party the freed table cannot seat keeps waiting (Big, 8)');
select is(tests.entry_status('cap'), 'waiting', 'a guest at the night''s table limit is passed over (Cap)');
select is((select reason from audit_log where action = 'waitlist_passed_over'
           and entity_id = (select w.id from waitlist_entries w join customers c on c.id = w.customer_id
                            where c.user_id = (select id from ids where name = 'cap'))),
  'MAX_TABLES_EXCEEDED', 'and the pass-over is audited on the entry with the contract code');
select is(tests.entry_status('wes'), 'offered', 'the best entry that can take it gets it at commit (Wes)');
select is(tests.offered_table('wes'), 1, 'table 1');
select is((select count(*)::int from notifications n join customers c on c.id = n.customer_id
           where n.kind = 'waitlist_offer' and c.user_id = (select id from ids where name = 'wes')),
  1, 'with a notification row for Wes');
select is(tests.entry_status('pia'), 'waiting', 'Pia (5) keeps waiting: table 1 seats four');

-- A block lifted while offers are paused is not offered at its commit. A slot whose offers
-- stopped at something busy is queued, and the sweeper's pass offers it again.
select private.set_transaction_flag('offers_paused', true);
select tests.unblock(4);
select tests.commit_point();
select private.set_transaction_flag('offers_paused', false);
select is(tests.entry_status('pia'), 'waiting', 'a paused commit offers nothing');
insert into private.waitlist_retries values (tests.venue(), tests.night(), 'slot_21_00');
select is(private.retry_waitlist_offers(), 1, 'the sweeper''s pass makes one offer in the queued slot');
select is(tests.offered_table('pia'), 4, 'table 4 to Pia, the best entry it seats');

-- A lifted block is offered at its commit; so is a join when a table fits.
select tests.unblock(5);
select tests.commit_point();
select is(tests.offered_table('big'), 5, 'a lifted block goes to the best entry it seats at commit (Big, table 5)');
select tests.unblock(6);
select tests.commit_point();
select tests.join_as('new', 6);
select tests.commit_point();
select is(tests.offered_table('new'), 6, 'a guest who joins while a table fits them is offered it at commit');
select is((select count(*)::int from waitlist_entries where status = 'offered'), 4,
  'four offers in all: Wes, Pia, Big, New');

select * from finish();
rollback;
