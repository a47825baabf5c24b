"""``status`` from remembered revision headers (history/headers.py) and by the quick path
(history/quick.py: no Alembic, no env.py) says exactly what the full path says — text and
JSON — on linear histories with pending revisions and phases, several bases and merges, and an
archived baseline with its bridge; it imports no revision file, and the quick path runs no
env.py; what the quick path cannot answer goes the full way."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import alembic.util
import pytest
from test_deploy_support import Env, add_revision, make_env

from alembic_baseline.commands.status import status
from alembic_baseline.deploy.results import StatusResult
from alembic_baseline.errors import BaselineError
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.scratch import ScratchServer
from alembic_baseline.report import Reporter


@pytest.fixture
def imported(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the files Alembic imports (revision files and env.py)."""
    loaded: list[str] = []
    real = alembic.util.load_python_file

    def counting(dir_: Any, filename: Any) -> Any:
        loaded.append(Path(str(filename)).name)
        return real(dir_, filename)

    monkeypatch.setattr(alembic.util, "load_python_file", counting)
    return loaded


def _revisions(loaded: list[str]) -> list[str]:
    return [name for name in loaded if name != "env.py"]


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


def _both(env: Env, imported: list[str], *, schema_check: bool = True, quick: bool = True) -> str:
    """status by the full path, then (headers learnt) from the headers: the same output; the
    second imports no revision file and (``quick``) runs no env.py either."""
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
    assert _revisions(imported), "the full path imports the revision files"
    imported.clear()
    fast = run(True)
    assert _revisions(imported) == []
    assert ("env.py" not in imported) is quick
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
    assert any(name.startswith("d2000002") for name in _revisions(imported))  # the full path
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
        assert _revisions(imported), "never answered from the headers"
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
                loaded.append(Path(str(filename)).name)
                return real(dir_, filename)

            mp.setattr(alembic.util, "load_python_file", counting)
            out = _both(e, loaded, quick=False)  # branch labels: the full graph, from headers
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


def test_the_quick_path_reads_a_literal_version_table_and_leaves_the_rest(
    env: Env, imported: list[str]
) -> None:
    """env.py's configure() with a literal version table name is answered quickly;
    keywords it builds at run time (**kwargs) go the full way, with the same answer."""
    env_py = env.project_dir / "migrations" / "env.py"
    original = env_py.read_text()
    with connection(env.db) as conn:
        conn.execute("ALTER TABLE alembic_version RENAME TO versions")
    env_py.write_text(
        original.replace(
            "transaction_per_migration=True)",
            'transaction_per_migration=True, version_table="versions")',
        )
    )
    out = _both(env, imported)
    assert "current   d1000001" in out and "2 revision(s)" in out
    env_py.write_text(
        original.replace(
            "transaction_per_migration=True)",
            'transaction_per_migration=True, **{"version_table": "versions"})',
        )
    )
    out = _both(env, imported, quick=False)
    assert "current   d1000001" in out


_MERGE = '''"""merge the two branches"""
revision = "e6000006"
down_revision = ("e4000004", "e5000005")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
'''


def test_a_merge_ahead_of_the_database(env: Env, imported: list[str]) -> None:
    """Two branches after d3000003, the database on one of them: the other branch and the
    merge are pending, in the only possible order (quick); at the branch point, two orders are
    possible: the full path says which Alembic takes."""
    add_revision(env, "e4000004", "d3000003", "op.execute('CREATE TABLE left_side (id int)')")
    add_revision(env, "e5000005", "d3000003", "op.execute('CREATE TABLE right_side (id int)')")
    (_versions(env) / "e6000006_merge.py").write_text(_MERGE)
    env.project().upgrade(env.db, "e4000004")
    out = _both(env, imported)
    assert "e5000005" in out and "e6000006" in out and "2 revision(s)" in out
    env.project().downgrade(env.db, "d3000003")
    out = _both(env, imported, quick=False)
    assert "3 revision(s)" in out


def test_the_quick_path_imports_neither_alembic_nor_sqlalchemy(env: Env) -> None:
    """A new process running ``status`` (headers learnt, expected schema cached): no Alembic,
    no SQLAlchemy, no env.py — the same lines as the full path printed."""
    _age(env.project_dir)
    env.cli("status")  # learns the headers, fills the expected-schema cache
    full = _shown(
        status(
            env.project().settings, url=env.db.render("psycopg"), server=env.server,
            header_cache=False,
        )
    )[0]  # fmt: skip
    program = (
        "import io, json, sys\n"
        "from alembic_baseline.cli import main\n"
        "out = io.StringIO()\n"
        f"code = main({env.argv('status')!r}, out, io.StringIO())\n"
        "print(json.dumps([code, out.getvalue(), sorted(sys.modules)]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    code, out, modules = json.loads(done.stdout.splitlines()[-1])
    assert code == 0 and out == full
    for heavy in ("alembic", "sqlalchemy"):
        assert [m for m in modules if m == heavy or m.startswith(heavy + ".")] == [], heavy


def test_x_arguments_or_a_url_from_alembic_ini_take_the_full_path(
    env: Env, imported: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """What only env.py knows the meaning of (-x), or a URL only alembic.ini names: env.py runs
    (with the revision graph still from the headers)."""
    _age(env.project_dir)
    url = env.db.render("psycopg")
    status(env.project().settings, url=url, server=env.server)  # learns, fills the cache
    imported.clear()
    status(env.project("sleep=0").settings, url=url, server=env.server)
    assert "env.py" in imported  # (and a replay: -x is part of the expected schema's key)
    ini = env.ini.read_text()
    env.ini.write_text(ini.replace("sqlalchemy.url = ", f"sqlalchemy.url = {url}\n# ", 1))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    imported.clear()
    result = status(env.project().settings, server=env.server)
    assert imported == ["env.py"] and result.current[0].id == "d1000001"


def test_an_unreadable_version_table_is_reported_by_the_full_path(env: Env) -> None:
    """A version table the quick path cannot read (here: another shape) is left to the full
    path, whose error (env.py's, explained) is the one raised either way."""
    _age(env.project_dir)
    url = env.db.render("psycopg")
    status(env.project().settings, url=url, server=env.server)  # learns, fills the cache
    with connection(env.db) as conn:
        conn.execute("ALTER TABLE alembic_version RENAME COLUMN version_num TO other")
    errors = []
    for cache in (False, True):
        with pytest.raises(BaselineError) as raised:
            status(env.project().settings, url=url, server=env.server, header_cache=cache)
        errors.append((type(raised.value), raised.value.message))
    assert errors[0] == errors[1]
