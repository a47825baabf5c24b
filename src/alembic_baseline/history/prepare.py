"""``pre_replay``: prepare an empty scratch database before the history replays on it.

Some applications create a few tables outside Alembic (``metadata.create_all()`` at start-up)
before ``alembic upgrade``, and their first revisions reference those tables. A replay on an
empty scratch database then fails. The setting ``pre_replay`` in ``[tool.alembic-baseline]``
names what makes them:

* ``path/to/file.sql`` (relative to pyproject.toml's directory, else alembic.ini's): executed
  at the driver level in one transaction (no bind-parameter parsing; ``$$`` bodies and ``%``
  intact);
* ``package.module:function``: called with a SQLAlchemy ``Connection`` to the scratch database
  inside a transaction that is committed when the function returns (``metadata.create_all(conn)``
  works as it is). The project directory is importable while it runs, and the function runs
  confined to the scratch database like env.py.

It runs only when the database is empty (no relation outside the system schemas) and the
history starts at an ordinary root revision, not at a baseline made by this tool: a baseline
already contains those tables.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic_baseline.compat import sqlalchemy_driver
from alembic_baseline.errors import BaselineError, ConfigError
from alembic_baseline.history import sandbox
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.url import DatabaseURL, redact

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory

    from alembic_baseline.settings import Settings

DOCS = "docs/baseline.md#preparing-scratch-databases-pre_replay"
_EMPTY = (
    "SELECT NOT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%')"
)


class PreReplayError(ConfigError):
    """The ``pre_replay`` hook could not be found or failed (exit 2)."""


def _base_dir(settings: Settings) -> Path:
    return settings.pyproject.parent if settings.pyproject else settings.project_dir


def starts_at_baseline(script: ScriptDirectory) -> bool:
    """Every root revision is a baseline made by alembic-baseline."""
    bases = [script.get_revision(b) for b in script.get_bases()]
    return bool(bases) and all(
        getattr(getattr(b, "module", None), "ALEMBIC_BASELINE_ROLE", None) == "baseline"
        for b in bases
    )


def run(settings: Settings, script: ScriptDirectory, url: DatabaseURL) -> bool:
    """Run the hook on ``url`` when it applies; whether it ran."""
    spec = (settings.pre_replay or "").strip()
    if not spec or starts_at_baseline(script):
        return False

    with connection(url) as conn:
        row = conn.execute(_EMPTY).fetchone()
    if not row or not row[0]:
        return False
    if spec.endswith(".sql"):
        _run_sql(spec, _base_dir(settings) / spec, url)
    elif ":" in spec:
        _run_function(spec, _load(spec, _base_dir(settings)), url, settings)
    else:
        raise PreReplayError(
            f"pre_replay = {spec!r} in [tool.alembic-baseline] is neither a .sql file nor a "
            "module:function.",
            hint=f'Use pre_replay = "sql/pre_replay.sql" or "myapp.db:create_tables". See {DOCS}.',
        )
    return True


def _failed(spec: str, url: DatabaseURL, exc: BaseException) -> PreReplayError:
    lines = redact(str(getattr(exc, "orig", None) or exc)).strip().splitlines()
    detail = lines[0] if lines else type(exc).__name__
    return PreReplayError(
        f"The pre_replay hook {spec!r} failed on the scratch database {url.database!r} "
        f"({type(exc).__name__}: {detail}); the history was not replayed.",
        hint="Fix the hook: it runs on every empty scratch database before the history replays, "
        f"and must create what the first revisions expect (its work was rolled back). See {DOCS}.",
    )


def _run_sql(spec: str, path: Path, url: DatabaseURL) -> None:

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PreReplayError(
            f"pre_replay = {spec!r}: {path} could not be read ({exc.strerror}).",
            hint=f"The path is relative to the directory of pyproject.toml. See {DOCS}.",
        ) from None
    with connection(url, autocommit=False) as conn:
        try:
            conn.execute(text.encode())
            conn.commit()
        except Exception as exc:
            raise _failed(spec, url, exc) from None


def _load(spec: str, base: Path) -> Callable[[Any], object]:
    module_name, _, attr = spec.partition(":")
    added = str(base) not in sys.path
    if added:
        sys.path.insert(0, str(base))
    try:
        fn = getattr(importlib.import_module(module_name), attr)
    except Exception as exc:
        raise PreReplayError(
            f"pre_replay = {spec!r}: {module_name}.{attr} could not be imported "
            f"({type(exc).__name__}: {redact(str(exc))}).",
            hint=f"The module is imported with {base} on sys.path. See {DOCS}.",
        ) from None
    finally:
        if added and str(base) in sys.path:
            sys.path.remove(str(base))
    if not callable(fn):
        raise PreReplayError(f"pre_replay = {spec!r} is not a function.", hint=f"See {DOCS}.")
    return fn  # type: ignore[no-any-return]


def _run_function(
    spec: str, fn: Callable[[Any], object], url: DatabaseURL, settings: Settings
) -> None:
    from sqlalchemy import create_engine, pool

    engine = create_engine(url.render(sqlalchemy_driver("psycopg")), poolclass=pool.NullPool)
    box = sandbox.Sandbox(url, "scratch", settings.url_env)
    try:
        with sandbox.confine(box), engine.begin() as conn:
            fn(conn)
    except BaselineError:
        raise
    except Exception as exc:
        raise _failed(spec, url, exc) from None
    finally:
        engine.dispose()
