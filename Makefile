# The front door: `make run`, `make test`, `make check`, `make bench`.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy
# Use uv if it works here, else the copy pip installs into this Python (see `uv` below).
UV := $(shell uv --version >/dev/null 2>&1 && echo uv || echo "python3 -m uv")
MANAGE := $(UV) run --frozen python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help uv install run serve test check format bench browser clean backup restore

help:
	@echo "make run    - set everything up and serve http://$(HOST):$(PORT) with demo data"
	@echo "make test   - the whole test suite (PostgreSQL when DATABASE_URL is set)"
	@echo "make check  - ruff, Django checks, missing migrations"
	@echo "make bench  - benchmarks in bench/"
	@echo "make backup [FILE=backups/x.tar] - the database and every stored file, one archive"
	@echo "make restore FILE=backups/x.tar  - into a fresh DATABASE_URL and an empty storage"

uv:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv \
		|| python3 -m pip install --quiet --user --break-system-packages uv

install: uv
	$(UV) sync --frozen

run: export DEBUG ?= 1
run: install
	$(MANAGE) migrate --no-input
	$(MANAGE) load_seed_plans
	$(MANAGE) load_demo_users
	$(MANAGE) load_demo_history
	$(MANAGE) prune_reports
	@echo "Serving on http://$(HOST):$(PORT)/ (log in with a demo user above, password: demo)"
	@echo "A background worker (manage.py db_worker) renders big PDFs and sends email beside"
	@echo "the server; send_reminders --loop queues the day's reminders every hour."
	@echo "Email: $${EMAIL_HOST:+sent through $$EMAIL_HOST}$${EMAIL_HOST:-kept in the Outbox (set EMAIL_HOST to send it)}"
	$(MANAGE) db_worker & worker=$$!; \
		$(MANAGE) send_reminders --loop & reminders=$$!; \
		trap 'kill $$worker $$reminders 2>/dev/null' EXIT INT TERM; \
		$(MANAGE) runserver $(HOST):$(PORT)

# Tests run on every core (pytest-xdist: a test database per worker); TEST_WORKERS=0
# runs them in this one process.
TEST_WORKERS ?= auto
test: export TESTING := 1
test: install browser
	$(UV) run --frozen pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# The browser journeys use Debian's chromium (never a downloaded browser build).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
			|| echo "chromium could not be installed: browser journeys will fail in CI"; \
		else echo "chromium missing: run 'sudo apt-get install chromium' for the browser tests"; fi; }

check: export TESTING := 1
check: install
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run

format: install
	$(UV) run --frozen ruff check --fix .
	$(UV) run --frozen ruff format .

bench: export TESTING := 1
bench: install
	$(UV) run --frozen python bench/run.py

# PostgreSQL only (pg_dump/pg_restore); the files come from whatever STORAGES holds them.
backup: FILE ?= backups/backup-$(shell date -u +%Y%m%dT%H%M%SZ).tar
backup: install
	$(MANAGE) backup "$(FILE)"

restore: install
	@test -n "$(FILE)" || { echo "make restore FILE=backups/....tar"; exit 2; }
	$(MANAGE) restore "$(FILE)"

clean:
	rm -rf .venv staticfiles .pytest_cache
