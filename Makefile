# cpcase: `make run` starts the whole system on embedded defaults; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
# The DfE's CIN census rules run in a virtualenv of their own: the validator needs pandas<2.
CIN_VENV ?= .venv-cin
CIN_INSTALLED := $(CIN_VENV)/.installed
CIN_REQUIREMENTS := tests/support/cin-validator-requirements.txt
ASSETS := .build/static/application.css
PYTEST_ARGS ?=
# Test processes (pytest-xdist): one per CPU by default; TEST_PROCESSES=0 runs in one.
TEST_PROCESSES ?= auto
SERVE_ARGS ?=
LOAD_ARGS ?=
BENCH_INSTALLED := $(VENV)/.bench-installed

.PHONY: run test test-fast bench load lint format assets install cin-validator system-deps clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --upgrade pip
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

install: $(INSTALLED)

$(CIN_INSTALLED): $(CIN_REQUIREMENTS)
	$(PYTHON) -m venv $(CIN_VENV)
	$(CIN_VENV)/bin/pip install --quiet --disable-pip-version-check -r $(CIN_REQUIREMENTS)
	touch $@

# The public validator of the DfE's census rules (csc-validator-be-cin), for the tests.
cin-validator: $(CIN_INSTALLED)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

$(ASSETS): node_modules/.package-lock.json cpcase/assets/application.scss cpcase/assets/build.mjs
	node cpcase/assets/build.mjs

assets: $(ASSETS)

# Everything, with no configuration: embedded PostgreSQL, migrations, demo data,
# the web server on http://localhost:8000/ and a Celery worker with beat.
# make run SERVE_ARGS="--port 8080" passes options to manage.py serve.
run: install assets
	$(PY) manage.py serve $(SERVE_ARGS)

# The whole suite on PostgreSQL (DATABASE_URL, else embedded) and the Redis at REDIS_URL.
# pytest's exit status 5 (no test ran) fails the run, as any other failure does.
test: install assets system-deps cin-validator
	@$(PY) -m pytest -n $(TEST_PROCESSES) $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest ran no test: failing" >&2; fi; \
	exit $$status

# Without the browser and real-worker tests: no Chromium or Redis needed.
test-fast: install assets cin-validator
	$(PY) -m pytest -n $(TEST_PROCESSES) -m "not browser and not worker" $(PYTEST_ARGS)

# mypy loads the settings, which start nothing; makemigrations --check reads the
# database's migration history, so manage.py starts the embedded database for it.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy cpcase plans conferences visits registry
	$(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Debian packages (installed when root) and a local Redis for the tests.
system-deps:
	@bash .ci/system-deps

# Timings on a synthetic authority in a database of its own (cpcase_bench).
bench: install
	$(PY) manage.py bench $(BENCH_ARGS)

$(BENCH_INSTALLED): pyproject.toml $(INSTALLED)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -e '.[bench]'
	touch $@

# Locust against gunicorn (3 workers, as in production) on a benchmark database: the
# steady profile (50 enquirers and 20 social workers, 1-3 s apart) and saturation (150
# users, no pause); requests/s, p50/p95/p99 and errors of each, kept in .build/load/.
# make load LOAD_ARGS="--database cpcase_bench --duration 60 --profile both" (see
# load/run.py --help: --workers, --steady-users, --saturation-users, --port, --out).
load: $(BENCH_INSTALLED) assets
	$(PY) load/run.py $(LOAD_ARGS)

clean:
	rm -rf $(VENV) $(CIN_VENV) .build node_modules
