-- Staff invitations as real products do them: a single-use token (only its hash kept) sent to the
-- invited address through the notification outbox, accepted explicitly by a signed-in account whose
-- current address is that one and confirmed, expiring after 7 days, listed and revoked by admins;
-- staff removed or given a role by admins (aal2), never leaving a venue without an admin; nothing on
-- auth.users that could fail or hold up a sign-up or sign-in.
begin;
\ir helpers/test_helpers.psql
select plan(29);

create function tests.invitation_token(p_email text) returns text language sql security definer
as $$ select n.payload ->> 'token' from public.notifications n
      where n.kind = 'staff_invitation' and n.payload ->> 'to' = p_email order by n.id desc limit 1 $$;
grant execute on function tests.invitation_token(text) to authenticated;

-- ---------- nothing on auth.users ----------
select is((select count(*)::int from pg_catalog.pg_trigger t where t.tgrelid = 'auth.users'::regclass and not t.tgisinternal),
  0, 'no trigger on auth.users: a sign-up or sign-in never fails or waits on an invitation');

-- ---------- an invitation ----------
select tests.authenticate_as_staff('admin', 'aal2');
create temp table invited as select public.invite_staff(tests.venue(), 'New.Door@Test.Example', 'door') as r;
select tests.clear_authentication();
select is((select r ->> 'status' from invited), 'pending', 'invite_staff returns the pending invitation');
select ok((select i.expires_at between now() + interval '7 days' - interval '1 minute' and now() + interval '7 days'
           from public.staff_invitations i where i.id = (select (r ->> 'invitation_id')::uuid from invited)),
  'it expires in 7 days');
select is((select count(*)::int from public.notifications n join private.notification_deliveries d on d.notification_id = n.id
           where n.kind = 'staff_invitation' and n.customer_id is null and n.payload ->> 'to' = 'new.door@test.example'
             and d.status = 'pending'), 1,
  'a message to the invited address waits in the notification outbox');
select is((select i.token_hash from public.staff_invitations i where i.id = (select (r ->> 'invitation_id')::uuid from invited)),
  private.invitation_token_hash(tests.invitation_token('new.door@test.example')),
  'the invitation keeps only the token''s hash');
select ok(not exists (select 1 from public.staff_invitations i, jsonb_each_text(to_jsonb(i)) c
                      where c.value = tests.invitation_token('new.door@test.example')),
  'the token itself is in no column of the invitation');

-- ---------- signing up or in with the address gives nothing by itself ----------
insert into ids values ('new_door', tests.create_user('new.door'));
update auth.users set last_sign_in_at = now() where id = (select id from ids where name = 'new_door');
select is((select count(*)::int from public.staff_members sm where sm.user_id = (select id from ids where name = 'new_door')), 0,
  'signing up and signing in with the invited address makes nobody staff: acceptance is explicit');

-- ---------- who may accept ----------
insert into ids values ('other', tests.create_user('other'));
select tests.authenticate_as((select id from ids where name = 'other'));
select throws_ok(format('select public.accept_invitation(%L)', tests.invitation_token('new.door@test.example')),
  'PT404', 'INVALID_INPUT', 'another account holding the token can''t accept it');
select tests.clear_authentication();
update auth.users set email_confirmed_at = null where id = (select id from ids where name = 'new_door');
select tests.authenticate_as((select id from ids where name = 'new_door'));
select throws_ok(format('select public.accept_invitation(%L)', tests.invitation_token('new.door@test.example')),
  'PT403', 'NOT_AUTHORIZED', 'an account whose address is not confirmed can''t accept');
select tests.clear_authentication();
update auth.users set email_confirmed_at = now(), email_change = 'elsewhere@test.example', email_change_confirm_status = 1
 where id = (select id from ids where name = 'new_door');
select tests.authenticate_as((select id from ids where name = 'new_door'));
select throws_ok(format('select public.accept_invitation(%L)', tests.invitation_token('new.door@test.example')),
  'PT403', 'NOT_AUTHORIZED', 'nor one with an email change pending');
select tests.clear_authentication();
-- the address changed to the invited one without confirming it: the token never reached them,
-- and without it there is nothing to accept
select tests.authenticate_as_staff('admin', 'aal2');
select public.invite_staff(tests.venue(), 'taken@test.example', 'admin');
select tests.clear_authentication();
update auth.users set email = 'taken@test.example' where id = (select id from ids where name = 'other');
select tests.authenticate_as((select id from ids where name = 'other'));
select throws_ok($$select public.accept_invitation('inv_guessed_token_0000')$$, 'PT404', 'INVALID_INPUT',
  'an account that took the address without the message has no token to accept with');
select tests.clear_authentication();
select is((select count(*)::int from public.staff_members sm where sm.user_id = (select id from ids where name = 'other')), 0,
  'and is no staff');
update auth.users set email_change = '', email_change_confirm_status = 0 where id = (select id from ids where name = 'new_door');
select tests.authenticate_as((select id from ids where name = 'new_door'));
select is((public.accept_invitation(tests.invitation_token('new.door@test.example')) ->> 'status'), 'accepted',
  'the invited person, signed in with the address confirmed, accepts');
select is(public.get_user_role(), 'door', 'and is door staff now');
select throws_ok(format('select public.accept_invitation(%L)', tests.invitation_token('new.door@test.example')),
  'PT404', 'INVALID_INPUT', 'a token works once');
select tests.clear_authentication();

-- ---------- expiry, listing, revoking ----------
select tests.authenticate_as_staff('admin', 'aal2');
select public.invite_staff(tests.venue(), 'late@test.example', 'host');
select public.invite_staff(tests.venue(), 'revoked@test.example', 'host');
select tests.clear_authentication();
insert into ids values ('late', tests.create_user('late')), ('revoked', tests.create_user('revoked'));
select tests.freeze_time(now() + interval '7 days 1 minute');
select tests.authenticate_as((select id from ids where name = 'late'));
select throws_ok(format('select public.accept_invitation(%L)', tests.invitation_token('late@test.example')),
  'PT422', 'INVALID_INPUT', 'an invitation expires after 7 days');
select tests.clear_authentication();
select tests.authenticate_as_staff('admin', 'aal2');
select is((select jsonb_object_agg(e ->> 'email', e ->> 'status') from jsonb_array_elements(public.list_invitations(tests.venue())) e
           where e ->> 'email' in ('late@test.example', 'new.door@test.example')),
  '{"late@test.example": "expired", "new.door@test.example": "accepted"}'::jsonb, 'admins list invitations with their status');
select tests.freeze_time(null);
select is(public.revoke_invitation((select i.id from public.staff_invitations i where i.email = 'revoked@test.example')) ->> 'status',
  'revoked', 'an admin revokes an invitation');
select tests.clear_authentication();
select tests.authenticate_as((select id from ids where name = 'revoked'));
select throws_ok(format('select public.accept_invitation(%L)', tests.invitation_token('revoked@test.example')),
  'PT404', 'INVALID_INPUT', 'a revoked invitation''s token no longer works');
select tests.clear_authentication();
select tests.authenticate_as_staff('admin');
select throws_ok(format('select public.list_invitations(%L)', tests.venue()), 'PT403', 'MFA_REQUIRED',
  'listing invitations needs aal2');
select tests.clear_authentication();
select tests.authenticate_as_staff('host');
select is((select count(*)::int from public.notifications n where n.kind = 'staff_invitation'), 0,
  'venue staff who read the venue''s notifications don''t see invitations (nor their tokens)');
select tests.clear_authentication();
select private.finish_notification_delivery(d.delivery_id, true)
from private.notification_deliveries d join public.notifications n on n.id = d.notification_id where n.kind = 'staff_invitation';
select is((select count(*)::int from public.notifications n where n.kind = 'staff_invitation' and n.payload ? 'token'), 0,
  'a delivered invitation''s token leaves the outbox');

-- ---------- removing staff and changing roles ----------
select tests.authenticate_as_staff('admin', 'aal2');
select throws_ok(format('select public.remove_staff(%L, %L)', tests.venue(), tests.staff('admin')), 'PT409', 'INVALID_TRANSITION',
  'the last admin can''t remove themself');
select throws_ok(format('select public.set_staff_role(%L, %L, ''manager'')', tests.venue(), tests.staff('admin')), 'PT409', 'INVALID_TRANSITION',
  'nor demote themself');
select is(public.set_staff_role(tests.venue(), (select id from ids where name = 'new_door'), 'admin') ->> 'role', 'admin',
  'an admin gives a staff member another role');
select tests.clear_authentication();
select tests.authenticate_as((select id from ids where name = 'new_door'), 'aal2');
select public.invite_staff(tests.venue(), 'comeback@test.example', 'admin');
select tests.clear_authentication();
select tests.authenticate_as_staff('admin', 'aal2');
select is(public.remove_staff(tests.venue(), (select id from ids where name = 'new_door')) ->> 'invitations_revoked', '1',
  'removing an admin revokes the invitations they sent');
select is((select i.revoked_at is not null from public.staff_invitations i where i.email = 'comeback@test.example'), true,
  'so an admin on the way out can''t invite themself back');
select is((select count(*)::int from public.staff_members sm where sm.user_id = (select id from ids where name = 'new_door')), 0,
  'and they are staff no more');
select tests.clear_authentication();
select tests.authenticate_as_staff('manager', 'aal2');
select throws_ok(format('select public.remove_staff(%L, %L)', tests.venue(), tests.staff('door')), 'PT403', 'NOT_AUTHORIZED',
  'only admins remove staff');
select tests.clear_authentication();

select * from finish();
rollback;
