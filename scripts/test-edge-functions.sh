#!/usr/bin/env bash
# The Edge Functions' checks (`deno fmt --check`, `deno lint`) and tests (`deno test`), run by
# scripts/test-against-db.sh. The tests commit, so they get a migrated, seeded database of their
# own on $DATABASE_URL's server, named after it with `_edge_functions`. It is re-created at the
# start of each run rather than dropped at the end: DROP DATABASE forces a checkpoint, which
# takes tens of seconds on a busy machine, and the database is there to inspect after a failure
# (with `make test`'s throw-away server it goes with the server).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?DATABASE_URL must name a database on the server to test against}"

dsn=$(.venv/bin/python -c 'import sys
from psycopg.conninfo import conninfo_to_dict
from clubbooking_dev import harness
name = (conninfo_to_dict(sys.argv[1]).get("dbname") or "postgres")[:40] + "_edge_functions"
dsn = harness.create_database(sys.argv[1], name)
harness.apply_schema(dsn)
print(dsn)' "$DATABASE_URL")

cd supabase/functions
deno=../../.tools/node_modules/.bin/deno
"$deno" fmt --check --quiet
"$deno" lint --quiet
"$deno" check --quiet serve.ts ./*/index.ts
DATABASE_URL="$dsn" "$deno" test --quiet --allow-env --allow-net --allow-read tests/ "$@"
