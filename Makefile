# The two entry points a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed-run

## Set up, migrate, import the bundled demo data once, serve on http://$(HOST):$(PORT)
run: $(VENV)/.installed-run
	$(BIN)/dailypapers init --demo
	$(BIN)/dailypapers serve --host $(HOST) --port $(PORT)

## Set up and run every test (SQLite and PostgreSQL, browser tests included)
test: $(VENV)/.installed-test
	bash scripts/ensure-system-deps
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
