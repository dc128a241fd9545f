# Two commands do everything: `make run` (set up, demo data, serve) and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
# Django 6 needs Python 3.12+. PYTHON=... wins; otherwise the first interpreter that runs.
PYTHON ?= $(shell for candidate in python3.13 python3.12 \
	$$(ls -d $$(pyenv root 2>/dev/null)/versions/3.1[2-9]*/bin/python3 2>/dev/null) python3; do \
	  if "$$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	    command -v "$$candidate" || echo "$$candidate"; break; fi; done)
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: help run test fuzz bench setup migrate demo lint check-python system-deps

help:
	@echo "make run   - set up, migrate, load the demo data and serve on http://$(HOST):$(PORT)"
	@echo "make test  - set up and run the test suite (DATABASE_URL / REDIS_URL honoured)"
	@echo "make lint  - ruff, the migrations check and the API schema check"
	@echo "make fuzz  - schemathesis over every API operation, far longer than in make test"
	@echo "make bench - pages, API lists and exports at scale, against a bare floor (SCALE=small to try it)"

check-python:
	@if [ -z "$(PYTHON)" ]; then \
	  echo "No Python 3.12 or newer found. Install one (e.g. 'pyenv install 3.12') or run"; \
	  echo "'make PYTHON=/path/to/python3.12 ...'."; exit 1; fi

$(STAMP): pyproject.toml | check-python
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP) system-deps

# WeasyPrint needs Pango; browser tests need Chromium. Say so instead of failing obscurely.
system-deps:
	@$(BIN)/python -c "import weasyprint" 2>/dev/null || \
	  echo "NOTE: WeasyPrint cannot load Pango. Install it: sudo apt-get install -y libpango-1.0-0 libpangoft2-1.0-0"
	@test -x /usr/bin/chromium || \
	  echo "NOTE: /usr/bin/chromium is missing; browser tests will be skipped. Install it: sudo apt-get install -y chromium"

migrate: setup
	DEBUG=1 $(BIN)/python manage.py migrate --noinput

demo: migrate
	DEBUG=1 $(BIN)/python manage.py load_demo

run: demo
	@echo "Serving on http://$(HOST):$(PORT)/ - sign in with a demo user above."
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

# Two workers: the suite is CPU-bound and the machines have two cores.
PYTEST_ARGS ?= -n auto
test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	DEBUG=1 $(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null

# FUZZ_EXAMPLES cases per operation, at random, plus every boundary case (the coverage phase);
# make test runs a few, derandomised.
FUZZ_EXAMPLES ?= 100
fuzz: setup
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_RANDOM=1 FUZZ_PHASES=examples,coverage,fuzzing $(BIN)/python -m pytest tests/api/test_fuzz.py $(PYTEST_ARGS)

# Issue 13: 10,000 suppliers ... 1,000,000 observations in their own database (generated once,
# several minutes), then wrk against the app and the psycopg + orjson floor; the table goes to
# benchmarks/results/latest.md. SCALE=small for a run of a few minutes. Needs wrk (apt) and the
# bench extra (orjson); BENCH_DATABASE_URL / BENCH_REDIS_URL override the defaults.
SCALE ?= full
BENCH_ARGS ?=
bench: setup
	@command -v wrk >/dev/null || { echo "make bench needs wrk, the load generator: sudo apt-get install -y wrk (or brew install wrk)"; exit 1; }
	@$(BIN)/python -c "import orjson" 2>/dev/null || $(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python benchmarks/run.py --scale $(SCALE) $(BENCH_ARGS)
