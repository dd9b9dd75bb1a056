#!/usr/bin/env bash
# The real Supabase CLI (.tools, pinned by scripts/bootstrap.sh) against a database of its own on
# $DATABASE_URL's server that has only what a new Supabase project has (sql/compat: roles,
# extensions, auth, realtime), connected as postgres (not a superuser), run by
# scripts/test-against-db.sh:
#   supabase db push --include-seed   every migration and the seed apply
#   supabase db lint --fail-on warning   plpgsql_check finds nothing, not even a warning
#   supabase migration list   local and remote agree, and every version is a valid time
# Re-created at the start of each run, like the Edge Functions' database.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?DATABASE_URL must name a database on the server to test against}"
supabase=.tools/node_modules/.bin/supabase

dsn=$(.venv/bin/python -c 'import sys
from psycopg.conninfo import conninfo_to_dict
from clubbooking_dev import harness
name = (conninfo_to_dict(sys.argv[1]).get("dbname") or "postgres")[:40] + "_supabase_cli"
dsn = harness.create_database(sys.argv[1], name)
if not harness.apply_compat(dsn):
    sys.exit("the CLI checks need supabase_admin on the server under test (sql/compat, plpgsql_check)")
harness.provide_extension(dsn, "plpgsql_check")  # what supautils lets `db lint` create on Supabase
print(dsn)' "$DATABASE_URL")
# The CLI asks for TLS unless told otherwise; the throw-away server has none.
case "$dsn" in *sslmode=*) url=$dsn ;; *\?*) url="$dsn&sslmode=disable" ;; *) url="$dsn?sslmode=disable" ;; esac

echo "supabase $($supabase --version)"
$supabase db push --db-url "$url" --include-seed --yes 2>&1 | grep -v -e '^Applying migration' -e '^ • '

lint=$($supabase db lint --db-url "$url" --fail-on warning 2>&1) || { echo "$lint"; exit 1; }
echo "$lint"
grep -q '^No schema errors found' <<<"$lint"

list=$($supabase migration list --db-url "$url" 2>&1)
echo "$list" | tail -n 4
rows=$(grep -cE '^ +`[0-9]{14}` +\| +`[0-9]{14}` +\| +`[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}`' <<<"$list" || true)
files=$(ls supabase/migrations/*.sql | wc -l)
if [ "$rows" -ne "$files" ]; then
  echo "$list"
  echo "migration list: $rows of $files migrations are applied with a valid time" >&2
  exit 1
fi
echo "migration list: $files of $files migrations applied, every version a valid time"
