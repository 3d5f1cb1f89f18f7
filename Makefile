# cpcase: `make run` starts the whole system on embedded defaults; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
ASSETS := .build/static/application.css

.PHONY: run test test-fast bench lint format assets install system-deps clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $@

install: $(INSTALLED)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

$(ASSETS): node_modules/.package-lock.json cpcase/assets/application.scss cpcase/assets/build.mjs
	node cpcase/assets/build.mjs

assets: $(ASSETS)

run: install assets
	$(PY) manage.py serve

test: install assets system-deps
	$(PY) -m pytest

test-fast: install assets
	$(PY) -m pytest -m "not browser and not worker"

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

system-deps:
	@bash .ci/system-deps

bench: install
	$(PY) manage.py bench

clean:
	rm -rf $(VENV) .build node_modules
