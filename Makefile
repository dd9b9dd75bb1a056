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

## make reliability: the fault-injecting checker at full size (>= 100k operations with crash, kill,
## timeout and clock faults, on a cluster of its own), the bad-input property tests with more
## examples, and a bounded soak; each prints its table (about 15-20 minutes, then stops)
reliability: bootstrap
	@$(VENV)/bin/python -m clubbooking.reliability run --operations 100000 --seconds 1150 --workers 12 --crash-every 30 \
		--json-out .clubbooking/reliability/run.json
	@CLUBBOOKING_BAD_INPUT_EXAMPLES=300 $(CB) with-db -- $(VENV)/bin/pytest tests/test_reliability_bad_input.py \
		-q -p no:cacheprovider
	@$(VENV)/bin/python -m clubbooking.reliability soak --minutes 2
