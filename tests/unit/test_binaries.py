"""Finding PostgreSQL programs (runs `--version` of the installed ones; no server)."""

from __future__ import annotations

import pytest

from alembic_baseline.errors import ScratchError
from alembic_baseline.pg import binaries


def test_installations_are_found_with_their_versions() -> None:
    found = binaries.discover()
    assert found, "the embedded package alone provides PostgreSQL 16 and 18"
    assert {16, 18} <= {i.major for i in found if i.source == "embedded"}
    for inst in found:
        assert inst.version.split(".")[0] == str(inst.major)
        assert inst.has("pg_dump", "pg_restore", "psql")


def test_pg_dump_is_never_older_than_the_server() -> None:
    for major in binaries.majors():
        client = binaries.find_client(major)
        assert client.major >= major
        # the lowest such major: pg_dump output of a newer major can need newer servers
        assert client.major == min(i.major for i in binaries.discover() if i.major >= major)
    with pytest.raises(ScratchError) as info:
        binaries.find_client(99)
    assert "99 or newer" in info.value.message and info.value.hint


def test_extra_bin_dirs_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    embedded = next(i for i in binaries.discover() if i.source == "embedded")
    monkeypatch.setenv("ALEMBIC_BASELINE_PG_BIN", str(embedded.bindir))
    binaries.discover.cache_clear()
    try:
        assert any(i.source == "env" for i in binaries.discover())
    finally:
        binaries.discover.cache_clear()
