"""Who is to blame when running a project's Alembic set-up fails, and what gets the user out.

A failure inside ``alembic upgrade`` is not always the revision's fault. This module tells apart:

* a revision file that cannot be loaded (syntax error, no ``revision``/``down_revision``);
* an import that fails in env.py or a revision (``No module named X``): the project's Python
  environment is not the one the tool runs in;
* env.py raising before any revision ran (its own code, its configuration, its connection);
* a revision that fails only because env.py runs all revisions in one transaction (an enum value
  added by an earlier revision used before it was committed): ``transaction_per_migration``;
* a connection lost while a revision ran (server restart, terminated session): the server rolled
  the revision's open transaction back.

Everything else is the revision's own error and is reported as such by the driver.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

from alembic_baseline import compat
from alembic_baseline.errors import BaselineError, ConfigError, MigrationError
from alembic_baseline.pg.connect import explain_connect_error
from alembic_baseline.pg.url import DatabaseURL, redact

ENV_HINT = (
    "alembic-baseline runs env.py and the revisions in its own interpreter ({python}): install "
    "the project's dependencies there (pip install -e . / -r requirements.txt in the same "
    "virtualenv), or activate the project's environment, or add the project's source directory "
    "to PYTHONPATH (or prepend_sys_path in alembic.ini)."
)

# Signs that the session died under a running statement (as opposed to never being opened).
_LOST_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "08003", "08006", "08007"})
_LOST_TEXTS = (
    "server closed the connection unexpectedly",
    "terminating connection",
    "consuming input failed",
    "connection is lost",
    "the connection is closed",
    "connection already closed",
    "could not receive data from server",
    "ssl syscall error: eof detected",
    "closed in the middle of operation",
    "connection was closed",
)
# Errors PostgreSQL raises only because an earlier part of the same transaction is uncommitted.
_NEEDS_COMMIT_SQLSTATES = frozenset({"55P04"})  # unsafe use of new value of enum type
_STEP = re.compile(r"^(?:upgrade|downgrade) (?P<src>\S*) -> (?P<dst>[^,\s]+)")
_MISSING_ATTR = re.compile(r"module '(?P<module>[^']+)' has no attribute '(?P<attr>[^']+)'")


class RevisionFileError(ConfigError):
    """A revision file cannot be loaded: Alembic cannot build the revision graph."""


class ImportFailed(MigrationError):
    """env.py or a revision imports a module the tool's interpreter cannot find."""


class EnvPyFailed(MigrationError):
    """The project's env.py raised before any revision ran."""


class NeedsTransactionPerMigration(MigrationError):
    """A revision fails only because it shares one transaction with earlier revisions."""


class ConnectionLost(MigrationError):
    """The database connection was lost while a revision ran; its transaction rolled back."""


def chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, then its causes and contexts (a rollback error may hide the original)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)
        if isinstance(orig, BaseException) and id(orig) not in seen:
            yield orig
            seen.add(id(orig))
        current = current.__cause__ or current.__context__


def first_line(exc: BaseException) -> str:
    detail = redact(str(getattr(exc, "orig", None) or exc)).strip().splitlines()
    return detail[0] if detail else type(exc).__name__


def sqlstate(exc: BaseException) -> str | None:
    for e in chain(exc):
        state = getattr(e, "sqlstate", None) or getattr(e, "pgcode", None)
        if isinstance(state, str) and state:
            return state
    return None


def is_connection_lost(exc: BaseException) -> bool:
    """The connection died under a statement (server restart, pg_terminate_backend, network)."""
    for e in chain(exc):
        state = getattr(e, "sqlstate", None) or getattr(e, "pgcode", None)
        if state in _LOST_SQLSTATES or getattr(e, "connection_invalidated", False):
            return True
        text = str(e).lower()
        if any(t in text for t in _LOST_TEXTS):
            return True
    return False


def _frames(tb: TracebackType | None) -> list[traceback.FrameSummary]:
    return list(traceback.extract_tb(tb)) if tb is not None else []


def project_frame(exc: BaseException, roots: tuple[Path, ...]) -> tuple[Path, int] | None:
    """The deepest place inside the project (env.py, a revision) the exception passed through."""
    resolved = tuple(r.resolve() for r in roots)
    if isinstance(exc, SyntaxError) and exc.filename:
        return Path(exc.filename), int(exc.lineno or 0)
    for frame in reversed(_frames(exc.__traceback__)):
        path = Path(frame.filename)
        if path.suffix == ".py" and any(path.resolve().is_relative_to(r) for r in resolved):
            return path, int(frame.lineno or 0)
    return None


def _where(place: tuple[Path, int] | None, base: Path) -> str:
    if place is None:
        return ""
    path, line = place
    shown = path.relative_to(base) if path.is_relative_to(base) else path
    return f"{shown}, line {line}" if line else str(shown)


def import_failed(exc: ImportError, place: str, what: str) -> ImportFailed:
    import sys

    module = exc.name or first_line(exc)
    at = f" ({place})" if place else ""
    return ImportFailed(
        f"{what}: {first_line(exc)}{at}. The module {module!r} cannot be imported by the "
        "Python that runs alembic-baseline; this is the environment, not the revision.",
        hint=ENV_HINT.format(python=sys.executable),
        context={"module": module, **({"at": place} if place else {})},
    )


def _revision_path(exc: BaseException) -> Path | None:
    """The revision file Alembic was loading when ``exc`` escaped."""

    return compat.loading_revision_path(exc)


def load_error(exc: Exception, base: Path) -> BaselineError:
    """A revision file (or the script directory) could not be loaded."""
    if isinstance(exc, BaselineError):
        return exc
    if isinstance(exc, ImportError):
        place = _where(project_frame(exc, (base,)), base)
        return import_failed(exc, place, "Loading the revision files failed")
    path = _revision_path(exc)
    shown = _where((path, 0), base) if path else "a revision file"
    if isinstance(exc, SyntaxError):
        where = _where(project_frame(exc, (base,)), base) or shown
        noun = "file" if where.startswith("env.py") or "/env.py" in where else "revision file"
        return RevisionFileError(
            f"The {noun} {where} has a syntax error: {exc.msg}.",
            hint="Fix the file (python -m py_compile FILE shows the same error), then run again.",
            context={"file": where},
        )
    match = _MISSING_ATTR.search(str(exc))
    if isinstance(exc, AttributeError) and match:
        attr = match.group("attr")
        return RevisionFileError(
            f"The revision file {shown} has no {attr!r} variable, so Alembic cannot place it "
            "in the history.",
            hint=f"Add `{attr} = ...` at module level as `alembic revision` writes it "
            "(down_revision = None for a first revision), or move the file out of the versions "
            "directory if it is not a revision.",
            context={"file": shown},
        )
    place = _where(project_frame(exc, (base,)), base) or shown
    return RevisionFileError(
        f"Loading the revision file {place} failed: {type(exc).__name__}: {first_line(exc)}",
        hint="Its module-level code raised; fix it (python FILE shows the same error).",
        context={"file": place},
    )


def failed_revision(steps: list[str]) -> str | None:
    """The revision the last step ran: ``upgrade a -> b`` runs b, ``downgrade b -> a`` runs b."""
    match = _STEP.match(steps[-1]) if steps else None
    if not match:
        return None
    return match.group("src") if steps[-1].startswith("downgrade") else match.group("dst")


def classify(
    what: str,
    steps: list[str],
    exc: Exception,
    *,
    base: Path,
    per_migration: bool | None,
    revision_file: Path | None = None,
) -> BaselineError | None:
    """A specific error when the cause is not the revision's own code, else None."""
    place = project_frame(exc, (base,))
    where = _where(place, base)
    for e in chain(exc):
        if isinstance(e, ImportError):
            return import_failed(e, where, what)
        if isinstance(e, SyntaxError) and place is not None:
            return load_error(e, base)
    if is_connection_lost(exc):
        return _lost(what, steps, exc, per_migration)
    if not steps:
        at = f" at {where}" if where else ""
        return EnvPyFailed(
            f"{what}: env.py failed before any revision ran: {type(exc).__name__}: "
            f"{first_line(exc)}{at}.",
            hint="The error comes from env.py or what it does before running revisions "
            "(reading settings, connecting, configuring the context, reading the version "
            "table), not from a revision: fix env.py or what it reads; `alembic current` shows "
            "the same error.",
            context={"failed_in": "env.py", **({"at": where} if where else {})},
        )
    if per_migration is False and len(steps) > 1 and _needs_commit(exc, revision_file):
        rev = failed_revision(steps) or steps[-1]
        return NeedsTransactionPerMigration(
            f"{what} failed in revision {rev}: {first_line(exc)}. It uses what an earlier "
            f"revision of the same run did before that was committed: env.py runs all "
            f"{len(steps)} revisions of this run in one transaction (transaction_per_migration "
            "is not set). The history replays only with one transaction per revision.",
            hint="Pass transaction_per_migration=True to context.configure() in env.py (each "
            "revision then commits on its own, as `alembic upgrade` one revision at a time "
            "would), or move the use of the new value into a later deployment.",
            context={"failed_step": steps[-1], "transaction_per_migration": "False"},
        )
    return None


def _needs_commit(exc: Exception, revision_file: Path | None) -> bool:
    state = sqlstate(exc)
    text = first_line(exc).lower()
    if state == "55006" and "pending trigger events" in text:
        return True
    if state not in _NEEDS_COMMIT_SQLSTATES:
        return False
    # An enum value added and used inside the same revision fails with any env.py.
    try:
        source = revision_file.read_text(encoding="utf-8") if revision_file else ""
    except OSError:
        source = ""
    return "add value" not in source.lower()


def _lost(
    what: str, steps: list[str], exc: Exception, per_migration: bool | None
) -> ConnectionLost:
    rev = failed_revision(steps)
    during = f"while revision {rev} ran" if rev else "before any revision ran"
    shared = ""
    if rev and per_migration is False and len(steps) > 1:
        shared = f" (with the {len(steps) - 1} revision(s) before it in the same transaction)"
    return ConnectionLost(
        f"{what}: the connection to the database was lost {during}: {first_line(exc)}. "
        f"PostgreSQL rolls back the transaction that was open when the session ended{shared}; "
        "the revisions are not at fault.",
        hint="Find out why the session ended (server restart or failover, an operator's "
        "pg_terminate_backend, idle/session timeouts, the network); once the server answers, "
        "check with `alembic-baseline status` and run the command again.",
        context={"cause": "connection lost", **({"failed_step": steps[-1]} if steps else {})},
    )


def _is_connect_failure(exc: Exception) -> bool:
    from sqlalchemy.exc import OperationalError  # lazy import of a third-party module

    text = str(getattr(exc, "orig", None) or exc).lower()
    return isinstance(exc, OperationalError) and any(
        s in text
        for s in ("connection", "could not translate host", "password authentication", "database")
    )


def run_failure(
    what: str,
    url: DatabaseURL | None,
    steps: list[str],
    exc: Exception,
    *,
    base: Path,
    per_migration: bool | None,
    revision_file: Path | None,
) -> BaselineError:
    """Database errors (SQLAlchemy's, or a driver's from raw-cursor code) and errors raised
    by revision code itself (a guard's RuntimeError, a missing file), reported alike: which
    step, what it said. A failure to connect says how to reach the database instead; env.py,
    the environment, one shared transaction or the connection: see :func:`classify`."""
    detail = redact(str(getattr(exc, "orig", None) or exc)).strip().splitlines()
    first = detail[0] if detail else type(exc).__name__
    if not steps and url is not None and _is_connect_failure(exc) and not is_connection_lost(exc):
        return explain_connect_error(url, first)
    step = steps[-1] if steps else "(before the first revision)"
    special = classify(
        what, steps, exc, base=base, per_migration=per_migration, revision_file=revision_file
    )
    if special is not None:
        return special
    return MigrationError(
        f"{what} failed in {step}: {first}",
        hint="Fix the revision, then run it again; transactional DDL has rolled back the "
        "failed step (autocommit blocks excepted).",
        context={"failed_step": step, "completed_steps": str(max(0, len(steps) - 1))},
    )


def command_error(what: str, text: str) -> MigrationError:
    """Alembic's own CommandError, with the hint that fits it."""
    hint = "Run `alembic-baseline doctor` to diagnose the database's version table."
    if "Can't locate revision" in text:
        hint = (
            "The database records a revision this project does not have (archived, renamed "
            "or deleted). Run `alembic-baseline doctor`; never stamp by hand."
        )
    elif "Multiple head revisions" in text:
        hint = "Merge the heads (alembic merge heads) or name the target revision."
    return MigrationError(f"{what}: {redact(text)}", hint=hint)
