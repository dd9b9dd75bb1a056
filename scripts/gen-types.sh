#!/usr/bin/env bash
# The files generated from the migrated schema: clients/typescript/src/database.types.ts, by the
# generator that `supabase gen types typescript` runs (postgres-meta's TypeScript template, run as
# its server does in type-generation mode), and the error table of each client and the Edge
# Functions, from private.error_codes (clubbooking_dev.error_codes). `make types` writes them;
# with --check (run by `make test`) it fails when a committed file differs from what the
# migrations give.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?DATABASE_URL must name a migrated database}"
out=clients/typescript/src/database.types.ts
generated=$(mktemp)
trap 'rm -f "$generated"' EXIT
PG_META_GENERATE_TYPES=typescript PG_META_GENERATE_TYPES_INCLUDED_SCHEMAS=public PG_META_DB_URL="$DATABASE_URL" \
  NODE_NO_WARNINGS=1 node .tools/node_modules/@supabase/postgres-meta/dist/server/server.js >"$generated"
if [ "${1:-}" = "--check" ]; then
  if ! diff -u "$out" "$generated"; then
    echo "gen-types: $out is stale: run \`make types\` and commit it" >&2
    exit 1
  fi
  .venv/bin/python -m clubbooking_dev.error_codes check
else
  cp "$generated" "$out"
  .venv/bin/python -m clubbooking_dev.error_codes write
fi
