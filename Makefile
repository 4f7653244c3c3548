# Conduit: every target installs what it needs on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
CLI := $(PY) -m entrypoints.cli

.DEFAULT_GOAL := help
.PHONY: help install run test lint fmt migrate migration downgrade db-check db-current \
        db-history db-shell conformance clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[embedded,dev]'
	touch $(STAMP)

install: $(STAMP) ## create .venv and install the pinned dependencies

run: $(STAMP) ## serve the API at http://127.0.0.1:8000/api (embedded PostgreSQL unless DATABASE_URL)
	$(CLI) serve

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

migrate: $(STAMP) ## apply migrations up to head
	$(CLI) db upgrade

migration: $(STAMP) ## autogenerate a revision: make migration name="add something"
	@test -n "$(name)" || (echo 'usage: make migration name="what changes"' && exit 2)
	$(CLI) db revision -m "$(name)"

downgrade: $(STAMP) ## undo the last migration
	$(CLI) db downgrade

db-check: $(STAMP) ## fail when the models and the migrations disagree
	$(CLI) db upgrade
	$(CLI) db check

db-current: $(STAMP) ## show the database's revision
	$(CLI) db current

db-history: $(STAMP) ## list the revisions
	$(CLI) db history

db-shell: $(STAMP) ## psql on the database
	$(CLI) db shell

conformance: $(STAMP) ## run the upstream Postman suite against a fresh embedded database
	$(PY) -m tests.conformance

clean: ## remove caches (keeps .venv and .data)
	rm -rf .mypy_cache .ruff_cache .pytest_cache .hypothesis
