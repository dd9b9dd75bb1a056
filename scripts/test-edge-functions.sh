#!/usr/bin/env bash
# The Edge Functions' checks (`deno fmt --check`, `deno lint`) and tests (`deno test`), run by
# scripts/test-against-db.sh. The tests commit, so they get a migrated, seeded database of their
# own on $DATABASE_URL's server (scripts/fresh-test-db.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?DATABASE_URL must name a database on the server to test against}"

dsn=$(bash scripts/fresh-test-db.sh _edge_functions)

# Stripe's API, as the payment-intent route and the tests call it: the local stand-in
# (clubbooking_dev.stripe_standin), reached through the stripe library's host/port/protocol settings.
standin_out=$(mktemp)
.venv/bin/python -m clubbooking_dev.stripe_standin >"$standin_out" &
standin_pid=$!
trap 'kill "$standin_pid" 2>/dev/null; rm -f "$standin_out"' EXIT
for _ in $(seq 50); do [ -s "$standin_out" ] && break; sleep 0.1; done
export STRIPE_API_BASE=$(head -n 1 "$standin_out") STRIPE_SECRET_KEY=sk_test_standin

cd supabase/functions
deno=../../.tools/node_modules/.bin/deno
"$deno" fmt --check --quiet
"$deno" lint --quiet
"$deno" check --quiet serve.ts ./*/index.ts
DATABASE_URL="$dsn" "$deno" test --quiet --allow-env --allow-net --allow-read tests/ "$@"
