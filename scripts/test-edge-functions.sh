#!/usr/bin/env bash
# The Edge Functions' tests (`deno test`), run by scripts/test-against-db.sh: on a migrated,
# seeded database of their own, created on $DATABASE_URL's server and dropped afterwards, so
# their commits never reach the database the other suites share.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
: "${DATABASE_URL:?DATABASE_URL must name a database on the server to test against}"

name="cb_edge_functions_$$"
dsn=$(.venv/bin/python -c 'import sys
from clubbooking import harness
dsn = harness.create_database(sys.argv[1], sys.argv[2])
harness.apply_schema(dsn)
print(dsn)' "$DATABASE_URL" "$name")
trap '"$root"/.venv/bin/python -c "import sys; from clubbooking import harness; harness.drop_database(*sys.argv[1:])" "$DATABASE_URL" "$name"' EXIT

cd supabase/functions
DATABASE_URL="$dsn" ../../.tools/node_modules/.bin/deno test --quiet --allow-env --allow-net --allow-read tests/ "$@"
