# Two commands for a fresh machine: `make run` serves the demo, `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RELAY_PORT ?= 8000

.PHONY: run test install install-test migrate seed-demo schema lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

migrate: install
	$(BIN)/relay-graph migrate

seed-demo: migrate
	$(BIN)/relay-graph seed-demo

run: seed-demo
	@echo "Admin token for tenant 'demo' (send it as 'Authorization: Bearer <token>'):"
	@$(BIN)/relay-graph create-token --tenant demo --role admin --user make-run
	@echo "GraphiQL: http://127.0.0.1:$(RELAY_PORT)/graphql"
	RELAY_PORT=$(RELAY_PORT) $(BIN)/relay-graph serve

test: install-test
	scripts/run-tests

# Benchmarks on SQLite and on PostgreSQL at 127.0.0.1:5432 (RELAY_BENCH_POSTGRES_URL);
# about five and a half minutes on 2 cores. Results and method: docs/benchmarks.md.
.PHONY: bench
bench: install-test
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench.run

schema: install
	$(BIN)/relay-graph export-schema --output schema.graphql

lint: install-test
	$(BIN)/ruff check src tests migrations
	$(BIN)/mypy src

clean:
	rm -rf $(VENV) relay.db relay.db-wal relay.db-shm var
