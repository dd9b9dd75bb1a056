-- The audit chain: every audit row linked at commit into its venue-night's chain (or its
-- venue's), verify_audit_chain naming the first broken row of a tampered chain, anchors that
-- catch a rewrite of a whole chain, and retention that prunes without breaking a chain.
begin;
\ir helpers/test_helpers.psql
\ir helpers/security_fixtures.psql
select plan(48);

-- A chain rewritten from a position on, as someone who can disable the triggers would: every
-- row's prev_hash and row_hash recomputed, so the chain is consistent in itself.
create function tests.rehash_chain(p_venue_id uuid, p_night date, p_from_seq bigint) returns void
language plpgsql
as $$
declare
  v_row public.audit_log;
  v_prev bytea := (select a.row_hash from public.audit_log a where a.venue_id = p_venue_id
                   and a.chain_night is not distinct from p_night and a.chain_seq = p_from_seq - 1);
begin
  for v_row in select * from public.audit_log a where a.venue_id = p_venue_id
               and a.chain_night is not distinct from p_night and a.chain_seq >= p_from_seq order by a.chain_seq loop
    v_row.prev_hash := v_prev;
    v_prev := private.audit_row_hash(v_row);
    update public.audit_log a set prev_hash = v_row.prev_hash, row_hash = v_prev where a.id = v_row.id;
  end loop;
end;
$$;

create function tests.chain_row(p_night date, p_seq bigint) returns bigint language sql stable
as $$ select a.id from public.audit_log a where a.venue_id = tests.venue() and a.chain_night is not distinct from p_night
      and a.chain_seq = p_seq $$;

-- verify_audit_chain names a row by its row_id
create function tests.chain_row_id(p_night date, p_seq bigint) returns uuid language sql stable
as $$ select a.row_id from public.audit_log a where a.id = tests.chain_row(p_night, p_seq) $$;

create function tests.verify() returns jsonb language sql
as $$ select private.verify_audit_chain(tests.venue()) $$;

-- ---------- linking ----------
select is((select count(*)::int from public.audit_log where row_hash is null), 0,
  'every audit row is linked into its chain when its transaction commits (here: each statement, constraints immediate)');
select is((select array_agg(distinct chain_night) from public.audit_log a
           where a.entity = 'booking' and a.entity_id = tests.fx('ann_confirmed')), array[tests.night()],
  'a booking''s audit rows are in the chain of its venue and night');
select tests.act_as('host');
select public.create_guest(tests.venue(), 'Walk In');
select tests.clear_authentication();
select ok((select coalesce(bool_and(chain_night is null), false) from public.audit_log
           where entity in ('venue', 'customer', 'staff_invitation')),
  'rows about the venue itself (its settings, staff, guests) are in the venue''s own chain');
select is((select count(*)::int from (
             select chain_seq - lag(chain_seq) over (partition by venue_id, chain_night order by chain_seq) as step
             from public.audit_log) s where s.step <> 1), 0,
  'a chain''s positions run 1, 2, 3 without a gap');
select is((select count(*)::int from (
             select prev_hash is not distinct from lag(row_hash) over (partition by venue_id, chain_night order by chain_seq) as linked
             from public.audit_log) s where not s.linked), 0,
  'each row carries the row_hash of the previous row of its chain');
select is((select count(*)::int from public.audit_log a where a.row_hash <> private.audit_row_hash(a)), 0,
  'each row''s row_hash is the SHA-256 of its content and prev_hash');
select is(tests.verify(), jsonb_build_object('ok', true, 'checked', (select count(*)::int from public.audit_log
                                                                      where venue_id = tests.venue()), 'first_broken_id', null),
  'verify_audit_chain checks every row of the venue and finds the chains intact');
select is((private.verify_audit_chain(tests.venue(), now() + interval '1 hour', null)) ->> 'checked', '0',
  'verify_audit_chain checks only the rows written in the range');

-- the venue chain's commits queue on a venue-level key of the venue-night lock family
select private.write_audit(tests.venue(), 'venue', tests.venue(), 'settings_updated', null, null, null);
select private.lock_venue_night(null, null);
select ok(exists (select 1 from pg_locks l where l.locktype = 'advisory' and l.pid = pg_backend_pid()
                  and l.classid::int = hashtext('events:' || tests.venue()::text) and l.objid = 2147483648::oid
                  and l.objsubid = 2 and l.granted),
  'a transaction that wrote a row of the venue''s chain holds the venue-level chain lock before it links it');
set constraints all immediate;

-- ---------- access ----------
select tests.act_as('host');
select throws_ok($$ select public.verify_audit_chain(tests.venue()) $$, 'PT403', 'NOT_AUTHORIZED',
  'verify_audit_chain is for managers and above');
select tests.act_as('manager');
select is((public.verify_audit_chain(tests.venue())) ->> 'ok', 'true', 'a manager verifies the venue''s chains');
select throws_ok($$ select public.verify_audit_chain(tests.venue_b()) $$, 'PT403', 'NOT_AUTHORIZED',
  'a manager cannot verify another venue''s chains');
select throws_ok($$ select public.verify_audit_chain(null) $$, 'PT422', 'INVALID_INPUT', 'the venue is required');
select throws_ok($$ select public.verify_audit_chain(tests.venue(), now(), now() - interval '1 day') $$,
  'PT422', 'INVALID_INPUT', 'a range that ends before it starts is INVALID_INPUT');
select throws_ok($$ select public.verify_audit_chain('99999999-9999-4999-8999-999999999999') $$,
  'PT404', 'INVALID_INPUT', 'an unknown venue is 404');
select tests.clear_authentication();

-- ---------- append-only still ----------
select throws_ok(format('update public.audit_log set row_hash = %L where id = %s', '\x00', tests.chain_row(tests.night(), 1)),
  'PT403', 'NOT_AUTHORIZED', 'a linked row''s hash cannot be changed, even by the table''s owner');
select throws_ok(format('update public.audit_log set chain_seq = 99, reason = %L where id = %s', 'x', tests.chain_row(tests.night(), 1)),
  'PT403', 'NOT_AUTHORIZED', 'linking changes the chain columns only, once');
select is((select array_agg(a.attname::text order by a.attnum) from pg_attribute a
           join pg_trigger t on t.tgrelid = a.attrelid and t.tgname = 'audit_log_rows_are_linked_once'
           where a.attrelid = 'public.audit_log'::regclass and a.attnum > 0 and not a.attisdropped
             and a.attname not in ('chain_night', 'chain_seq', 'prev_hash', 'row_hash')
             and (pg_get_triggerdef(t.oid) !~ ('\mnew\.' || a.attname || '\M')
                  or pg_get_triggerdef(t.oid) !~ ('\mold\.' || a.attname || '\M'))), null,
  'linking may change no column but the chain''s: the trigger''s WHEN compares every other column');
select throws_ok(format('delete from public.audit_log where id = %s', tests.chain_row(tests.night(), 1)),
  'PT403', 'NOT_AUTHORIZED', 'audit rows are not deleted outside retention');

-- ---------- tampering (as the table's owner, behind disabled triggers) ----------
alter table public.audit_log disable trigger user;
savepoint tamper;
update public.audit_log set actor_role = 'tampered' where id = tests.chain_row(tests.night(), 3);
select is((tests.verify() ->> 'first_broken_id')::uuid, tests.chain_row_id(tests.night(), 3),
  'a changed row is caught, and named');
rollback to savepoint tamper;
delete from public.audit_log where id = tests.chain_row(tests.night(), 2);
select is((tests.verify() ->> 'first_broken_id')::uuid, tests.chain_row_id(tests.night(), 3),
  'a deleted row is caught: the row after it is named');
rollback to savepoint tamper;
insert into public.audit_log (venue_id, entity, entity_id, action, actor_role, chain_night)
values (tests.venue(), 'booking', tests.fx('ann_held'), 'status_changed', 'manager', tests.night());
select is((tests.verify() ->> 'first_broken_id')::uuid, (select row_id from public.audit_log order by id desc limit 1),
  'an inserted row is caught, and named');
rollback to savepoint tamper;
update public.audit_log set chain_seq = -chain_seq where venue_id = tests.venue() and chain_night = tests.night() and chain_seq >= 2;
update public.audit_log set chain_seq = 1 - chain_seq where venue_id = tests.venue() and chain_night = tests.night() and chain_seq < 0;
insert into public.audit_log (venue_id, entity, entity_id, action, actor_role, chain_night, chain_seq, prev_hash)
values (tests.venue(), 'booking', tests.fx('ann_held'), 'status_changed', 'manager', tests.night(), 2,
        (select row_hash from public.audit_log where id = tests.chain_row(tests.night(), 1)));
update public.audit_log set row_hash = private.audit_row_hash(audit_log) where id = (select max(id) from public.audit_log);
select is((tests.verify() ->> 'first_broken_id')::uuid, tests.chain_row_id(tests.night(), 3),
  'a row slipped into the middle with a valid hash of its own is caught: the row after it no longer follows');
rollback to savepoint tamper;
select tests.rehash_chain(tests.venue(), tests.night(), 2);
select is(tests.verify() ->> 'ok', 'true', 'a chain rewritten whole is consistent in itself (without anchors)');
rollback to savepoint tamper;
select cmp_ok(private.anchor_audit_chains(), '>=', 2, 'anchoring keeps the head of every chain');
select is(private.anchor_audit_chains(), 0, 'a chain that has not moved since its anchor is not anchored again');
update public.audit_log set actor_role = 'tampered' where id = tests.chain_row(tests.night(), 2);
select tests.rehash_chain(tests.venue(), tests.night(), 2);
select is((tests.verify() ->> 'first_broken_id')::uuid,
          (select tests.chain_row_id(tests.night(), max(chain_seq)) from public.audit_log
           where venue_id = tests.venue() and chain_night = tests.night()),
  'a rewrite of a whole chain is caught against its anchor: the anchored row is named');
rollback to savepoint tamper;
select private.anchor_audit_chains();
delete from public.audit_log where id = (select tests.chain_row(tests.night(), max(chain_seq)) from public.audit_log
                                         where venue_id = tests.venue() and chain_night = tests.night());
select is((tests.verify() ->> 'first_broken_id')::uuid,
          (select tests.chain_row_id(tests.night(), max(chain_seq)) from public.audit_log
           where venue_id = tests.venue() and chain_night = tests.night()),
  'a chain cut short of its anchor is caught: its last row left is named');
rollback to savepoint tamper;
alter table public.audit_log enable trigger user;

-- ---------- GDPR erasure ----------
select private.write_audit(tests.venue(), 'booking', tests.fx('ann_held'), 'note_added', null, null, 'Ann rang from 07700 900123',
                           '{"phone": "07700 900123", "party_size": 3}');
set constraints all immediate;
select lives_ok($$ select private.forget_customer(tests.fx('ann_customer')) $$, 'a guest is forgotten');
select is((select (reason, detail) from public.audit_log where action = 'note_added'), ('[redacted]'::text, '{"party_size": 3, "redacted": true}'::jsonb),
  'their audit rows were redacted');
select is(tests.verify() ->> 'ok', 'true', 'erasure keeps every chain verifiable (the hash covers what erasure keeps)');

-- ---------- retention ----------
select tests.act_as('admin_mfa');
select is(public.update_venue_settings(tests.venue(), '{"audit_retention": "60 days", "claims_retention": "90 days"}')
            -> 'audit_retention', '"60 days"'::jsonb,
  'an admin sets how long the venue keeps audit rows and claims');
select throws_ok($$ select public.update_venue_settings(tests.venue(), '{"audit_retention": "7 days"}') $$,
  'PT422', 'INVALID_INPUT', 'audit rows are kept at least 30 days');
select tests.clear_authentication();
select is((select (audit_retention, claims_retention) from public.venues where id = tests.venue_b()),
          (interval '400 days', interval '400 days'), 'by default a venue keeps both 400 days');
select throws_ok(format('delete from public.booking_tables where venue_id = %L', tests.venue()),
  'PT403', 'NOT_AUTHORIZED', 'claims are still never deleted outside retention');

select private.anchor_audit_chains();
select tests.freeze_time(now() + interval '61 days');
select is(private.prune_history(tests.venue()) ->> 'claims_deleted', '0', 'claims within their retention are kept');
select is((select count(*)::int from public.audit_log where venue_id = tests.venue()), 0,
  'audit rows past the venue''s retention are pruned');
select ok((select count(*) from public.audit_log where venue_id = tests.venue_b()) > 0,
  'another venue''s audit rows follow its own retention');
select ok((select bool_and(kind = 'pruned') from private.audit_anchors where venue_id = tests.venue()),
  'each pruned chain keeps the anchor of its last pruned row, which replaces its daily anchors');
select private.write_audit(tests.venue(), 'booking', tests.fx('ann_held'), 'status_changed', 'held', 'held', null);
set constraints all immediate;
select is((select (chain_seq, prev_hash) from public.audit_log where venue_id = tests.venue() and chain_night = tests.night()),
          (select (chain_seq + 1, row_hash) from private.audit_anchors where venue_id = tests.venue()
           and chain_night = tests.night() and kind = 'pruned'),
  'a chain pruned whole continues from its anchor');
select is(tests.verify() ->> 'ok', 'true', 'pruned chains still verify against their anchors');
select tests.freeze_time(now() + interval '91 days' + (tests.night() - current_date) * interval '1 day');
select cmp_ok((private.prune_history(tests.venue()) ->> 'claims_deleted')::int, '>', 0,
  'claims whose period ended longer ago than the venue keeps them are pruned');
select tests.freeze_time(now() + interval '93 days' + (tests.night() - current_date) * interval '1 day');
select cmp_ok(private.history_kept_since(tests.venue()), '>', tests.night(),
  'a night''s history is kept until the night ended longer ago than the venue keeps claims');
select cmp_ok((private.prune_history(tests.venue()) ->> 'history_versions_deleted')::int, '>', 0,
  'then the claims'' and bookings'' versions of that night are pruned');
select is((select count(*)::int from private.claim_history where venue_id = tests.venue() and booking_date <= tests.night())
          + (select count(*)::int from private.booking_history where venue_id = tests.venue() and booking_date <= tests.night()),
          0, 'nothing of the replay''s history of a pruned night is left');
select ok((select count(*) from private.claim_history where venue_id = tests.venue_b()) > 0,
  'another venue''s history follows its own retention');
select tests.act_as('manager');
select throws_ok(format('select public.get_availability_at(%L, %L, %L, %L)', tests.venue(), tests.night(), 'slot_21_00', now()),
  'PT422', 'DATE_OUT_OF_RANGE', 'replaying a night whose history was pruned is DATE_OUT_OF_RANGE, not an empty floor');
select lives_ok(format('select public.get_availability_at(%L, %L, %L, %L)', tests.venue(), tests.night(2), 'slot_21_00', now()),
  'a later night, still kept, is replayed');
select tests.clear_authentication();

select * from finish();
rollback;
