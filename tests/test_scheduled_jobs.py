"""pg_cron jobs are scheduled by the migrations in the cron database, and each job's command runs."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg

JOBS = {"clubbooking-expire-holds", "clubbooking-retry-waitlist-offers", "clubbooking-prune-events",
        "clubbooking-sample-conflicts", "clubbooking-prune-idempotency-keys", "clubbooking-prune-cron-history",
        "clubbooking-anchor-audit-chains", "clubbooking-prune-history"}


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


def test_cron_history_of_our_jobs_is_pruned_after_a_week(server_dsn: str) -> None:
    """pg_cron never deletes cron.job_run_details: our prune job keeps a week of our jobs' runs."""
    with psycopg.connect(server_dsn, autocommit=True) as conn:
        jobs = {name: (jobid, command)
                for name, jobid, command in conn.execute("select jobname, jobid, command from cron.job")}
        sweeper, command = jobs["clubbooking-expire-holds"][0], jobs.get("clubbooking-prune-cron-history", (0, None))[1]
        assert command is not None, "the migrations schedule clubbooking-prune-cron-history"
        runs = {"ours_old": (sweeper, "8 days"), "ours_recent": (sweeper, "6 days"),
                "not_ours_old": (-424242, "30 days")}  # a job that is not ours: its history is its owner's
        # Negative run ids: pg_cron's own come from a sequence starting at 1, so they never collide.
        ids = {label: -900_000 - n for n, label in enumerate(runs)}
        try:
            for label, (jobid, age) in runs.items():
                conn.execute("insert into cron.job_run_details (jobid, runid, database, username, command, status, "
                             "start_time, end_time) values (%s, %s, 'postgres', 'postgres', %s, 'succeeded', "
                             "now() - %s::interval, now() - %s::interval)",
                             (jobid, ids[label], f"select '{label}'", age, age))
            psycopg.ClientCursor(conn).execute(command)  # as pg_cron sends it
            left = {r[0] for r in conn.execute("select runid from cron.job_run_details where runid = any(%s)",
                                               (list(ids.values()),))}
        finally:
            conn.execute("delete from cron.job_run_details where runid = any(%s)", (list(ids.values()),))
    assert left == {ids["ours_recent"], ids["not_ours_old"]}


def test_the_schema_files_and_the_migrations_schedule_the_same_jobs() -> None:
    """The drift test compares pg_dumps of public and private, where no cron job is: this compares
    every cron.schedule call of supabase/schemas/ with those of supabase/migrations/."""
    root = Path(__file__).resolve().parents[1] / "supabase"

    def schedules(folder: str) -> set[str]:
        text = "\n".join(p.read_text() for p in sorted((root / folder).glob("*.sql")))
        return {" ".join(call.split()) for call in re.findall(r"cron\.schedule\((.*?)\);", text, re.DOTALL)}

    assert schedules("schemas") == schedules("migrations")
    assert len(schedules("schemas")) == len(JOBS) + 1  # the sweeper's two schedules, either or
