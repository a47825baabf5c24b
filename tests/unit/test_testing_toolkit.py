"""The testing toolkit without a database: cache keys, names, configuration, import cost."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from alembic_baseline import settings
from alembic_baseline.errors import ConfigError
from alembic_baseline.testing import checks, template, toolkit
from tests.helpers.projects import FIXTURES, copy_project, project


def test_content_key_follows_the_files_not_the_place(tmp_path: Path) -> None:
    a = copy_project(FIXTURES / "mini", tmp_path / "a")
    b = copy_project(FIXTURES / "mini", tmp_path / "b")
    key = template.content_key(project(a))
    assert template.content_key(project(b)) == key  # same content elsewhere: same templates
    assert template.project_tag(project(a)) != template.project_tag(project(b))
    cache = a.parent / "migrations" / "versions" / "__pycache__"
    cache.mkdir()
    (cache / "x.cpython-311.pyc").write_bytes(b"\0")
    assert template.content_key(project(a)) == key  # bytecode is not content
    revision = next((a.parent / "migrations" / "versions").glob("3c4d*.py"))
    revision.write_text(revision.read_text() + "\n# edited\n")
    assert template.content_key(project(a)) != key
    sql = a.parent / "migrations" / "baselines" / "baseline.sql"
    sql.parent.mkdir()
    sql.write_text("CREATE TABLE t ();")
    edited = template.content_key(project(a))
    sql.write_text("CREATE TABLE u ();")  # a baseline's SQL is part of the history
    assert template.content_key(project(a)) != edited


def test_names_fit_postgres_and_escape_like() -> None:
    long = template.template_name("0" * 8, "1" * 12, "heads")
    assert long == "ab_pt_00000000_111111111111_heads"
    hashed = template.template_name("0" * 8, "1" * 12, "a_very_long_revision_identifier_indeed")
    assert len(hashed.encode()) <= 63 and "indeed" not in hashed
    assert template._like("ab_pt_x%") == "ab\\_pt\\_x\\%%"


def test_settings_precedence(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.alembic-baseline]\nscratch_url = 'postgresql://tool/x'\npg_major = 15\n"
        "[tool.alembic-baseline.pytest]\nscratch_url = 'postgresql://table/x'\n"
        "alembic_ini = 'db/alembic.ini'\nserver = 'ephemeral'\n"
    )
    got, mode = toolkit.resolve(tmp_path, toolkit.PluginConfig(), environ={})
    assert got.scratch_url == "postgresql://table/x"  # the pytest table over the tool's
    assert got.pg_major == 15 and mode == "ephemeral"
    assert got.config_file == tmp_path / "db" / "alembic.ini"
    ini = toolkit.PluginConfig(scratch_url="postgresql://ini/x", pg_major=16, server="persistent")
    got, mode = toolkit.resolve(tmp_path, ini, environ={})
    assert (got.scratch_url, got.pg_major, mode) == ("postgresql://ini/x", 16, "persistent")
    env = {"ALEMBIC_BASELINE_SCRATCH_URL": "postgresql://env/x", "ALEMBIC_BASELINE_PG_MAJOR": "18"}
    got, _ = toolkit.resolve(tmp_path, ini, environ=env)
    assert (got.scratch_url, got.pg_major) == ("postgresql://env/x", 18)  # CI's variables win
    with pytest.raises(ConfigError, match="persistent, ephemeral"):
        toolkit.resolve(tmp_path, toolkit.PluginConfig(server="shared"), environ={})


def test_irreversible_is_a_list_of_ids(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.alembic-baseline.check]\nirreversible = ['abc', 'def']\n"
    )
    loaded = settings.load(cwd=tmp_path, environ={})
    assert checks.irreversible(loaded) == {"abc", "def"}
    (tmp_path / "pyproject.toml").write_text("[tool.alembic-baseline.check]\nirreversible = 1\n")
    with pytest.raises(ConfigError, match="list of revision ids"):
        checks.irreversible(settings.load(cwd=tmp_path, environ={}))


def test_loading_the_plugin_imports_nothing_heavy() -> None:
    """pytest loads the plugin in every session: it must not import the toolkit's stack."""
    code = (
        "import sys, alembic_baseline.testing.plugin\n"
        "print(sorted(m for m in ('alembic', 'sqlalchemy', 'psycopg', 'pglast', 'rich') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
