"""sql/compat is the platform as far as facts go: each test states one fact of Supabase's own
SQL (supabase/postgres, supabase/auth, supabase/realtime) that the stand-in reproduces and the
rest of the suite relies on."""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest


def test_postgres_is_not_a_superuser_but_bypasses_rls(admin: psycopg.Connection[Any]) -> None:
    row = admin.execute("select current_user::text, rolsuper, rolbypassrls, rolcreatedb, rolcreaterole, "
                        "rolreplication from pg_roles where rolname = current_user").fetchone()
    assert row == ("postgres", False, True, True, True, True)  # 10000000000000_demote-postgres.sql


def test_api_roles_inherit_and_have_supabases_timeouts(admin: psycopg.Connection[Any]) -> None:
    roles = {name: (inherit, login, bypass) for name, inherit, login, bypass in admin.execute(
        "select rolname, rolinherit, rolcanlogin, rolbypassrls from pg_roles "
        "where rolname in ('anon', 'authenticated', 'service_role', 'authenticator')")}
    assert roles == {"anon": (True, False, False), "authenticated": (True, False, False),
                     "service_role": (True, False, True), "authenticator": (False, True, False)}
    settings = dict(admin.execute(
        "select r.rolname, s.setconfig from pg_db_role_setting s join pg_roles r on r.oid = s.setrole "
        "where s.setdatabase = 0 and r.rolname in ('anon', 'authenticated', 'authenticator')"))
    assert settings == {"anon": ["statement_timeout=3s"], "authenticated": ["statement_timeout=8s"],
                        "authenticator": ["statement_timeout=8s", "lock_timeout=8s"]}


def test_auth_users_is_as_gotrue_leaves_it(admin: psycopg.Connection[Any]) -> None:
    columns = {name: (nullable, default) for name, nullable, default in admin.execute(
        "select column_name, is_nullable, column_default from information_schema.columns "
        "where table_schema = 'auth' and table_name = 'users'")}
    assert {"instance_id", "aud", "role", "encrypted_password", "is_sso_user", "is_anonymous"} <= set(columns)
    assert columns["email_confirmed_at"] == ("YES", None), "confirmed by GoTrue, never by default"
    assert columns["raw_user_meta_data"] == ("YES", None)
    with admin.transaction(force_rollback=True):
        admin.execute("insert into auth.users (id, email, is_sso_user) values "
                      "(gen_random_uuid(), 'same@test.example', true), (gen_random_uuid(), 'same@test.example', true)")
        admin.execute("select set_config('request.jwt.claims', %s, true)", (json.dumps({"email": "a@test.example"}),))
        assert admin.execute("select auth.email()").fetchone() == ("a@test.example",)
    with pytest.raises(psycopg.errors.UniqueViolation), admin.transaction(force_rollback=True):
        admin.execute("insert into auth.users (id, email) values "
                      "(gen_random_uuid(), 'once@test.example'), (gen_random_uuid(), 'once@test.example')")


def test_realtime_messages_is_partitioned_by_day_from_yesterday_to_three_days_ahead(
        admin: psycopg.Connection[Any]) -> None:
    key = admin.execute("select pg_get_partkeydef('realtime.messages'::regclass)").fetchone()
    assert key == ("RANGE (inserted_at)",)
    partitions = [r[0] for r in admin.execute(
        "select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid "
        "where i.inhparent = 'realtime.messages'::regclass order by 1")]
    days = [r[0] for r in admin.execute(
        "select 'messages_' || to_char(d, 'YYYY_MM_DD') from generate_series("
        "(now() at time zone 'utc')::date - 1, (now() at time zone 'utc')::date + 3, interval '1 day') d")]
    assert set(days) <= set(partitions)


def test_realtime_send_adds_the_id_sets_the_topic_and_only_warns_without_a_partition(
        admin: psycopg.Connection[Any]) -> None:
    notices: list[str] = []
    admin.add_notice_handler(lambda d: notices.append(f"{d.severity_nonlocalized} {d.message_primary}"))
    with admin.transaction(force_rollback=True):
        admin.execute("select realtime.send('{\"a\": 1}', 'e', 'platform:topic', false)")
        row = admin.execute("select m.payload, m.id::text, current_setting('realtime.topic'), "
                            "m.tableoid::regclass::text from realtime.messages m "
                            "where m.topic = 'platform:topic'").fetchone()
        assert row is not None
        payload, message_id, topic, partition = row
        assert payload == {"a": 1, "id": message_id} and topic == "platform:topic"
        admin.execute(f"alter table realtime.messages detach partition {partition}")  # a name from the catalogue
        admin.execute("select realtime.send('{}', 'e', 'platform:lost', false)")  # no error
        assert admin.execute("select count(*) from realtime.messages where topic = 'platform:lost'").fetchone() == (0,)
    assert any(n.startswith("WARNING WarnSendingBroadcastMessage: no partition of relation") for n in notices), notices


def test_pg_stat_statements_is_in_extensions_for_supabase_inspect(admin: psycopg.Connection[Any]) -> None:
    assert admin.execute("select count(*) >= 0 from extensions.pg_stat_statements").fetchone() == (True,)
