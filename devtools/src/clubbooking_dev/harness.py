"""The database harness: one PostgreSQL for tests, the demo, benchmarks and the CLI.

``DATABASE_URL`` when set (nothing is started); else a testcontainers PostgreSQL where a Docker
engine answers; else a throw-away local cluster from the server binaries on this machine, run
as the ``postgres`` user when we are root (PostgreSQL refuses to run as root). Every cluster
has ``shared_preload_libraries = 'pg_cron,pg_stat_statements'`` and ``wal_level = logical``.

Roles as on Supabase: a local cluster's bootstrap superuser is ``supabase_admin``, which applies
``sql/compat`` (roles, extensions, ``auth``, ``realtime``) and nothing else; everything else
(migrations, seed, tests, the CLI, benchmarks) connects as ``postgres``, which is not a
superuser (BYPASSRLS, CREATEDB, CREATEROLE), exactly as a Supabase project's ``postgres`` is.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from clubbooking_dev import releases

PG_BIN = Path(os.environ.get("CLUBBOOKING_PG_BIN", "/usr/lib/postgresql/15/bin"))
CONTAINER_IMAGE = os.environ.get("CLUBBOOKING_PG_IMAGE", "supabase/postgres:15.8.1.085")
ADMIN_USER = "supabase_admin"  # Supabase's superuser; ours only applies sql/compat
SERVER_SETTINGS = {
    "shared_preload_libraries": "pg_cron,pg_stat_statements",
    "cron.database_name": "postgres",
    "wal_level": "logical",
    "max_connections": "300",
    "shared_buffers": "256MB",
    "listen_addresses": "127.0.0.1",
    "track_commit_timestamp": "on",  # the reliability checker orders commits by it
}


def project_root() -> Path:
    """The repository root: ``$CLUBBOOKING_ROOT``, else the nearest parent with supabase/migrations."""
    if env := os.environ.get("CLUBBOOKING_ROOT"):
        return Path(env)
    for start in (Path.cwd(), Path(__file__).resolve()):
        for folder in (start, *start.parents):
            if (folder / "supabase" / "migrations").is_dir():
                return folder
    raise RuntimeError("cannot find the clubbooking repository (set CLUBBOOKING_ROOT)")


@dataclass
class Database:
    """A running PostgreSQL: its DSN as ``postgres`` (not a superuser), how it was started, and how to stop it."""

    dsn: str
    kind: str  # "external", "container" or "local"
    stopper: Callable[[], None] | None = field(default=None, repr=False)
    state: dict[str, str] = field(default_factory=dict)

    def stop(self) -> None:
        """Stop what this harness started; an external database is left alone."""
        if self.stopper is not None:
            self.stopper()
            self.stopper = None


def docker_available() -> bool:
    """Whether a Docker engine answers (not merely whether the client is installed)."""
    if shutil.which("docker") is None:
        return False
    try:
        result = subprocess.run(["docker", "info", "--format", "{{.ServerVersion}}"],
                                capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0 and bool(result.stdout.strip())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(cmd: list[str]) -> list[str]:
    """Run server binaries as the postgres user when we are root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def preload_libraries(pg_bin: Path) -> str:
    """SERVER_SETTINGS' shared_preload_libraries, less those not built for these server binaries
    (PostgreSQL refuses to start with a missing one): pg_cron is Debian's package for 15 only."""
    libdirs = (pg_bin.parent / "lib", pg_bin.parent / "lib" / "postgresql")  # Debian's layout, npm's
    wanted = SERVER_SETTINGS["shared_preload_libraries"].split(",")
    return ",".join(lib for lib in wanted if any((d / f"{lib}.so").exists() for d in libdirs))


def start_local_cluster(datadir: Path | None = None, port: int | None = None, pg_bin: Path = PG_BIN) -> Database:
    """initdb and start a cluster on loopback from the server binaries in ``pg_bin``; stop()
    removes it unless datadir was given."""
    owned = datadir is None
    base = Path(tempfile.mkdtemp(prefix="clubbooking-pg-")) if datadir is None else datadir
    base.mkdir(parents=True, exist_ok=True)
    data = base / "data"
    port = port or free_port()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    if not (data / "PG_VERSION").exists():
        subprocess.run(_as_postgres([str(pg_bin / "initdb"), "-D", str(data), "-U", ADMIN_USER,
                                     "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"]),
                       check=True, capture_output=True)
        settings = {**SERVER_SETTINGS, "shared_preload_libraries": preload_libraries(pg_bin), "port": str(port),
                    "unix_socket_directories": f"'{base}'"}
        with open(data / "postgresql.conf", "a") as conf:
            for key, value in settings.items():
                quoted = value if value.startswith("'") or value.isdigit() else f"'{value}'"
                conf.write(f"{key} = {quoted}\n")
    else:
        port = _configured_port(data) or port
    subprocess.run(_as_postgres([str(pg_bin / "pg_ctl"), "-D", str(data), "-l", str(base / "server.log"),
                                 "-w", "-t", "60", "start"]), check=True, capture_output=True)
    dsn = url("127.0.0.1", port, "postgres", "postgres")
    wait_ready(admin_dsn(dsn))
    apply_compat(dsn)  # creates the postgres role itself

    def stop() -> None:
        subprocess.run(_as_postgres([str(pg_bin / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                       capture_output=True)
        if owned:
            shutil.rmtree(base, ignore_errors=True)

    return Database(dsn, "local", stop, {"datadir": str(base), "port": str(port)})


def _configured_port(data: Path) -> int | None:
    port = None
    for line in (data / "postgresql.conf").read_text().splitlines():
        if line.startswith("port = "):
            port = int(line.split("=")[1].strip())
    return port


def start_container() -> Database:
    """A PostgreSQL with pg_cron and pgTAP in Docker, through testcontainers."""
    from testcontainers.postgres import PostgresContainer  # optional extra: clubbooking_dev[docker]

    flags = " ".join(f"-c {k}={v}" for k, v in SERVER_SETTINGS.items() if k != "listen_addresses")
    container = PostgresContainer(CONTAINER_IMAGE, username="postgres", password="postgres", dbname="postgres")
    container.with_command(f"postgres -c listen_addresses=* {flags}")
    container.start()
    dsn = url(container.get_container_host_ip(), container.get_exposed_port(5432), "postgres", "postgres",
              password="postgres")
    return Database(dsn, "container", container.stop, {"container_id": container.get_wrapped_container().id})


def start_database() -> Database:
    """DATABASE_URL if set; else testcontainers where Docker answers; else a local cluster."""
    if url := os.environ.get("DATABASE_URL"):
        return Database(url, "external")
    if docker_available():
        return start_container()
    return start_local_cluster()


def wait_ready(dsn: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(dsn, connect_timeout=3):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def url(host: str, port: int | str, user: str, dbname: str, password: str | None = None) -> str:
    """A postgresql:// URL (what DATABASE_URL conventionally holds, and psql and pg_prove accept)."""
    auth = quote(user) + (f":{quote(password)}" if password else "")
    return f"postgresql://{auth}@{host}:{port}/{quote(dbname)}"


def dsn_with_db(dsn: str, dbname: str | None = None, user: str | None = None) -> str:
    """The same server, another database and/or user."""
    params = {k: str(v) for k, v in conninfo_to_dict(dsn).items() if v is not None}
    extra = {k: v for k, v in params.items() if k not in ("host", "port", "user", "password", "dbname")}
    base = url(params.get("host", "127.0.0.1"), params.get("port", "5432"), user or params.get("user", "postgres"),
               dbname or params.get("dbname", "postgres"), params.get("password"))
    return base + ("?" + urlencode(extra) if extra else "")


def admin_dsn(dsn: str) -> str:
    """The same database as Supabase's own superuser (``supabase_admin``), for sql/compat only."""
    return dsn_with_db(dsn, user=ADMIN_USER)


def psql_file(dsn: str, path: Path) -> None:
    result = subprocess.run(["psql", dsn, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", str(path)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{path.name} failed:\n{result.stderr.strip()}")


def apply_compat(dsn: str) -> bool:
    """Apply sql/compat to the database of ``dsn`` as ``supabase_admin``; False where it can't log in.

    Each file guards itself and does nothing where Supabase has the real thing; a hosted
    project's supabase_admin does not let us in, and there is nothing to add anyway.
    """
    admin = admin_dsn(dsn)
    try:
        psycopg.connect(admin, connect_timeout=5).close()
    except psycopg.OperationalError:
        return False
    for path in sorted((project_root() / "sql" / "compat").glob("*.sql")):
        psql_file(admin, path)
    return True


def provide_extension(dsn: str, name: str) -> bool:
    """Create a privileged extension in ``extensions`` as supabase_admin; False where it can't log in.

    On Supabase, supautils lets ``postgres`` do this itself (the CLI's ``test db`` creates pgTAP,
    ``db lint`` plpgsql_check); on plain PostgreSQL its stand-in is the admin.
    """
    try:
        with psycopg.connect(admin_dsn(dsn), autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql.SQL("create extension if not exists {} with schema extensions").format(
                sql.Identifier(name)))
    except psycopg.OperationalError:
        return False
    return True


def migrate(dsn: str, files: Iterable[Path] | None = None) -> list[str]:
    """Apply sql/compat (as supabase_admin) and the migrations not applied yet (as the DSN's user):
    ``files`` in filename order where given (a release's list), else every file of supabase/migrations.

    Applied migrations are recorded where the Supabase CLI records them
    (supabase_migrations.schema_migrations), so `supabase db push` and this agree.
    """
    root = project_root()
    apply_compat(dsn)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("create schema if not exists supabase_migrations")
        conn.execute("create table if not exists supabase_migrations.schema_migrations "
                     "(version text primary key, statements text[], name text)")
        done = {r[0] for r in conn.execute("select version from supabase_migrations.schema_migrations")}
    applied = []
    for path in sorted((root / "supabase" / "migrations").glob("*.sql") if files is None else files,
                       key=lambda p: p.name):
        version, _, name = path.stem.partition("_")
        if version in done:
            continue
        psql_file(dsn, path)
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("insert into supabase_migrations.schema_migrations (version, name) values (%s, %s)",
                         (version, name))
        applied.append(path.name)
    return applied


def install_release(dsn: str, release: releases.Release) -> list[str]:
    """A database as a project that installed ``release`` has it: exactly the migrations its
    manifest lists, recorded as `supabase db push` records them (``migrate`` takes it to HEAD)."""
    return migrate(dsn, release.migrations(project_root()))


def seed(dsn: str) -> None:
    """Load supabase/seed.sql (the Leeds club)."""
    psql_file(dsn, project_root() / "supabase" / "seed.sql")


def apply_schema(dsn: str, *, with_seed: bool = True) -> None:
    """Migrate and (unless already seeded) seed a database, with pgTAP for its tests."""
    migrate(dsn)
    provide_extension(dsn, "pgtap")
    if with_seed:
        with psycopg.connect(dsn) as conn:
            row = conn.execute("select count(*) from public.clubs").fetchone()
        if row and row[0] == 0:
            seed(dsn)


def create_database(dsn: str, name: str, template: str | None = None) -> str:
    """Create (or re-create) a database on the server of ``dsn``; returns its DSN."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
        if template:
            conn.execute(sql.SQL("create database {} template {}").format(
                sql.Identifier(name), sql.Identifier(template)))
        else:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    return dsn_with_db(dsn, name)


def drop_database(dsn: str, name: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


# ---------- `clubbooking up` / `down`: one database kept running between commands ----------

def state_file() -> Path:
    return project_root() / ".clubbooking" / "up.json"


def up() -> Database:
    """Start (or find) the kept database, migrate and seed it; its DSN is saved for `down`."""
    path = state_file()
    if path.exists():
        saved = json.loads(path.read_text())
        with contextlib.suppress(psycopg.OperationalError):
            wait_ready(saved["dsn"], timeout=2)
            return Database(saved["dsn"], saved["kind"], None, saved)
    if os.environ.get("DATABASE_URL"):
        db = start_database()
    elif docker_available():
        db = start_container()
    else:
        db = start_local_cluster(datadir=project_root() / ".clubbooking" / "pg", port=free_port())
    wait_ready(db.dsn)
    apply_schema(db.dsn)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"dsn": db.dsn, "kind": db.kind, **db.state}))
    return db


def down() -> bool:
    """Stop the kept database and forget it; False if none was running."""
    path = state_file()
    if not path.exists():
        return False
    saved = json.loads(path.read_text())
    if saved["kind"] == "local":
        data = Path(saved["datadir"]) / "data"
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                       capture_output=True)
        shutil.rmtree(saved["datadir"], ignore_errors=True)
    elif saved["kind"] == "container":
        subprocess.run(["docker", "rm", "-f", saved["container_id"]], capture_output=True)
    path.unlink()
    return True


@contextlib.contextmanager
def throwaway_database(pg_bin: Path | None = None) -> Iterator[Database]:
    """A migrated, seeded database for the length of a block (demo, bench, tests); with ``pg_bin``
    on a local cluster from those server binaries (another PostgreSQL version), whatever else answers."""
    db = start_database() if pg_bin is None else start_local_cluster(pg_bin=pg_bin.resolve())
    try:
        wait_ready(db.dsn)
        apply_schema(db.dsn)
        yield db
    finally:
        db.stop()


def hosted_supabase(dsn: str) -> bool:
    """A Supabase project's database (its direct or pooler host), where no scratch database may be made."""
    host = str(conninfo_to_dict(dsn).get("host") or "")
    return host.endswith((".supabase.co", ".supabase.com"))


class ScratchRefused(Exception):
    """No scratch database could be made on the server given (no privilege, or a hosted project)."""


@contextlib.contextmanager
def scratch_database(dsn: str | None = None) -> Iterator[Database]:
    """A migrated, seeded database of its own for the length of a block, dropped afterwards.

    On the server of ``dsn`` (else ``$DATABASE_URL``) in a new database, never in the database
    named: what runs in it (``rush``, ``demo``) can't touch data it did not make. With neither,
    a throw-away server. ``ScratchRefused`` when the server won't let us create a database.
    """
    target = dsn or os.environ.get("DATABASE_URL")
    if not target:
        with throwaway_database() as db:
            yield db
        return
    if hosted_supabase(target):
        raise ScratchRefused("this is a Supabase project: rush and demo run only on a server where they may "
                             "create a scratch database of their own (run them without --dsn for a local one)")
    name = f"clubbooking_scratch_{os.getpid()}_{secrets.token_hex(4)}"
    try:
        scratch = create_database(target, name)
    except psycopg.errors.InsufficientPrivilege as error:
        raise ScratchRefused(f"cannot create a scratch database on that server ({error.diag.message_primary}); "
                             "rush and demo never run in an existing database: give a DSN of a role with "
                             "CREATEDB, or none for a throw-away server") from error
    try:
        apply_schema(scratch)
        yield Database(scratch, "scratch")
    finally:
        drop_database(target, name)
