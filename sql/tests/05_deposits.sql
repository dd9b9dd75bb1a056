-- Deposits: a payment submits a live hold once; a late deposit is re-held when the table is
-- still free, else flagged for refund with alternatives; never lost, never applied twice.
begin;
\ir helpers/test_helpers.psql
select plan(19);

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

-- Idempotent holds: the same request twice is one booking.
insert into ids values ('vic', tests.create_user('vic'));
select tests.authenticate_as((select id from ids where name = 'vic'));
select is(
  public.hold_tables(tests.venue(), tests.night(2), 'slot_21_00', array[tests.tbl(10)], 2, 'req-42') ->> 'booking_id',
  public.hold_tables(tests.venue(), tests.night(2), 'slot_21_00', array[tests.tbl(10)], 2, 'req-42') ->> 'booking_id',
  'a hold repeated with the same idempotency key returns the same booking');
select tests.clear_authentication();

-- Refunds: a guest cancelling before the 48-hour window gets the deposit back, inside it not;
-- when the venue cancels, always.
insert into ids select 'vb', id from bookings where idempotency_key = 'req-42';
select tests.authenticate_as((select id from ids where name = 'vic'));
select tests.pay((select id from ids where name = 'vb'), 'pi_vic'), tests.authenticate_as((select id from ids where name = 'vic'));
select is((public.cancel_booking((select id from ids where name = 'vb')) ->> 'refund_eligible')::boolean, true,
  'cancelling days ahead refunds the deposit');
select tests.clear_authentication();
insert into ids values ('vb2', tests.hold_for((select id from ids where name = 'vic'), 11, 4, 'slot_21_00', tests.night(2)));
select tests.authenticate_as((select id from ids where name = 'vic'));
select tests.pay((select id from ids where name = 'vb2'), 'pi_vic2'), tests.authenticate_as((select id from ids where name = 'vic'));
select tests.clear_authentication();
select tests.freeze_time((tests.night(2) + time '12:00')::timestamp at time zone 'Europe/London');
select tests.authenticate_as((select id from ids where name = 'vic'));
select is((public.cancel_booking((select id from ids where name = 'vb2')) ->> 'refund_eligible')::boolean, false,
  'cancelling on the day (inside the 48-hour window) keeps the deposit');
select tests.clear_authentication();
select tests.freeze_time(null);
insert into ids values ('vb3', tests.hold_for((select id from ids where name = 'vic'), 12, 4, 'slot_23_30', tests.night(2)));
select tests.authenticate_as((select id from ids where name = 'vic'));
select tests.pay((select id from ids where name = 'vb3'), 'pi_vic3'), tests.authenticate_as((select id from ids where name = 'vic'));
select tests.clear_authentication();
select tests.freeze_time((tests.night(2) + time '12:00')::timestamp at time zone 'Europe/London');
select tests.authenticate_as_staff('host');
select is((public.cancel_booking((select id from ids where name = 'vb3'), 'flood') ->> 'refund_eligible')::boolean, true,
  'when the venue cancels, the deposit is always refundable');
select tests.clear_authentication();
select tests.freeze_time(null);

-- Auto-confirm: a venue that needs no approval confirms on submit.
update venues set requires_approval = false where id = tests.venue();
insert into ids values ('auto', tests.hold_for((select id from ids where name = 'tia'), 14, 8, 'slot_21_00', tests.night(3)));
select tests.authenticate_as((select id from ids where name = 'tia'));
select is(tests.pay((select id from ids where name = 'auto'), 'pi_auto') ->> 'status', 'confirmed',
  'where the venue auto-confirms, a paid request is confirmed at once');
select tests.clear_authentication();
select tests.authenticate_as_anon();
select is((select t ->> 'state' from jsonb_array_elements(public.get_availability(tests.venue(), tests.night(3), 'slot_21_00') -> 'tables') t
           where t ->> 'table_number' = '14'), 'confirmed', 'the public sees a confirmed table as confirmed');
select is((select t ->> 'state' from jsonb_array_elements(public.get_availability(tests.venue(), tests.night(), 'slot_21_00') -> 'tables') t
           where t ->> 'table_number' = '3'), 'unavailable', 'and a pending request as merely unavailable');
select tests.clear_authentication();

select * from finish();
rollback;
