-- Guests hear about their booking: a notification for each change they care about, in the
-- venue's name, zone and currency; deliveries on the channels they consent to; reminders once;
-- opting out and erasure honoured before anything is sent.
begin;
\ir helpers/test_helpers.psql
select plan(24);

insert into ids values ('gia', tests.create_user('gia')), ('hal', tests.create_user('hal'));
insert into ids values ('g1', tests.hold_for((select id from ids where name = 'gia'), 3, 4));
create function pg_temp.b(p_name text) returns uuid language sql as $$ select id from ids where name = p_name $$;
create function pg_temp.kinds(p_booking uuid) returns text[] language sql as $$
  select array_agg(n.kind order by n.id) from public.notifications n where n.payload ->> 'booking_id' = p_booking::text
$$;
grant execute on all functions in schema pg_temp to authenticated, service_role;

-- ---------- a hold, with how to pay, in the venue's terms ----------
select is(pg_temp.kinds(pg_temp.b('g1')), array['booking_held'], 'notify_held: a hold tells its guest');
select is((select (payload ->> 'venue_name', payload ->> 'timezone', payload ->> 'currency', payload ->> 'deposit')
           from public.notifications where payload ->> 'booking_id' = pg_temp.b('g1')::text),
          ('The Backroom Leeds'::text, 'Europe/London'::text, 'gbp'::text, '50.00'::text),
  'in the venue''s name, zone and currency');
select is((select payload ->> 'pay' from public.notifications where payload ->> 'booking_id' = pg_temp.b('g1')::text),
          format('POST /functions/v1/bookings/%s/payment-intent', pg_temp.b('g1')), 'with how to pay the deposit');
select is((select payload ->> 'starts_at_local' from public.notifications where payload ->> 'booking_id' = pg_temp.b('g1')::text),
          tests.night()::text || 'T21:00', 'and the local start time');

-- ---------- requested, approved, rejected, cancelled by the guest or by the venue ----------
select tests.pay(pg_temp.b('g1'), 'pi_gia_1');
select is(pg_temp.kinds(pg_temp.b('g1')), array['booking_held', 'booking_requested'], 'notify_requested: the paid request');
select tests.authenticate_as_staff('manager');
select public.approve_booking(pg_temp.b('g1'));
select tests.clear_authentication();
select is((pg_temp.kinds(pg_temp.b('g1')))[3], 'booking_approved', 'notify_request_approved');
insert into ids values ('g2', tests.hold_for((select id from ids where name = 'gia'), 5, 6));
select tests.pay(pg_temp.b('g2'), 'pi_gia_2');
select tests.authenticate_as_staff('manager');
select public.reject_booking(pg_temp.b('g2'), 'private party');
select tests.clear_authentication();
select is((select (kind, payload ->> 'note') from public.notifications where payload ->> 'booking_id' = pg_temp.b('g2')::text
           order by id desc limit 1), ('booking_rejected'::text, 'private party'::text), 'notify_rejected: with the venue''s words');
insert into ids values ('g3', tests.hold_for((select id from ids where name = 'gia'), 7, 2));
select tests.authenticate_as((select id from ids where name = 'gia'));
select public.cancel_booking(pg_temp.b('g3'), 'changed my mind');
select tests.clear_authentication();
select is(pg_temp.kinds(pg_temp.b('g3')), array['booking_held', 'booking_cancelled'], 'notify_cancelled_by_guest');
select tests.authenticate_as_staff('host');
select public.cancel_booking(pg_temp.b('g1'), 'flooded');
select tests.clear_authentication();
select is((pg_temp.kinds(pg_temp.b('g1')))[4], 'booking_cancelled_by_venue', 'notify_cancelled_by_venue');
select is(private.notice_kind('pending_approval',
            jsonb_populate_record((select b from public.bookings b where b.id = pg_temp.b('g2')), '{"status": "expired"}'),
            false, null),
  'booking_request_expired', 'notify_request_expired: a request that lapses is told');
select is(private.notice_kind('checked_in',
            jsonb_populate_record((select b from public.bookings b where b.id = pg_temp.b('g2')), '{"status": "confirmed"}'),
            false, 'door'),
  null, 'an undone check-in tells the guest nothing');
select is(private.notice_kind('rejected', (select b from public.bookings b where b.id = pg_temp.b('g2')), true, 'manager'),
  null, 'a change of a closed booking is not told');

-- ---------- a change: party size, by a manager override ----------
insert into ids values ('g4', tests.hold_for((select id from ids where name = 'hal'), 9, 4));
select tests.pay(pg_temp.b('g4'), 'pi_hal_1');
select tests.authenticate_as_staff('manager', 'aal2');
select public.approve_booking(pg_temp.b('g4'));
select public.approve_booking_over_capacity(pg_temp.b('g4'), 9, 'two more friends');
select tests.clear_authentication();
select is((select (kind, payload -> 'before' ->> 'party_size', payload ->> 'party_size') from public.notifications
           where payload ->> 'booking_id' = pg_temp.b('g4')::text order by id desc limit 1),
          ('booking_changed'::text, '4'::text, '9'::text), 'notify_changed: before and after');

-- ---------- reminders, once each ----------
select tests.freeze_time((select lower(period) - interval '23 hours' from public.bookings where id = pg_temp.b('g4')));
select ok(private.queue_booking_reminders() >= 1, 'reminder_24h: queued a day before');
select is(private.queue_booking_reminders(), 0, 'reminder_once: a second run queues nothing');
select tests.freeze_time((select lower(period) - interval '90 minutes' from public.bookings where id = pg_temp.b('g4')));
select private.queue_booking_reminders();
select is((select array_agg(kind order by kind) from public.notifications
           where payload ->> 'booking_id' = pg_temp.b('g4')::text and kind like 'booking_reminder%'),
          array['booking_reminder_24h', 'booking_reminder_2h'], 'reminder_2h: and two hours before');
select tests.freeze_time(null);

-- ---------- consent: channels, opting out, erasure ----------
select is((select array_agg(channel order by channel) from private.notification_deliveries d
           join public.notifications n on n.id = d.notification_id where n.payload ->> 'booking_id' = pg_temp.b('g4')::text
           group by n.id order by n.id limit 1), array['email'], 'deliveries_follow_consent: email by default, no SMS');
update public.customers set phone = '+44 7700 900123'
 where user_id = (select id from ids where name = 'hal');
select tests.authenticate_as((select id from ids where name = 'hal'));
select is(public.set_notification_channels(array['sms', 'email']) -> 'notification_channels', '["email", "sms"]'::jsonb,
  'a guest opts in to SMS');
select throws_ok($$ select public.set_notification_channels(array['pigeon']) $$, 'PT422', 'INVALID_INPUT',
  'an unknown channel is INVALID_INPUT');
select tests.clear_authentication();
insert into ids values ('g5', tests.hold_for((select id from ids where name = 'hal'), 11, 4));
select is((select count(*)::int from private.notification_deliveries d
           where d.notification_id = (select max(id) from public.notifications)), 2, 'then hears on both channels');
-- ---------- a change that only moves the tables is told too ----------
select tests.authenticate_as((select id from ids where name = 'hal'));
select public.modify_booking(pg_temp.b('g5'), p_table_ids => array[tests.tbl(12)]);
select tests.clear_authentication();
select is((select (kind, payload ->> 'party_size', payload -> 'before' ->> 'party_size') from public.notifications
           where payload ->> 'booking_id' = pg_temp.b('g5')::text order by id desc limit 1),
          ('booking_changed'::text, '4'::text, '4'::text), 'notify_changed: tables moved, nothing else, is still a change');
select tests.authenticate_as((select id from ids where name = 'hal'));
select public.set_notification_channels(array[]::text[]);
select tests.clear_authentication();
select private.claim_notification_deliveries(array['email', 'sms'], 1000);
select is((select count(*)::int from private.notification_deliveries d
           join public.notifications n on n.id = d.notification_id
           where n.customer_id = (select customer_id from public.bookings where id = pg_temp.b('g4')) and d.status = 'withdrawn'),
          (select count(*)::int from private.notification_deliveries d
           join public.notifications n on n.id = d.notification_id
           where n.customer_id = (select customer_id from public.bookings where id = pg_temp.b('g4'))),
  'opt_out_withdraws_queued: after opting out, nothing queued is sent');
select tests.authenticate_as((select id from ids where name = 'gia'));
select is(public.export_customer_data() -> 'customer' -> 'notification_channels', '["email"]'::jsonb,
  'gdpr_export_includes_consent: the export shows the channels consented to');
select public.forget_customer((select customer_id from public.bookings where id = pg_temp.b('g1')));
select tests.clear_authentication();
select is((select notification_channels from public.customers where id = (select customer_id from public.bookings where id = pg_temp.b('g1'))),
  '{}'::text[], 'gdpr_erasure_ends_notifications: a forgotten guest is told nothing more');

select * from finish();
rollback;
