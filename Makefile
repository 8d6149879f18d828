# socialdesk — the two commands that matter: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export SOCIALDESK_CONFIG ?= socialdesk.example.yaml

.PHONY: run test install dev migrate lint format typecheck bench clean

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

run: migrate
	$(BIN)/socialdesk serve

test: dev
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
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
