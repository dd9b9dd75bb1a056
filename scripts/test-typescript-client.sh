#!/usr/bin/env bash
# The TypeScript client's checks and tests, run by scripts/test-against-db.sh: the generated
# database types are fresh (scripts/gen-types.sh --check), `deno fmt --check`, `deno lint`,
# `deno check`, the npm package builds with tsc, and `deno test` against a migrated, seeded
# database of its own (the tests commit), through the local stack `make serve` runs.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?DATABASE_URL must name a database on the server to test against}"

bash scripts/gen-types.sh --check
dsn=$(bash scripts/fresh-test-db.sh _ts_client)
cd clients/typescript
deno=../../.tools/node_modules/.bin/deno
"$deno" fmt --check --quiet
"$deno" lint --quiet
"$deno" check --quiet src/mod.ts board/app.ts
../../.tools/node_modules/.bin/tsc -p tsconfig.build.json --outDir "$(mktemp -d)"
DATABASE_URL="$dsn" "$deno" test --quiet --allow-env --allow-net --allow-read tests/ "$@"
