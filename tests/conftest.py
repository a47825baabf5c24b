"""Shared test configuration: the PostgreSQL majors the db tests run on."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "lot_management"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "/tests/db/" in str(item.fspath):
            item.add_marker(pytest.mark.db)
