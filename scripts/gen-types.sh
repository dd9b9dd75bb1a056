#!/usr/bin/env bash
# clients/typescript/src/database.types.ts from the migrated schema, by the generator that
# `supabase gen types typescript` runs (postgres-meta's TypeScript template, run as its server
# does in type-generation mode). `make types` writes it; with --check (run by `make test`) it
# fails when the committed file differs from what the migrations give.
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
else
  cp "$generated" "$out"
fi
