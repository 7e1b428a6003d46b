# Tsunagari developer commands. Everything runs from the virtualenv in .venv.
#
#   make install    create .venv and install requirements-dev.txt (only when they changed)
#   make run        serve http://127.0.0.1:8000/ with a Celery worker and beat (Ctrl-C stops)
#   make test       run the test suite (PYTEST_ARGS="-k something" to narrow it)
#   make bench      page benchmark: queries and time per page at scales 1 and 100 (BENCH_ARGS)
#   make lint       ruff, and a check that no model change lacks its migration
#   make messages   refresh the Japanese and English translation catalogues (locale/)
#   make clean      remove caches and collected static files (keeps var/ data and .venv)
#
# run, test and lint use PostgreSQL and Redis from DATABASE_URL and REDIS_URL when set,
# otherwise private ones kept in var/ (see scripts/services.py).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements.stamp
SERVICES := $(PY) scripts/services.py --
PYTEST_ARGS ?=
# Two workers (pytest-xdist): the suite runs in about two thirds of the time on two cores.
TEST_WORKERS ?= 2
BENCH_ARGS ?=

# Management commands that load settings but open no connection (makemessages,
# compilemessages) only need these variables to be present.
PLACEHOLDER_ENV := \
	DEBUG="$${DEBUG:-true}" \
	DATABASE_URL="$${DATABASE_URL:-postgres://localhost/placeholder}" \
	REDIS_URL="$${REDIS_URL:-redis://localhost:6379/0}"

# Directories that hold no project sources.
IGNORE := --ignore=.venv --ignore=var --ignore=node_modules

.PHONY: install run test bench lint messages compilemessages clean

install: $(STAMP)

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --disable-pip-version-check -r requirements-dev.txt
	touch $@

run: install
	$(SERVICES) $(PY) scripts/run.py

# Compiled catalogues (.mo) may also be committed; without gettext those are used as they are.
compilemessages: install
	@if ! command -v msgfmt >/dev/null 2>&1; then \
		echo "msgfmt not found (install gettext): using the committed .mo files"; \
	elif [ -n "$$(find . -path ./.venv -prune -o -path ./var -prune -o -name '*.po' -print -quit)" ]; then \
		env $(PLACEHOLDER_ENV) $(PY) manage.py compilemessages $(IGNORE); \
	fi

test: install compilemessages
	$(SERVICES) $(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# Not a test: it reseeds a database of its own (<name>_bench) and takes a few minutes.
bench: install
	$(SERVICES) $(PY) bench/pages.py --interleave $(BENCH_ARGS)
	$(SERVICES) $(PY) bench/supplies_ledger.py

lint: install
	$(VENV)/bin/ruff check .
	$(SERVICES) env DEBUG="$${DEBUG:-true}" $(PY) manage.py makemigrations --check --dry-run

messages: install
	mkdir -p locale
	env $(PLACEHOLDER_ENV) $(PY) manage.py makemessages -l ja -l en $(IGNORE) --no-obsolete

clean:
	find . -path ./.venv -prune -o -type d -name __pycache__ -print0 | xargs -0 rm -rf
	rm -rf .pytest_cache .ruff_cache test-results var/staticfiles
