# deskpulse: the two commands a newcomer needs are `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
UV := $(shell command -v uv 2>/dev/null)
PORT ?= 8000
# The accessibility browser tests need axe-core from npm; without node and npm they skip, saying so.
E2E_DEPS := $(if $(and $(shell command -v node 2>/dev/null),$(shell command -v npm 2>/dev/null)),e2e-deps)

.PHONY: setup demo serve test e2e-deps wheel-smoke test-sqlite test-postgres test-topology soak lint typecheck format bench clean i18n

setup: $(VENV)/.synced

# uv when available; otherwise pip bootstraps uv inside the venv. Either way the versions come from uv.lock.
$(VENV)/.synced: pyproject.toml uv.lock
ifeq ($(UV),)
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip uv
	VIRTUAL_ENV=$(abspath $(VENV)) $(VENV)/bin/uv sync --frozen --active
else
	UV_PROJECT_ENVIRONMENT=$(VENV) uv sync --frozen
endif
	@touch $@

demo: setup
	$(VENV)/bin/deskpulse demo --port $(PORT)

serve: setup
	$(VENV)/bin/deskpulse serve --port $(PORT)

test: setup $(E2E_DEPS)
	$(VENV)/bin/pytest -q

# axe-core for tests/e2e/test_accessibility.py, at the version tests/e2e/package-lock.json pins (test-only).
e2e-deps: tests/e2e/node_modules/.installed

tests/e2e/node_modules/.installed: tests/e2e/package.json tests/e2e/package-lock.json
	cd tests/e2e && npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

# Build the wheel, install it into a fresh virtual environment and check that `deskpulse demo` serves.
wheel-smoke:
	.ci/wheel-smoke

# Real processes (simulator, web, workers) on the local PostgreSQL and Redis; CI runs it in its PostgreSQL pass.
PG_TEST_URL ?= postgresql+psycopg://postgres:postgres@127.0.0.1:5432/deskpulse_test
test-topology: setup
	DESKPULSE_TEST_DATABASE_URL=$(PG_TEST_URL) $(VENV)/bin/pytest -q -m topology tests/topology

# The soak test (docs/reliability.md#soak-test): the demo at 50x its event rate with 50 event streams and 20 API
# clients for SOAK_SECONDS; the figures go to bench/results/soak.json, one line per minute to soak.txt.
SOAK_SECONDS ?= 600
soak: setup
	DESKPULSE_TEST_DATABASE_URL= DESKPULSE_SOAK_SECONDS=$(SOAK_SECONDS) DESKPULSE_SOAK_REPORT=bench/results/soak.json \
		$(VENV)/bin/pytest -q -s -m soak tests/soak

lint: setup
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

typecheck: setup
	$(VENV)/bin/mypy

format: setup
	$(VENV)/bin/ruff format src tests bench
	$(VENV)/bin/ruff check --fix src tests bench

# Dutch/English catalogs (docs/i18n.md): extract the strings of web code and templates, merge them into each
# language's messages.po, then compile the messages.mo files that ship inside the package.
LOCALE_DIR := src/deskpulse/locale
i18n: setup
	$(VENV)/bin/pybabel extract -F babel.cfg -k N_ --add-location=file --sort-by-file --no-wrap \
		--project deskpulse --copyright-holder "deskpulse contributors" -o $(LOCALE_DIR)/messages.pot .
	$(VENV)/bin/pybabel update -i $(LOCALE_DIR)/messages.pot -d $(LOCALE_DIR) -D messages --no-wrap --ignore-obsolete --no-fuzzy-matching
	$(VENV)/bin/pybabel compile -d $(LOCALE_DIR) -D messages --statistics

bench: setup
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache data/demo.db*
