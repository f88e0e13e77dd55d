# deskpulse: the two commands a newcomer needs are `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
UV := $(shell command -v uv 2>/dev/null)
PORT ?= 8000

.PHONY: setup demo serve test test-sqlite test-postgres test-topology lint typecheck format bench clean

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

test: setup
	$(VENV)/bin/pytest -q

# Real processes (simulator, web, workers) on the local PostgreSQL and Redis; CI runs it in its PostgreSQL pass.
PG_TEST_URL ?= postgresql+psycopg://postgres:postgres@127.0.0.1:5432/deskpulse_test
test-topology: setup
	DESKPULSE_TEST_DATABASE_URL=$(PG_TEST_URL) $(VENV)/bin/pytest -q -m topology tests/topology

lint: setup
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

typecheck: setup
	$(VENV)/bin/mypy

format: setup
	$(VENV)/bin/ruff format src tests bench
	$(VENV)/bin/ruff check --fix src tests bench

bench: setup
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache data/demo.db*
