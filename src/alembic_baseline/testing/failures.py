"""The tool's errors inside pytest: one readable failure (message and hint), not a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from alembic_baseline.errors import BaselineError


@contextmanager
def reported() -> Iterator[None]:
    """Turn a :class:`BaselineError` into ``pytest.fail`` with its message and hint."""
    try:
        yield
    except BaselineError as exc:
        hint = f"\nhint: {exc.hint}" if exc.hint else ""
        pytest.fail(f"alembic-baseline: {exc.message}{hint}", pytrace=False)
