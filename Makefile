# The two commands: `make run` and `make test`. Both build .venv from pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_ADMIN_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-sqlite test-postgres lint typecheck browser-deps document-deps clean
DOCUMENT_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-core fonts-noto-cjk

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Documents (WeasyPrint) need Pango and fonts covering Latin, Greek, Cyrillic and CJK.
document-deps:
	@dpkg -s $(DOCUMENT_PACKAGES) >/dev/null 2>&1 || { \
	  echo "installing Pango and HarfBuzz and the Noto fonts documents are set in"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DOCUMENT_PACKAGES) >/dev/null; }

$(STAMP): pyproject.toml | $(BIN)/python document-deps
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/lienrx db upgrade
	$(BIN)/lienrx seed formulary
	$(BIN)/lienrx seed demo
	$(BIN)/lienrx serve --host $(HOST) --port $(PORT)

# Browser tests drive Debian's Chromium and check each page with axe-core (package.json, pinned
# in package-lock.json); install them when they are missing.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@command -v npm >/dev/null 2>&1 || { \
	  echo "installing Debian's npm to install axe-core for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
	@test -f node_modules/axe-core/axe.min.js || npm ci --no-audit --no-fund

test: $(STAMP) browser-deps lint typecheck test-sqlite test-postgres

lint: $(STAMP)
	$(BIN)/ruff check lienrx migrations seeds tests bench

# The files are listed in pyproject.toml [tool.mypy]: core, the ledger and every services.py.
typecheck: $(STAMP)
	$(BIN)/mypy

# Each run spreads its tests over every core (pytest-xdist); each worker has its own database.
PYTEST := $(BIN)/python -m pytest -n auto

test-sqlite: $(STAMP)
	$(PYTEST); rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; rc=0; fi; exit $$rc

# The PostgreSQL run may be skipped on a developer machine without PostgreSQL, never in CI.
test-postgres: $(STAMP)
	@if $(BIN)/python -m tests.pg_available "$(PG_ADMIN_URL)"; then \
	  LIENRX_TEST_PG_ADMIN_URL="$(PG_ADMIN_URL)" $(PYTEST); rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "no tests collected"; rc=0; fi; exit $$rc; \
	elif [ "$$CI" = "true" ]; then \
	  echo "PostgreSQL at $(PG_ADMIN_URL) is not reachable; CI may not skip the PostgreSQL run"; exit 1; \
	else echo "PostgreSQL not reachable: skipping the PostgreSQL run (CI never skips it)"; fi

clean:
	rm -rf $(VENV) instance build *.egg-info
