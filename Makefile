# clubbooking: `make demo` and `make test` are all a fresh machine needs.
SHELL := /bin/bash
VENV := .venv
CB := $(VENV)/bin/clubbooking
export CLUBBOOKING_ROOT := $(CURDIR)

.PHONY: bootstrap demo test lint schema migration up down serve board types bench bench-quick bench-lint reliability

bootstrap:
	@bash scripts/bootstrap.sh

## make demo: a busy night at the Leeds club on a throw-away database, with a summary
demo: bootstrap
	@$(CB) demo

## make test: lint, then pgTAP and pytest against a throw-away database (or $$DATABASE_URL)
test: bootstrap lint
	@$(CB) with-db -- bash scripts/test-against-db.sh

## make lint: ruff and mypy over the client, the tooling, the tests and the benchmarks
lint: bootstrap bench-lint
	@$(VENV)/bin/ruff check --config python_client/pyproject.toml python_client devtools tests
	@$(VENV)/bin/mypy --config-file python_client/pyproject.toml python_client/src devtools/src

## make schema: supabase/schema.sql (the whole schema, pg_dump of public and private after migrating)
## and docs/functions.md (every function, its file, one line), from the migrations; commit both
schema: bootstrap
	@$(VENV)/bin/python -m clubbooking_dev.schema write

## make migration NAME=what_it_adds: the forward migration that takes supabase/migrations to
## supabase/schemas (migra, as `supabase db diff` does), for you to read and finish by hand
migration: bootstrap
	@$(VENV)/bin/python -m clubbooking_dev.schema migration $(NAME)

## make up / make down: keep one database running between commands (prints its DSN)
up: bootstrap
	@$(CB) up

down: bootstrap
	@$(CB) down

## make serve: the door board at http://127.0.0.1:$(SERVE_PORT)/ and the Edge Functions beside it
## (deno serve), over $$DATABASE_URL or the database `make up` keeps, with the local stand-ins
## for PostgREST's /rest/v1/rpc, Realtime and a local-only sign-in; local secrets default to the
## Supabase CLI's well-known local JWT secret and a local Stripe signing secret. The payment-intent
## route calls Stripe at $$STRIPE_API_BASE (the stand-in: python -m clubbooking_dev.stripe_standin
## --port 12111) with $$STRIPE_SECRET_KEY; guests' notifications and refunds are sent by
## `.venv/bin/clubbooking notify` beside it (docs/operations.md: "Guests hear about their booking").
SERVE_PORT ?= 8000
serve: bootstrap board
	@cd supabase/functions && \
	  DATABASE_URL="$${DATABASE_URL:-$$(../../$(CB) up | tail -n 1)}" \
	  JWT_SECRET="$${JWT_SECRET:-super-secret-jwt-token-with-at-least-32-characters-long}" \
	  STRIPE_WEBHOOK_SECRET="$${STRIPE_WEBHOOK_SECRET:-whsec_local}" \
	  STRIPE_SECRET_KEY="$${STRIPE_SECRET_KEY:-sk_test_local}" STRIPE_API_BASE="$${STRIPE_API_BASE:-http://127.0.0.1:12111}" \
	  ../../.tools/node_modules/.bin/deno serve --allow-env --allow-net --allow-read --host 127.0.0.1 \
	    --port $(SERVE_PORT) serve.ts

## make board: the door board's bundle (clients/typescript/board/dist/board.js, not committed)
board: bootstrap
	@cd clients/typescript && ../../.tools/node_modules/.bin/deno bundle --quiet --platform browser --minify \
	  board/app.ts -o board/dist/board.js

## make types: regenerate clients/typescript/src/database.types.ts (postgres-meta's generator) and the
## error tables generated from private.error_codes (python_client/src/clubbooking/error_codes.py,
## clients/typescript/src/error_codes.ts, supabase/functions/_shared/error_codes.ts) from the migrations,
## on a throw-away database or $$DATABASE_URL's; `make test` fails when one is stale
types: bootstrap
	@$(CB) with-db -- bash scripts/gen-types.sh

## make bench: every benchmark scenario, ours beside its baselines, on one throw-away server (or
## $$DATABASE_URL's): bench/results/latest.{json,md,png} and latest-plans.txt (under 10 minutes)
bench: bootstrap bench-lint
	@$(VENV)/bin/python -m bench

## make bench-quick: the same scenarios, small (under a minute): bench/results/quick.*
bench-quick: bootstrap bench-lint
	@$(VENV)/bin/python -m bench --quick

bench-lint: bootstrap
	@$(VENV)/bin/ruff check --config python_client/pyproject.toml bench
	@$(VENV)/bin/mypy --config-file python_client/pyproject.toml bench

## make reliability: the fault-injecting checker at full size (>= 100k operations with crash, kill,
## timeout and clock faults, on a cluster of its own), the bad-input property tests with more
## examples, and a bounded soak; each prints its table (about 8 minutes here; the run stops at
## 100k operations or 1150 s, whichever comes first)
reliability: bootstrap
	@$(VENV)/bin/python -m clubbooking_dev.reliability run --operations 100000 --seconds 1150 --workers 12 --crash-every 15 \
		--json-out .clubbooking/reliability/run.json
	@CLUBBOOKING_BAD_INPUT_EXAMPLES=300 $(CB) with-db -- $(VENV)/bin/pytest tests/test_reliability_bad_input.py \
		-q -p no:cacheprovider
	@$(VENV)/bin/python -m clubbooking_dev.reliability soak --minutes 2
