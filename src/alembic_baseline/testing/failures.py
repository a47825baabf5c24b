"""The tool's errors inside pytest: one readable failure (message and hint), not a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from alembic_baseline.errors import BaselineError


@contextmanager
def reported() -> Iterator[None]:
    """Turn a :class:`BaselineError` into ``pytest.fail`` with its message and hint."""
    failure: BaselineError | None = None
    try:
        yield
    except BaselineError as exc:
        failure = exc
    if failure is not None:  # outside the except block: no "during handling…" chain in reports
        hint = f"\nhint: {failure.hint}" if failure.hint else ""
        pytest.fail(f"alembic-baseline: {failure.message}{hint}", pytrace=False)
