"""``status`` from remembered revision headers (history/headers.py) says exactly what the full
path says — text and JSON — on linear histories with pending revisions and phases, several
bases and merges, and an archived baseline with its bridge; and it imports no revision file."""

from __future__ import annotations

import io
import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import alembic.util
import pytest
from test_deploy_support import Env, make_env

from alembic_baseline.commands.status import status
from alembic_baseline.deploy.results import StatusResult
from alembic_baseline.pg.scratch import ScratchServer
from alembic_baseline.report import Reporter


@pytest.fixture
def imported(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the revision files Alembic imports (env.py is not one)."""
    loaded: list[str] = []
    real = alembic.util.load_python_file

    def counting(dir_: Any, filename: Any) -> Any:
        if Path(str(filename)).name != "env.py":
            loaded.append(Path(str(filename)).name)
        return real(dir_, filename)

    monkeypatch.setattr(alembic.util, "load_python_file", counting)
    return loaded


def _age(project_dir: Path) -> None:
    """Every file older than the racy window (a checkout made a while ago)."""
    old = time.time() - 60
    for path in (project_dir / "migrations").rglob("*.py"):
        os.utime(path, (old, old))


def _shown(result: StatusResult) -> tuple[str, Any]:
    text = io.StringIO()
    Reporter(text, io.StringIO()).show(result)
    out = io.StringIO()
    Reporter(out, io.StringIO(), output="json").show(result)
    data = json.loads(out.getvalue())
    data.pop("seconds", None)
    if isinstance(data.get("schema"), dict):
        data["schema"].pop("seconds", None)
    return text.getvalue(), data


def _both(env: Env, imported: list[str], *, schema_check: bool = True) -> str:
    """status by the full path, then (headers learnt) from the headers: the same output, and
    the second imports no revision file."""
    _age(env.project_dir)
    settings = env.project().settings
    url = env.db.render("psycopg")

    def run(cache: bool) -> tuple[str, Any]:
        result = status(
            settings, url=url, server=env.server, schema_check=schema_check, header_cache=cache
        )
        return _shown(result)

    run(True)  # fills the expected-schema cache and learns the headers
    imported.clear()
    full = run(False)
    assert imported, "the full path imports the revision files"
    imported.clear()
    fast = run(True)
    assert imported == []
    assert fast == full
    return fast[0]


@pytest.fixture
def env(pg_default: ScratchServer, tmp_path: Path) -> Iterator[Env]:
    e = make_env(pg_default, tmp_path)
    yield e
    pg_default.drop_database(e.db.database)


def _versions(env: Env) -> Path:
    return env.project_dir / "migrations" / "versions"


def test_pending_revisions_and_phases(env: Env, imported: list[str]) -> None:
    orders = next(_versions(env).glob("d3000003_*.py"))
    text = orders.read_text()
    orders.write_text(text.replace("depends_on = None\n", 'depends_on = None\nphase = "post"\n'))
    out = _both(env, imported)
    assert "2 revision(s)" in out and "schema equals revision d1000001" in out
    assert "post" in out


def test_an_edited_revision_is_read_again(env: Env, imported: list[str]) -> None:
    _both(env, imported)
    note = next(_versions(env).glob("d2000002_*.py"))
    note.write_text(note.read_text().replace('"""add item note;', '"""add a note to items;'))
    settings = env.project().settings
    url = env.db.render("psycopg")
    imported.clear()
    result = status(settings, url=url, server=env.server, schema_check=False)
    assert any(name.startswith("d2000002") for name in imported)  # the full path again
    assert result.pending[0].message.startswith("add a note to items")


def test_a_computed_down_revision_takes_the_full_path(env: Env, imported: list[str]) -> None:
    orders = next(_versions(env).glob("d3000003_*.py"))
    orders.write_text(
        orders.read_text().replace('down_revision = "d2000002"', 'down_revision = "d2" + "000002"')
    )
    _age(env.project_dir)
    settings = env.project().settings
    url = env.db.render("psycopg")
    status(settings, url=url, server=env.server)  # fills the expected-schema cache
    first = _shown(status(settings, url=url, server=env.server, header_cache=False))
    for _ in range(2):
        imported.clear()
        again = _shown(status(settings, url=url, server=env.server))
        assert imported, "never answered from the headers"
        assert again == first


def test_several_bases_and_a_merge(pg_default: ScratchServer, tmp_path: Path) -> None:
    e = make_env(pg_default, tmp_path, "multibase", at=None)
    try:
        e.project().upgrade(e.db, "aa11aa11aa11")
        e.project().upgrade(e.db, "bb22bb22bb22")
        loaded: list[str] = []
        with pytest.MonkeyPatch.context() as mp:
            real = alembic.util.load_python_file

            def counting(dir_: Any, filename: Any) -> Any:
                if Path(str(filename)).name != "env.py":
                    loaded.append(str(filename))
                return real(dir_, filename)

            mp.setattr(alembic.util, "load_python_file", counting)
            out = _both(e, loaded)
        assert "aa11aa11aa11" in out and "bb22bb22bb22" in out and "cc33cc33cc33" in out
    finally:
        pg_default.drop_database(e.db.database)


_BASELINE = '''"""baseline of the old history

Revision ID: baseline_x
"""
from alembic import op

revision = "baseline_x"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE TABLE items (id int)")


def downgrade() -> None:
    op.execute("DROP TABLE items")
'''

_BRIDGE = '''"""bridge: the old head

Revision ID: d3000003
"""
revision = "d3000003"
down_revision = "baseline_x"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
'''

_AFTER = '''"""after the baseline"""
from alembic import op

revision = "e4000004"
down_revision = "d3000003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE TABLE after_baseline (id int)")


def downgrade() -> None:
    op.execute("DROP TABLE after_baseline")
'''


def _archive(env: Env) -> None:
    versions = _versions(env)
    archive = versions / "archive"
    archive.mkdir()
    for path in versions.glob("d*.py"):
        shutil.move(path, archive / path.name)
    (versions / "baseline_x_baseline.py").write_text(_BASELINE)
    (versions / "d3000003_bridge.py").write_text(_BRIDGE)
    (versions / "e4000004_after.py").write_text(_AFTER)


def test_an_archived_baseline_with_its_bridge(env: Env, imported: list[str]) -> None:
    _archive(env)  # the database is at d1000001: archived, behind the baseline
    out = _both(env, imported)
    assert "d1000001" in out and "archived" in out


def test_at_the_bridge(pg_default: ScratchServer, tmp_path: Path, imported: list[str]) -> None:
    e = make_env(pg_default, tmp_path, at="d3000003")
    try:
        _archive(e)
        out = _both(e, imported, schema_check=False)
        assert "e4000004" in out and "1 revision(s)" in out
    finally:
        pg_default.drop_database(e.db.database)
