"""pg_cron jobs are scheduled by the migrations in the cron database, and each job's command runs."""

from __future__ import annotations

import psycopg

JOBS = {"clubbooking-expire-holds", "clubbooking-retry-waitlist-offers", "clubbooking-prune-events",
        "clubbooking-sample-conflicts", "clubbooking-prune-idempotency-keys", "clubbooking-booking-reminders"}


def test_migrations_schedule_the_sweeper_and_retention_jobs(server_dsn: str) -> None:
    with psycopg.connect(server_dsn, autocommit=True) as conn:
        version = conn.execute("select extversion from pg_extension where extname = 'pg_cron'").fetchone()
        assert version is not None, "pg_cron is installed in the cron database by the migrations"
        jobs = dict(conn.execute("select jobname, schedule from cron.job").fetchall())
    assert set(jobs) >= JOBS
    major, minor = (int(p) for p in version[0].replace("-", ".").split(".")[:2])  # '1.4-1', '1.6'
    second_schedules = (major, minor) >= (1, 5)
    assert jobs["clubbooking-expire-holds"] == ("5 seconds" if second_schedules else "* * * * *")
    assert jobs["clubbooking-retry-waitlist-offers"] == jobs["clubbooking-expire-holds"], "runs with the sweeper"


def test_every_scheduled_command_runs(server_dsn: str) -> None:
    with psycopg.connect(server_dsn, autocommit=True) as conn:
        commands = dict(conn.execute("select jobname, command from cron.job where jobname like 'clubbooking-%'"))
        assert set(commands) == JOBS
        # The relay is a worker (`clubbooking relay`), not a job: its first two passes.
        commands["relay"] = "select private.relay_events(r.last_id, r.sent) from private.relay_events() r"
        cursor = psycopg.ClientCursor(conn)  # the simple query protocol, as pg_cron sends it
        for command in commands.values():
            cursor.execute(command)  # raises if a job's command is broken
