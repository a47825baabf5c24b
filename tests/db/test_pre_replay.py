"""``pre_replay``: tables an application makes outside Alembic, made on every empty scratch
database before the history replays there.

The fixture project's first revision alters ``legacy_settings``, a table the application creates
with ``metadata.create_all()`` before ``alembic upgrade``: without the hook no replay can run.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alembic_baseline.pg.scratch import ScratchServer
from tests.helpers.projects import FIXTURES, cli, copy_project


def setup(tmp_path: Path, hook: str | None) -> Path:
    ini = copy_project(FIXTURES / "pre_replay", tmp_path)
    if hook is not None:
        (ini.parent / "pyproject.toml").write_text(
            f'[tool.alembic-baseline]\npre_replay = "{hook}"\n'
        )
    return ini


def run(pg: ScratchServer, ini: Path, *argv: str) -> tuple[int, str, str]:
    return cli("-c", str(ini), "--scratch-url", pg.admin_url.render(), *argv)


def test_without_the_hook_the_history_cannot_replay(pg: ScratchServer, tmp_path: Path) -> None:
    ini = setup(tmp_path, None)
    code, out, err = run(pg, ini, "baseline", "create", "--from-history")
    assert code == 2, out + err
    assert "legacy_settings" in err and "does not exist" in err


@pytest.mark.parametrize("hook", ["sql/pre_replay.sql", "app_tables:create_tables"])
def test_the_hook_prepares_every_replay_from_empty(
    pg: ScratchServer, tmp_path: Path, hook: str
) -> None:
    ini = setup(tmp_path, hook)
    code, out, err = run(pg, ini, "--json", "baseline", "create", "--from-history")
    assert code == 0, out + err
    sql = Path(str(json.loads(out)["sql_path"])).read_text()
    # The baseline carries the hook's table: it starts at the baseline, so no hook runs there.
    assert "CREATE TABLE public.legacy_settings" in sql
    assert "owner_id" in sql
    if hook.endswith(".sql"):
        assert "(100%) :name" in sql  # executed at the driver level, body intact
    # verify replays the whole history (hook) and builds the baseline (no hook), and both agree.
    code, out, err = run(pg, ini, "baseline", "verify")
    assert code == 0, out + err


def _versions(ini: Path) -> list[str]:
    """The versions folder's entries — but __pycache__, which Python writes when it imports a
    revision (as `alembic upgrade` does) unless PYTHONDONTWRITEBYTECODE is set."""
    folder = ini.parent / "migrations" / "versions"
    return sorted(p.name for p in folder.iterdir() if p.name != "__pycache__")


@pytest.mark.parametrize(
    ("hook", "says"),
    [
        ("sql/broken.sql", "syntax error"),
        ("app_tables:broken", 'relation "nowhere" does not exist'),
        ("sql/missing.sql", "could not be read"),
        ("app_tables:missing", "could not be imported"),
        ("app_tables", "neither a .sql file nor a module:function"),
    ],
)
def test_a_failing_hook_says_so_in_one_paragraph(
    pg: ScratchServer, tmp_path: Path, hook: str, says: str
) -> None:
    ini = setup(tmp_path, hook)
    (ini.parent / "sql" / "broken.sql").write_text("CREATE TABLE legacy_settings (id integer,);\n")
    before = _versions(ini)
    code, out, err = run(pg, ini, "baseline", "create", "--from-history")
    assert code == 2, out + err
    assert "pre_replay" in err and says in err
    assert "Traceback" not in err
    assert _versions(ini) == before  # nothing archived, no baseline written
