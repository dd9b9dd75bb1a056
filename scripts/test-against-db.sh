#!/usr/bin/env bash
# The test suites, run by `make test` with DATABASE_URL pointing at a migrated, seeded database.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?DATABASE_URL must name the database under test}"

echo "== pgTAP (sql/tests, as \`supabase test db\` runs it: supabase/tests links there; helpers are .psql)"
pg_prove --dbname "$DATABASE_URL" --failures --ext .pg --ext .sql -r supabase/tests

echo "== PostgreSQL 17 (migrations, seed, pgTAP on a cluster of its own)"; bash scripts/test-pg17.sh

echo "== Supabase CLI (db push, db lint, migration list)"; bash scripts/test-supabase-cli.sh

echo "== pytest (tests/)"
.venv/bin/pytest tests -q -p no:cacheprovider

echo "== Edge Functions (supabase/functions/tests)"; bash scripts/test-edge-functions.sh
echo "== TypeScript client (clients/typescript: types fresh, tests)"; bash scripts/test-typescript-client.sh
echo "== bench-quick (bench/, correctness figures must hold)" && BENCH_STRICT=1 .venv/bin/python -m bench --quick
