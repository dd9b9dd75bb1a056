# clubbooking: `make demo` and `make test` are all a fresh machine needs.
SHELL := /bin/bash
VENV := .venv
CB := $(VENV)/bin/clubbooking
export CLUBBOOKING_ROOT := $(CURDIR)

.PHONY: bootstrap demo test lint pgtap pytest bench bench-quick up down serve reliability

bootstrap:
	@bash scripts/bootstrap.sh

## make demo: a busy night at the Leeds club on a throw-away database, with a summary
demo: bootstrap
	@$(CB) demo

## make test: lint, then pgTAP and pytest against a throw-away database (or $$DATABASE_URL)
test: bootstrap lint
	@$(CB) with-db -- bash scripts/test-against-db.sh

lint: bootstrap
	@$(VENV)/bin/ruff check --config python_client/pyproject.toml python_client tests
	@$(VENV)/bin/mypy --config-file python_client/pyproject.toml python_client/src

## make up / make down: keep one database running between commands (prints its DSN)
up: bootstrap
	@$(CB) up

down: bootstrap
	@$(CB) down

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

lint: bench-lint
