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
	@echo "make run   - create .venv, install, migrate var/ansinh.db, load demo data, serve http://localhost:$(PORT)"
	@echo "make test  - create .venv, install with test extras, run ruff and the whole pytest suite"
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

# The due jobs run once at start so the demo inbox shows what is due today (cron runs them in production).
run: seed jobs
	@echo "AnSinh at http://localhost:$(PORT)  (API docs: http://localhost:$(PORT)/schema)"
	$(DEV_ENV) $(BIN)/ansinh run --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check $(LINT_DIRS)
	$(BIN)/ruff format --check $(LINT_DIRS)

fmt: $(STAMP)
	$(BIN)/ruff format $(LINT_DIRS)
	$(BIN)/ruff check --fix $(LINT_DIRS)

# Every database test runs on SQLite and on PostgreSQL, and the reliability tests need PostgreSQL and Redis: unless
# TEST_DATABASE_URL / TEST_REDIS_URL say otherwise, the local servers are used when they answer (database
# ansinh_make_test, created if missing; Redis database 15).
WITH_LOCAL_SERVERS = \
	if [ -z "$$TEST_DATABASE_URL" ] && pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then \
		createdb -h 127.0.0.1 -U postgres ansinh_make_test 2>/dev/null || true; \
		export TEST_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/ansinh_make_test; fi; \
	if [ -z "$$TEST_REDIS_URL" ] && redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then \
		export TEST_REDIS_URL=redis://127.0.0.1:6379/15; fi;

test: $(STAMP)
	$(BIN)/ruff check $(LINT_DIRS)
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
	rm -rf $(VENV) dist build var/*.db var/*.db-wal var/*.db-shm .pytest_cache .ruff_cache
