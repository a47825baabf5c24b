"""Environment variables are read by settings.py only; each other read is listed here, with why.

A new ``os.environ`` / ``os.getenv`` outside settings.py fails this test until it is either
routed through ``settings.env`` (declared in ``settings.ENVIRONMENT``) or listed below."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from alembic_baseline import settings

SRC = Path(__file__).resolve().parents[2] / "src" / "alembic_baseline"
ALLOWED = {
    # not the tool's settings: the environment the project's env.py and programs run in
    "history/driver.py": 5,  # the project's URL variable ($DATABASE_URL): read, set for env.py
    "history/sandbox.py": 2,  # the replay's environment, copied to be checked and restored
    "pg/tools.py": 1,  # the environment of pg_dump & co, without the caller's PG* variables
    "cli/_url.py": 1,  # --url-env NAME: the variable the user names holds the URL
    "fleet/targets.py": 1,  # url_env = "NAME" in a fleet's targets file: likewise
    "lockkey.py": 1,  # a runner tells the env.py it starts that it holds the target's lock
    "lint/quick.py": 1,  # a recorded lint output's key: a digest of the whole environment
    "settings.py": 3,  # load() and env() themselves; styles_forced() (variables rich reads)
}


def test_environment_is_read_in_settings_only() -> None:
    found: dict[str, int] = {}
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        n = len(re.findall(r"os\.environ|os\.getenv|\bgetenv\(", text))
        if n:
            found[path.relative_to(SRC).as_posix()] = n
    assert found == ALLOWED


def test_env_knows_only_the_declared_variables() -> None:
    assert settings.env("ALEMBIC_BASELINE_PG_BIN", {"ALEMBIC_BASELINE_PG_BIN": "/x"}) == "/x"
    assert settings.env("TMPDIR", {}) == ""
    with pytest.raises(KeyError):
        settings.env("ALEMBIC_BASELINE_NOT_A_SETTING", {})


def test_every_variable_is_documented() -> None:
    doc = (SRC.parents[1] / "docs" / "cli.md").read_text(encoding="utf-8")
    missing = [name for name in settings.ENVIRONMENT if name not in doc]
    assert not missing


def _uses(pattern: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for path in SRC.rglob("*.py"):
        n = len(re.findall(pattern, path.read_text(encoding="utf-8")))
        if n:
            found[path.relative_to(SRC).as_posix()] = n
    return found


def test_feature_sections_are_parsed_by_their_feature_only() -> None:
    """One ``from_settings`` per ``[tool.alembic-baseline.<feature>]`` (statedir.py reads the
    deploy section's backup_dir, a path of the state layout, with the environment over it)."""
    assert _uses(r"\.section\(") == {
        "deploy/options.py": 1,
        "lint/config.py": 1,
        "baseline/options.py": 1,
        "testing/loading.py": 1,  # [tool.alembic-baseline.check]: metadata, entities, rows_hook,
        # irreversible (check history)
        "testing/toolkit.py": 1,  # [tool.alembic-baseline.pytest]: the pytest plugin's settings
        "fleet/probe.py": 1,  # [tool.alembic-baseline.fleet]: where the version table is
    }


def test_state_layout_is_composed_in_statedir_only() -> None:
    """Paths under the state directory come from ``statedir.Layout``; the names of its parts are
    used elsewhere only where a directory may be moved by an option (deploy's cache_dir)."""
    assert _uses(
        r"statedir\.(?:DEFAULT_NAME|RUNS|BACKUPS|CACHE|LINT_CACHE|FINGERPRINTS|PGSTAT)\b"
    ) == {
        "doctor/evidence.py": 1,  # <cache_dir>/pgstat, cache_dir from deploy's options
        "doctor/identify.py": 1,  # <cache_dir>/fingerprints, likewise
    }


def test_pg_dump_hints_name_the_setting_that_exists() -> None:
    """The hints once pointed at a ``--pg-bin`` flag that no command has."""
    from alembic_baseline.pg.tools import tool_failure

    error = tool_failure(
        "backup", "/usr/bin/pg_dump", 1, b"pg_dump: aborting because of server version mismatch"
    )
    assert error.hint and "ALEMBIC_BASELINE_PG_BIN=DIR" in error.hint
    assert "ALEMBIC_BASELINE_PG_BIN" in settings.ENVIRONMENT
    assert not [p for p in SRC.rglob("*.py") if "--pg-bin" in p.read_text(encoding="utf-8")]
