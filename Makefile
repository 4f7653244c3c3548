# Conduit: every target installs what it needs on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
CLI := $(PY) -m entrypoints.cli

.DEFAULT_GOAL := help
.PHONY: help install run test lint fmt migrate migration downgrade db-check db-current \
        db-history db-reset db-backfill-search db-backfill-counters db-backfill-feed-totals db-check-counters db-shell seed \
        seed-bulk bench conformance clean cluster cluster-stop cluster-status

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-20s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[embedded,dev]'
	touch $(STAMP)

install: $(STAMP) ## create .venv and install the pinned dependencies

run: $(STAMP) ## serve the API at http://127.0.0.1:8000/api (embedded PostgreSQL unless DATABASE_URL or CLUSTER=1)
	$(CLI) serve $(if $(filter 1 yes true,$(CLUSTER)),--cluster)

test: $(STAMP) ## run every test (throwaway embedded PostgreSQL unless TEST_DATABASE_URL)
	$(BIN)/pytest

lint: $(STAMP) ## ruff, ruff format --check, mypy --strict, import-linter
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports

fmt: $(STAMP) ## format and autofix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrate: $(STAMP) ## apply migrations up to head (or up to rev=...)
	$(CLI) db upgrade $(rev)

migration: $(STAMP) ## autogenerate a revision (then ruff): make migration name="add something"
	@test -n "$(name)" || (echo 'usage: make migration name="what changes"' && exit 2)
	$(CLI) db revision -m "$(name)"

downgrade: $(STAMP) ## undo the last migration (or down to rev=...)
	$(CLI) db downgrade $(rev)

db-check: $(STAMP) ## migrate, then fail when the models and the migrations disagree
	$(CLI) db check

db-current: $(STAMP) ## show the database's revision
	$(CLI) db current

db-history: $(STAMP) ## list the revisions
	$(CLI) db history

db-reset: $(STAMP) ## empty the embedded database and migrate it (FORCE=1 for DATABASE_URL)
	$(CLI) db reset $(if $(filter 1 yes true,$(FORCE)),--force)

db-backfill-search: $(STAMP) ## fill articles.search in batches (BATCH_SIZE=1000), resumable
	$(CLI) db backfill-search $(if $(BATCH_SIZE),--batch-size $(BATCH_SIZE))

seed: $(STAMP) ## demo data via the use cases (USERS=50 ARTICLES=500 COMMENTS=5000 SEED=1)
	$(CLI) seed $(if $(USERS),--users $(USERS)) $(if $(ARTICLES),--articles $(ARTICLES)) \
		$(if $(COMMENTS),--comments $(COMMENTS)) $(if $(SEED),--seed $(SEED))

db-backfill-counters: $(STAMP) ## fill the counters of 0008, 0015 and 0018 in batches (BATCH_SIZE=1000), resumable
	$(CLI) db backfill-counters $(if $(BATCH_SIZE),--batch-size $(BATCH_SIZE))

db-backfill-feed-totals: $(STAMP) ## only the feed totals of 0015 and filters of 0018 (BATCH_SIZE authors a transaction)
	$(CLI) db backfill-feed-totals $(if $(BATCH_SIZE),--batch-size $(BATCH_SIZE))

db-check-counters: $(STAMP) ## recount everything; fail when a kept counter differs
	$(CLI) db check-counters

seed-bulk: $(STAMP) ## a real site's data in minutes (ARTICLES=1000000 USERS=100000 TAGS=1000 SEED=1)
	$(CLI) seed-bulk $(if $(USERS),--users $(USERS)) $(if $(ARTICLES),--articles $(ARTICLES)) \
		$(if $(TAGS),--tags $(TAGS)) $(if $(SEED),--seed $(SEED))

db-shell: $(STAMP) ## psql on the database
	$(CLI) db shell

cluster: $(STAMP) ## start a primary and two streaming replicas under .data/cluster, print their URLs
	$(CLI) cluster up

cluster-stop: $(STAMP) ## stop the servers of make cluster (their data stays)
	$(CLI) cluster down

cluster-status: $(STAMP) ## each server of make cluster: its role and URL
	$(CLI) cluster status

bench: $(STAMP) ## load benchmark with wrk (SCALE=500|1m|compare TOPOLOGY=single|cluster|compare WORKERS=1 CONNECTIONS=32 DURATION=15 ROUNDS=3 when comparing SCENARIOS=...)
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; } || \
		{ echo "bench: install wrk (Debian package wrk)"; exit 2; }
	$(PY) -m tests.bench.run $(if $(WORKERS),--workers $(WORKERS)) \
		$(if $(CONNECTIONS),--connections $(CONNECTIONS)) $(if $(DURATION),--duration $(DURATION)) \
		$(if $(SCENARIOS),--scenarios $(SCENARIOS)) $(if $(SCALE),--scale $(SCALE)) \
		$(if $(TOPOLOGY),--topology $(TOPOLOGY)) $(if $(WARMUP),--warmup $(WARMUP)) \
		$(if $(ROUNDS),--rounds $(ROUNDS))

conformance: $(STAMP) ## run the upstream Postman suite against a fresh embedded database
	$(PY) -m tests.conformance

clean: ## remove caches (keeps .venv and .data)
	rm -rf .mypy_cache .ruff_cache .pytest_cache .hypothesis

.PHONY: drill
drill: $(STAMP) ## game day: a cluster under load through replica loss, replay pause, a rolling restart, a migration and a failover
	$(PY) -m tests.drill

.PHONY: test-deep
test-deep: $(STAMP) ## the adapter stories at depth (replay a failure: pytest --hypothesis-seed=N)
	HYPOTHESIS_PROFILE=deep $(BIN)/pytest tests/properties
