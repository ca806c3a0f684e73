# Two commands: `make run` (set up, migrate, seed, serve) and `make test` (set up, run every test).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
DEV_ENV := ANSINH_ENV=dev
LINT_DIRS := backend tests $(wildcard bench)

.PHONY: run test soak bench lint fmt migrate seed jobs wheel clean help
.DEFAULT_GOAL := help

help:
	@echo "make run   - create .venv, install, start the embedded PostgreSQL (var/postgres), migrate, load demo data,"
	@echo "             serve http://localhost:$(PORT); Ctrl-C stops the server and the database"
	@echo "make test  - create .venv, install with test extras, run ruff, the import contracts and the whole pytest suite"
	@echo "make lint  - ruff check"
	@echo "make soak  - the slow reliability tests (PostgreSQL restarts, payment races, limits across workers)"
	@echo "make bench - load benchmarks against PostgreSQL (docs/PERFORMANCE.md)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "AnSinh needs Python >= 3.11"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

migrate: $(STAMP)
	$(DEV_ENV) $(BIN)/ansinh migrate

seed: migrate
	$(DEV_ENV) $(BIN)/ansinh seed

jobs: migrate
	$(DEV_ENV) $(BIN)/ansinh jobs run-due

# Without ANSINH_DATABASE_URL every command below uses the embedded PostgreSQL server under var/ (the first one starts
# it); the trap stops it when the recipe ends, Ctrl-C included. The due jobs run once at start so the demo inbox shows
# what is due today (cron runs them in production).
run: $(STAMP)
	@trap '$(DEV_ENV) $(BIN)/ansinh db stop' EXIT; trap 'exit 130' INT TERM; \
	$(DEV_ENV) $(BIN)/ansinh migrate && \
	$(DEV_ENV) $(BIN)/ansinh seed && \
	$(DEV_ENV) $(BIN)/ansinh jobs run-due && \
	echo "AnSinh at http://localhost:$(PORT)  (API docs: http://localhost:$(PORT)/schema; Ctrl-C stops it)" && \
	$(DEV_ENV) $(BIN)/ansinh run --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check $(LINT_DIRS)
	$(BIN)/ruff format --check $(LINT_DIRS)
	$(BIN)/lint-imports

fmt: $(STAMP)
	$(BIN)/ruff format $(LINT_DIRS)
	$(BIN)/ruff check --fix $(LINT_DIRS)

# The tests run on PostgreSQL: TEST_DATABASE_URL when set, else the local server on 127.0.0.1:5432 when it answers
# (database ansinh_make_test), else the embedded one (tests/support/databases.py). The shared-state tests also run on
# Redis: TEST_REDIS_URL, else the local Redis when it answers (database 15).
WITH_LOCAL_SERVERS = \
	if [ -z "$$TEST_REDIS_URL" ] && redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then \
		export TEST_REDIS_URL=redis://127.0.0.1:6379/15; fi;

test: $(STAMP)
	$(BIN)/ruff check $(LINT_DIRS)
	$(BIN)/lint-imports
	@$(WITH_LOCAL_SERVERS) $(BIN)/python -m pytest $(PYTEST_ARGS)

# Faults and races against live servers (PostgreSQL, and Redis for cross-worker limits).
soak: $(STAMP)
	@$(WITH_LOCAL_SERVERS) $(BIN)/python -m pytest -s tests/reliability

# Benchmarks (docs/PERFORMANCE.md): wrk and the sign-in clients against `ansinh run` with production settings on
# PostgreSQL. Never part of `make test`. BENCH_DB is prepared (seeded with BENCH_PEOPLE people) when it is missing.
BENCH_DB ?= ansinh_bench_10k
BENCH_PEOPLE ?= 10000
BENCH_ARGS ?=
bench: $(STAMP)
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	@psql -h 127.0.0.1 -U postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$(BENCH_DB)'" | grep -q 1 \
		|| $(BIN)/python -m bench.scale prepare --people $(BENCH_PEOPLE) --database $(BENCH_DB)
	$(BIN)/python -m bench.scale migrate --database $(BENCH_DB)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench.run --database $(BENCH_DB) $(BENCH_ARGS)

wheel: $(STAMP)
	$(BIN)/python -m pip wheel --no-deps --wheel-dir dist .

clean:
	-[ -x $(BIN)/ansinh ] && $(DEV_ENV) $(BIN)/ansinh db stop
	-[ -x $(BIN)/ansinh ] && ANSINH_DATA_DIR=var/test $(DEV_ENV) $(BIN)/ansinh db stop
	rm -rf $(VENV) dist build var .pytest_cache .ruff_cache
