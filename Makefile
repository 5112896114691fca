# citymgmt: the two commands a newcomer needs are `make run` and `make test`.
# Everything else here is what they are made of.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .make
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format check-services serve setup deps messages lock bench clean help

help:
	@echo "make run    install, migrate, load the demo city and serve on http://$(HOST):$(PORT)"
	@echo "make test   lint + the whole test suite (PostgreSQL and Redis required)"

## --- setting up -------------------------------------------------------------

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "citymgmt needs Python 3.11 or newer; set PYTHON=python3.11 (or newer)")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMPS)/python: $(PY) requirements.txt
	$(PY) -m pip install --quiet -r requirements.txt
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/python-dev: $(STAMPS)/python requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	@touch $@

$(STAMPS)/npm: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@mkdir -p $(STAMPS) && touch $@

deps: $(STAMPS)/python $(STAMPS)/npm

setup: deps
	$(PY) manage.py ensure_database
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py seed_demo

## --- make run ----------------------------------------------------------------
# Without DATABASE_URL: SQLite file db.sqlite3, tasks run in-process.
# With REDIS_URL: a Celery worker and beat run beside the web server and stop with it.

run: setup serve

serve:
	@set -e; \
	if [ -n "$$REDIS_URL" ]; then \
	  echo "REDIS_URL is set: starting a Celery worker and beat (logs in .make/celery-*.log)"; \
	  mkdir -p $(STAMPS); \
	  $(VENV)/bin/celery -A citymgmt worker --loglevel=INFO --concurrency=2 > $(STAMPS)/celery-worker.log 2>&1 & worker=$$!; \
	  $(VENV)/bin/celery -A citymgmt beat --loglevel=INFO > $(STAMPS)/celery-beat.log 2>&1 & beat=$$!; \
	  trap 'kill $$worker $$beat 2>/dev/null || true' EXIT INT TERM; \
	else \
	  echo "No REDIS_URL: background tasks run in-process (embedded mode)"; \
	fi; \
	echo "citymgmt on http://$(HOST):$(PORT)/  (log in with a demo login above; Ctrl-C stops)"; \
	$(PY) manage.py runserver $(HOST):$(PORT)

## --- make test ---------------------------------------------------------------
# Uses DATABASE_URL / REDIS_URL when set, else the local PostgreSQL and Redis.

test: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/citymgmt
test: export REDIS_URL ?= redis://127.0.0.1:6379/15
test: $(STAMPS)/python-dev $(STAMPS)/npm check-services lint
	$(VENV)/bin/pytest $(PYTEST_ARGS)

check-services: $(STAMPS)/python-dev
	$(PY) -m tests.services

lint: $(STAMPS)/python-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run -v 0 || (echo "Model changes without a migration: run manage.py makemigrations" && exit 1)

format: $(STAMPS)/python-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## --- maintenance -------------------------------------------------------------

messages: $(STAMPS)/python-dev  ## update and compile the English catalogue (needs GNU gettext)
	$(PY) manage.py makemessages -l en --ignore=node_modules --ignore=.venv --no-obsolete
	$(PY) manage.py compilemessages --ignore=node_modules --ignore=.venv

lock: $(PY)  ## re-pin requirements*.txt from requirements*.in
	$(PY) -m pip install --quiet pip-tools
	$(VENV)/bin/pip-compile -q --strip-extras --no-header --no-emit-index-url --no-emit-find-links -o requirements.txt requirements.in
	$(VENV)/bin/pip-compile -q --strip-extras --no-header --no-emit-index-url --no-emit-find-links -o requirements-dev.txt requirements-dev.in

clean:
	rm -rf $(VENV) $(STAMPS) node_modules staticfiles .pytest_cache .ruff_cache
