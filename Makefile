# 掌上办 — `make help` lists the targets.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := wsgi

.DEFAULT_GOAL := help
.PHONY: help install migrate seed run worker test test-pg lint format check-migrations bench bench-submit bench-delivery bench-payments bench-notifications clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-18s %s\n", $$1, $$2}'

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install the pinned requirements

migrate: $(STAMP) ## Apply the Alembic migrations
	$(BIN)/flask db upgrade

seed: migrate ## Load the demo data: catalog, residents, enterprises, licences, credit records, calendar, staff, halls and slots (idempotent)
	$(BIN)/flask catalog seed
	$(BIN)/flask residents seed
	$(BIN)/flask enterprises seed
	$(BIN)/flask licences seed
	$(BIN)/flask credit seed
	$(BIN)/flask workdays seed
	$(BIN)/flask staff seed
	$(BIN)/flask appointments seed

run: seed ## Install, migrate, seed, then supervise the API (gunicorn), an RQ worker and rq cron until Ctrl-C (README: "What make run runs")
	$(BIN)/python scripts/run_dev.py

test: $(STAMP) ## Run the test suite (DATABASE_URL / REDIS_URL pick PostgreSQL / Redis; embedded defaults otherwise)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-pg: ## Run the suite on the local PostgreSQL and Redis
	DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379/15 $(MAKE) test

lint: $(STAMP) ## ruff check and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP) ## Apply ruff formatting and safe fixes
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-migrations: $(STAMP) ## Fail if the models and the migrations disagree
	$(BIN)/flask db check

bench: $(STAMP) ## Catalog benchmark (needs PostgreSQL; see docs/benchmarks.md)
	$(BIN)/python -m bench.catalog

bench-submit: $(STAMP) ## Submit benchmark with e-licence reuse and instant approval (needs PostgreSQL and Redis; docs/benchmarks.md)
	$(BIN)/python -m bench.submit $(BENCH_ARGS)

bench-delivery: $(STAMP) ## SF route pushes per second vs bare Flask (needs PostgreSQL and Redis; docs/benchmarks.md)
	$(BIN)/python -m bench.delivery $(BENCH_ARGS)

bench-payments: $(STAMP) ## Verified payment callbacks per second, WeChat Pay and Alipay (needs PostgreSQL and Redis; docs/benchmarks.md)
	$(BIN)/python -m bench.payments $(BENCH_ARGS)

bench-notifications: $(STAMP) ## Notification sends/s to the sandbox with 1 and 2 workers vs RQ no-op jobs (needs PostgreSQL and Redis; docs/benchmarks.md)
	$(BIN)/python -m bench.notifications $(BENCH_ARGS)

clean: ## Remove var/ (local database, embedded Redis, uploads)
	rm -rf var/*

.PHONY: bench-engage
bench-engage: $(STAMP) ## Booking benchmark: hot-slot contention, own slots, slot list vs bare Flask (needs PostgreSQL and Redis)
	$(BIN)/python -m bench.engage $(BENCH_ARGS)

.PHONY: audit
audit: $(STAMP) ## pip-audit over the pinned requirements (exceptions: .ci/pip-audit-ignore.txt; AUDIT_ARGS=--allow-unreachable to only warn offline)
	$(BIN)/python .ci/audit.py $(AUDIT_ARGS)
