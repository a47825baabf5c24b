# Two commands on a fresh machine:  `make demo`  and  `make test`.
# Both bootstrap .venv from the pinned requirements.lock first (nothing installed by hand).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck unit db bench docs clean

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@if $(BIN)/python -m pip install -q uv >/dev/null 2>&1; then \
	  $(BIN)/uv pip install -q --python $(BIN)/python -r requirements.lock -e '.[dev]'; \
	else \
	  $(BIN)/python -m pip install -q -r requirements.lock -e '.[dev]'; \
	fi
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/alembic-baseline demo

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest tests/unit -q

db: $(STAMP)
	$(BIN)/pytest tests/db -q

test: lint typecheck
	$(BIN)/pytest -q

# Regenerate the pages generated from docstrings (tests fail while they are stale).
docs: $(STAMP)
	$(BIN)/alembic-baseline lint --write-docs docs/rules
	$(BIN)/python -m alembic_baseline.doctor.docs docs/doctor

bench: $(STAMP)
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
