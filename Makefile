# socialdesk — the two commands that matter: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export SOCIALDESK_CONFIG ?= socialdesk.example.yaml

.PHONY: run test install dev migrate lint format typecheck bench clean playground teams-package browser secret-key

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

run: migrate playground secret-key
	BIN=$(BIN) scripts/run-with-playground.sh

# The key that signs board sessions: generated once into .env (its other lines kept) unless
# SOCIALDESK_SECRET_KEY is set already, so sessions survive restarts.
secret-key: install
	@if [ -z "$${SOCIALDESK_SECRET_KEY:-}" ] && ! grep -qs '^SOCIALDESK_SECRET_KEY=' .env; then \
	  if [ -s .env ] && [ -n "$$(tail -c 1 .env)" ]; then echo >> .env; fi; \
	  echo "SOCIALDESK_SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(32))')" >> .env; \
	  echo "SOCIALDESK_SECRET_KEY generated into .env (it signs board sessions)"; \
	fi

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

# Debian's chromium for the e2e screenshot walk through the Playground (Playwright drives it;
# never `playwright install`). Installed with apt-get where that is usable (as root or with
# sudo -n); elsewhere the browser test is skipped and says why; under CI=true that is a failure.
browser:
	@if command -v chromium >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=; elif sudo -n true 2>/dev/null; then sudo="sudo -n"; \
	else sudo=none; fi; \
	if [ "$$sudo" != none ] && command -v apt-get >/dev/null 2>&1 \
	  && $$sudo apt-get update -qq \
	  && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; then :; \
	elif [ "$${CI:-}" = "true" ]; then echo "chromium is required in CI (browser e2e)"; exit 1; \
	else echo "no chromium and apt-get cannot install it: the browser e2e test will be skipped"; fi

# The Teams app package (manifest + icons) to upload in Teams: dist/socialdesk-teams.zip.
teams-package: install
	$(BIN)/python -m adapters.teams.package

test: dev playground browser
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
