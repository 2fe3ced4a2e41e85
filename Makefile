# Thin aliases. `make run` takes a fresh clone to the running demo, `make test` to a passing suite.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint install services bench clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

services: install
	$(PY) scripts/services.py

run: services
	bash scripts/run.sh

lint: install
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run

test: services lint
	$(VENV)/bin/pytest --create-db

bench: services
	$(PY) manage.py bench

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
