-- Deposits: a payment submits a live hold once; a late deposit is re-held when the table is
-- still free, else flagged for refund with alternatives; never lost, never applied twice.
begin;
\ir helpers/test_helpers.sql
select plan(12);

insert into ids values ('sam', tests.create_user('sam')), ('tia', tests.create_user('tia')), ('uma', tests.create_user('uma'));
insert into ids values ('live', tests.hold_for((select id from ids where name = 'sam'), 3, 4));

select tests.authenticate_as_service_role();
select is(private.record_deposit_payment((select id from ids where name = 'live'), 'pi_live') ->> 'outcome', 'submitted',
  'a deposit for a live hold submits it');
select is(private.record_deposit_payment((select id from ids where name = 'live'), 'pi_live') ->> 'outcome', 'already_recorded',
  'the same payment again changes nothing');
select tests.clear_authentication();
select is((select status || ' ' || payment_reference from bookings where id = (select id from ids where name = 'live')),
  'pending_approval pi_live', 'the booking is pending approval with its payment reference');

-- A deposit that arrives after the hold expired, the table still free: held again and submitted.
insert into ids values ('late', tests.hold_for((select id from ids where name = 'sam'), 4, 4));
select tests.freeze_time(now() + interval '6 minutes');
select tests.authenticate_as_service_role();
create temp table late as select private.record_deposit_payment((select id from ids where name = 'late'), 'pi_late') as r;
select tests.clear_authentication();
select is((select r ->> 'outcome' from late), 're_held', 'a late deposit re-holds the still-free table');
select is((select r ->> 'status' from late), 'pending_approval', 'and submits the new booking');
select is((select status from bookings where id = (select id from ids where name = 'late')), 'expired', 'the old hold is expired');
select is((select reconciled_from from bookings where id = ((select r ->> 'booking_id' from late))::uuid),
  (select id from ids where name = 'late'), 'the new booking says which hold it took over');
select tests.authenticate_as_service_role();
select is(private.record_deposit_payment((select id from ids where name = 'late'), 'pi_late') ->> 'outcome', 'already_recorded',
  'a replayed late payment is not applied twice');
select tests.clear_authentication();
select tests.freeze_time(null);

-- A late deposit for a table someone else took meanwhile: flagged for refund, with alternatives.
insert into ids values ('lost', tests.hold_for((select id from ids where name = 'uma'), 9, 2, 'slot_23_30'));
select tests.freeze_time(now() + interval '6 minutes');
insert into ids values ('taker', tests.hold_for((select id from ids where name = 'tia'), 9, 2, 'slot_23_30'));
select tests.authenticate_as_service_role();
create temp table lost as select private.record_deposit_payment((select id from ids where name = 'lost'), 'pi_lost') as r;
select tests.clear_authentication();
select is((select r ->> 'outcome' from lost), 'refund_due', 'a late deposit for a taken table is flagged for refund');
select ok((select jsonb_array_length(r -> 'alternatives') > 0 from lost), 'and the guest is offered alternatives');
select is((select count(*)::int from audit_log where entity_id = (select id from ids where name = 'lost') and action = 'deposit_refund_due'), 1,
  'the refund flag is audited');

select tests.authenticate_as((select id from ids where name = 'sam'));
select throws_ok(format('select private.record_deposit_payment(%L, %L)', (select id from ids where name = 'lost'), 'pi_forged'),
  '42501', null, 'a guest cannot record a payment');
select tests.clear_authentication();

select * from finish();
rollback;
