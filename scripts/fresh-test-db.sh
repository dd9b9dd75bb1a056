#!/usr/bin/env bash
# Print the DSN of a migrated, seeded database named after $DATABASE_URL's with the suffix $1,
# on the same server, re-created at every call (for suites that commit). It is re-created at
# the start of a run rather than dropped at the end: DROP DATABASE forces a checkpoint, which
# takes tens of seconds on a busy machine, and the database is there to inspect after a failure
# (with `make test`'s throw-away server it goes with the server).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?DATABASE_URL must name a database on the server to test against}"
: "${1:?usage: fresh-test-db.sh SUFFIX}"
.venv/bin/python -c 'import sys
from psycopg.conninfo import conninfo_to_dict
from clubbooking_dev import harness
name = (conninfo_to_dict(sys.argv[1]).get("dbname") or "postgres")[:40] + sys.argv[2]
dsn = harness.create_database(sys.argv[1], name)
harness.apply_schema(dsn)
print(dsn)' "$DATABASE_URL" "$1"
