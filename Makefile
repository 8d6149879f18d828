# socialdesk — the two commands that matter: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export SOCIALDESK_CONFIG ?= socialdesk.example.yaml

.PHONY: run test install dev migrate lint format typecheck bench clean playground teams-package

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

dev: $(VENV)/.dev-installed

migrate: install
	mkdir -p var
	$(BIN)/socialdesk migrate

run: migrate playground
	BIN=$(BIN) scripts/run-with-playground.sh

# The Microsoft 365 Agents Playground (npm, offline Teams client) for `make run` and the e2e
# test, installed into ./node_modules from package-lock.json; the stamp keeps it idempotent.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

playground:
	@if [ "$${SOCIALDESK_PLAYGROUND:-1}" = "0" ]; then :; \
	elif command -v npm >/dev/null 2>&1; then $(MAKE) -s --no-print-directory node_modules/.installed; \
	elif [ "$${CI:-}" = "true" ]; then echo "npm is required in CI (Agents Playground e2e)"; exit 1; \
	else echo "npm not found: no Agents Playground (the e2e test will be skipped)"; fi

# The Teams app package (manifest + icons) to upload in Teams: dist/socialdesk-teams.zip.
teams-package: install
	$(BIN)/python -m adapters.teams.package

test: dev playground
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy bot storage adapters
	$(BIN)/pytest -q

lint: dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: dev
	$(BIN)/mypy bot storage adapters

bench: dev
	$(BIN)/python -m tests.bench.run

clean:
	rm -rf $(VENV) var dist node_modules .pytest_cache .mypy_cache .ruff_cache
