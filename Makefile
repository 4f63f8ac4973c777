# casehub — the two quick-start commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The PostgreSQL half of the tests; it is skipped when this server is unreachable
# (CI sets CASEHUB_TEST_REQUIRE_POSTGRES=1 to make that a failure instead).
export CASEHUB_TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/postgres

.PHONY: run test setup assets migrate demo serve schema lint bench

run: setup ## set up, migrate, load the demo county if empty, serve on 127.0.0.1:8000
	$(BIN)/casehub migrate
	$(BIN)/casehub demo
	$(BIN)/casehub serve

test: setup ## set up and run every test on SQLite and PostgreSQL
	$(BIN)/pytest

setup: $(STAMP) assets

# The example third-party plugins are installed too, so their entry points are discovered.
PLUGINS := $(patsubst %/pyproject.toml,%,$(wildcard plugins/*/pyproject.toml))

$(STAMP): pyproject.toml $(wildcard plugins/*/pyproject.toml)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]" $(addprefix -e ,$(PLUGINS))
	touch $@

assets: ## GraphiQL's scripts from the npm registry, served locally (no CDN)
	scripts/install-web-assets

schema: $(STAMP) ## export the GraphQL schema to schema.graphql
	$(BIN)/casehub schema > schema.graphql

lint: $(STAMP)
	$(BIN)/ruff check src tests bench plugins

bench: setup ## the read benchmark against PostGraphile and the floor, plus imports and the 1,000,000-entitlement sweep (~35 min; docs/PERFORMANCE.md)
	$(BIN)/pip install --quiet -r bench/requirements.txt
	$(BIN)/python -m bench.run
