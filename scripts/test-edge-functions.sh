#!/usr/bin/env bash
# The Edge Functions' checks (`deno fmt --check`, `deno lint`) and tests (`deno test`), run by
# scripts/test-against-db.sh. The tests commit, so they get a migrated, seeded database of their
# own on $DATABASE_URL's server (scripts/fresh-test-db.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?DATABASE_URL must name a database on the server to test against}"

dsn=$(bash scripts/fresh-test-db.sh _edge_functions)

cd supabase/functions
deno=../../.tools/node_modules/.bin/deno
"$deno" fmt --check --quiet
"$deno" lint --quiet
"$deno" check --quiet serve.ts ./*/index.ts
DATABASE_URL="$dsn" "$deno" test --quiet --allow-env --allow-net --allow-read tests/ "$@"
