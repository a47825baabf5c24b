"""Every use of Alembic's and SQLAlchemy's private or version-dependent API, in one place (and
the private uses of psycopg's version modules, CPython's process pool and pglast, at the end).

Supported: SQLAlchemy 1.4.27 … 2.x and Alembic 1.8.1 … newest (docs/compatibility.md). CI runs
the tests on both ends (``make test-oldest``). Alembic has no public API for the pieces below
(the steps of a run, a revision's parents, the version directories, an offline environment, a
hook after each step), so each is reached here, behind a small function with its own test
(tests/unit/test_compat.py), instead of from the feature modules.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic_baseline.errors import ConfigError

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext
    from alembic.runtime.migration import MigrationContext
    from alembic.script import Script, ScriptDirectory


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def sqlalchemy_version() -> tuple[int, ...]:
    import sqlalchemy

    return _version(sqlalchemy.__version__)


def alembic_version() -> tuple[int, ...]:
    import alembic

    return _version(alembic.__version__)


# -- SQLAlchemy ---------------------------------------------------------------------------------


def sqlalchemy_driver(driver: str) -> str:
    """The SQLAlchemy dialect driver name to use for ``driver``.

    SQLAlchemy 1.4 has no dialect for psycopg 3 (``postgresql+psycopg`` came with 2.0); the same
    server is reached through psycopg2 there, the driver every SQLAlchemy 1.4 project has.
    """
    if driver == "psycopg" and sqlalchemy_version() < (2,):
        return "psycopg2"
    return driver


def env_driver(url_driver: str | None, project_driver: str) -> str:
    """The driver env.py is given: the URL's own, else the project's.

    On SQLAlchemy 1.4 a ``postgresql+psycopg`` URL (the driver the tool's scratch URLs name)
    cannot load; the project's own driver is used instead, the one its env.py is written for
    (psycopg2, or asyncpg for an async env.py).
    """
    if url_driver and (url_driver != "psycopg" or has_psycopg3_dialect()):
        return url_driver
    return sqlalchemy_driver(project_driver)


def has_psycopg3_dialect() -> bool:
    """Whether ``postgresql+psycopg://`` works with the installed SQLAlchemy (2.0 and later)."""
    return sqlalchemy_version() >= (2,)


def has_postgresql_not_valid() -> bool:
    """Whether ``postgresql_not_valid=True`` is accepted on a CHECK constraint (later SQLAlchemy
    1.4 releases and 2.x; 1.4.27 raises ArgumentError for the keyword)."""
    from sqlalchemy import schema
    from sqlalchemy.dialects.postgresql.base import PGDialect

    return any(
        cls is schema.CheckConstraint and "not_valid" in args
        for cls, args in PGDialect.construct_arguments or ()
    )


# -- Alembic: the steps of a run ----------------------------------------------------------------


def upgrade_steps(script: ScriptDirectory, destination: str, current: Any) -> list[Any]:
    """The ``RevisionStep`` list ``alembic upgrade destination`` takes from ``current`` heads
    (what ``alembic.command.upgrade`` passes to the EnvironmentContext as ``fn``)."""
    return list(script._upgrade_revs(destination, current))


def downgrade_steps(script: ScriptDirectory, destination: str, current: Any) -> list[Any]:
    """The ``RevisionStep`` list ``alembic downgrade destination`` takes from ``current``,
    as :func:`linear_downgrade_step` s: the same steps, whose version-table bookkeeping costs
    one step, not the whole history below it, for each revision with one parent."""
    return [linear_downgrade_step(step) for step in script._downgrade_revs(destination, current)]


def linear_downgrade_step(step: Any) -> Any:
    """``step`` (a downgrade ``RevisionStep``) as one that answers Alembic's head maintenance
    (``HeadMaintainer.update_to_step``) without walking the history when it can.

    Undoing a revision, Alembic asks which revisions the version table holds afterwards
    (``RevisionStep._unmerge_to_revisions``). With no other head in the table, newer Alembic
    (1.20 in requirements.lock) computes the ancestors of the revision's parents and removes
    them from the parents: for one parent that is always the parent itself (a revision is
    never its own ancestor), but the walk visits every revision below it — n²/2 visits for a
    linear range of n revisions (an offline rollback of 1,000 revisions: 0.9 s CPU, 0.2 s with
    this step); Alembic 1.8.1 answers the parents directly. This step answers the parent
    directly in that case and asks the installed Alembic in every other (a merge revision,
    other heads), so the SQL stays Alembic's own (tests/unit/test_compat.py compares both
    renderings, on the oldest and the newest supported pair).
    """
    from alembic.runtime.migration import RevisionStep

    if step.is_upgrade or type(step) is not RevisionStep:
        return step
    return _linear_step_class()(step.revision_map, step.revision, False)


@functools.cache
def _linear_step_class() -> type:
    from alembic.runtime.migration import RevisionStep

    class LinearDowngradeStep(RevisionStep):
        def _unmerge_to_revisions(self, heads: Any) -> tuple[str, ...]:
            parents = tuple(self.to_revisions)
            if len(parents) == 1 and not set(heads).difference([self.revision.revision]):
                return parents
            return tuple(super()._unmerge_to_revisions(heads))

    return LinearDowngradeStep


_SAFE_REVISION = re.compile(r"[A-Za-z0-9_.-]+")
_SENTINELS = ("alembicbaselinezzzzfirst", "alembicbaselinezzzzsecond")


@contextlib.contextmanager
def fast_offline_version_sql() -> Iterator[None]:
    """While inside, an offline (``--sql``) run writes its version-table statements (INSERT /
    UPDATE / DELETE of ``version_num``, one per step) from a text template instead of compiling
    each through SQLAlchemy (~0.3 ms each: 0.3 s of a 1,000-revision bundle, twice).

    Alembic's ``HeadMaintainer`` builds each statement from ``literal_column("'<rev>'")``, which
    SQLAlchemy copies into the SQL as it is. The template is the installed Alembic's own output for
    one statement of each kind, compiled once per run with placeholder revisions through the
    context's own ``impl._exec`` (so the table, its schema, quoting, terminator and layout are
    exactly Alembic's); each step then substitutes its revisions. Revision ids outside
    ``[A-Za-z0-9_.-]`` (which SQLAlchemy might escape), online runs and dialect implementations
    overriding ``_exec`` take Alembic's own path. The text is Alembic's either way
    (tests/unit/test_compat.py compares both, on the oldest and the newest supported pair).

    Alembic has no hook for this: ``MigrationContext.run_migrations`` instantiates the module's
    ``HeadMaintainer`` by name, so the name is swapped for a subclass while inside (one thread
    renders at a time in this tool; the subclass defers to Alembic for anything online).
    """
    from alembic.runtime import migration

    original = migration.HeadMaintainer
    migration.HeadMaintainer = _template_head_maintainer(original)  # type: ignore[misc,assignment]
    try:
        yield
    finally:
        migration.HeadMaintainer = original  # type: ignore[misc]


@functools.cache
def _template_head_maintainer(base: type) -> type:
    from alembic.ddl.impl import DefaultImpl
    from sqlalchemy import literal_column

    class TemplateHeadMaintainer(base):  # type: ignore[misc]
        def __init__(self, context: Any, heads: Any) -> None:
            super().__init__(context, heads)
            impl = context.impl
            self._templates: dict[str, str | None] | None = (
                {}
                if context.as_sql
                and type(impl)._exec is DefaultImpl._exec
                and "_exec" not in vars(impl)
                and "static_output" not in vars(impl)
                else None
            )

        def _statement(self, kind: str, build: Callable[..., Any], *revisions: str) -> bool:
            """Write ``kind``'s statement for ``revisions`` from its template; False: no template
            applies (the caller lets Alembic write it)."""
            templates = self._templates
            if templates is None or not all(_SAFE_REVISION.fullmatch(r) for r in revisions):
                return False
            if any(s in r for r in revisions for s in _SENTINELS):
                return False
            if kind not in templates:
                templates[kind] = self._template(build, len(revisions))
            template = templates[kind]
            if template is None:
                return False
            for sentinel, revision in zip(_SENTINELS, revisions, strict=False):
                template = template.replace(f"'{sentinel}'", f"'{revision}'")
            self.context.impl.static_output(template)
            return True

        def _template(self, build: Callable[..., Any], count: int) -> str | None:
            impl = self.context.impl
            written: list[str] = []
            impl.static_output = written.append
            try:
                impl._exec(build(*(literal_column(f"'{s}'") for s in _SENTINELS[:count])))
            finally:
                del impl.static_output
            text = written[0] if len(written) == 1 else ""
            ok = all(text.count(f"'{s}'") == 1 for s in _SENTINELS[:count])
            return text if ok else None

        def _insert_version(self, version: str) -> None:
            table = self.context._version
            if version in self.heads or not self._statement(
                "insert", lambda v: table.insert().values(version_num=v), version
            ):
                super()._insert_version(version)
                return
            self.heads.add(version)

        def _delete_version(self, version: str) -> None:
            table = self.context._version
            if version not in self.heads or not self._statement(
                "delete", lambda v: table.delete().where(table.c.version_num == v), version
            ):
                super()._delete_version(version)
                return
            self.heads.remove(version)

        def _update_version(self, from_: str, to_: str) -> None:
            table = self.context._version
            if (
                to_ in self.heads
                or from_ not in self.heads
                or not self._statement(
                    "update",
                    lambda new, old: (
                        table.update().values(version_num=new).where(table.c.version_num == old)
                    ),
                    to_,
                    from_,
                )
            ):
                super()._update_version(from_, to_)
                return
            self.heads.remove(from_)
            self.heads.add(to_)

    return TemplateHeadMaintainer


def downgrade_one_step(script: ScriptDirectory, revision: str) -> list[Any]:
    """The one ``RevisionStep`` that undoes ``revision`` alone (a current head), whatever other
    heads the database has: ``downgrade rev-1`` would also undo sibling branches, and is
    ambiguous on a merge. Alembic's head maintenance then records its parents."""
    from alembic.runtime import migration

    return [migration.MigrationStep.downgrade_from_script(
        script.revision_map, script.get_revision(revision)
    )]  # fmt: skip


def down_revisions(revision: Script) -> tuple[str, ...]:
    """A revision's parents as a tuple (``down_revision`` may be None, a string or a tuple);
    dependencies (``depends_on``) are not parents."""
    return tuple(revision._normalized_down_revisions)


def version_locations(script: ScriptDirectory) -> list[Path]:
    """The absolute version directories Alembic scans (``version_locations`` or ``versions``)."""
    locations = getattr(script, "_version_locations", None) or [script.versions]
    return [Path(str(location)) for location in locations]


def revision_files(script: ScriptDirectory) -> list[Path] | None:
    """The files Alembic would load as revisions of ``script``, resolved, in its order
    (``ScriptDirectory._load_revisions``: the version directories that exist, each listed by
    ``Script._list_py_dir``, names matched by its source-file pattern). None when Alembic would
    warn about a file listed twice, or this Alembic lists files in a way not known here.
    ``_list_py_dir`` gives names on older Alembic (1.8), paths on newer."""
    from alembic.script import Script
    from alembic.script import base as script_base

    pattern = getattr(script_base, "_only_source_rev_file", None)
    lister = getattr(Script, "_list_py_dir", None)
    if pattern is None or lister is None:
        return None
    files: list[Path] = []
    seen: set[Path] = set()
    for vers in version_locations(script):
        if not vers.exists():
            continue
        for listed in lister(script, vers):
            real = (vers / listed).resolve()  # an absolute ``listed`` stays itself
            if real in seen:
                return None
            seen.add(real)
            if pattern.match(real.name):
                files.append(real)
    return files


def script_of(module: Any, revision: str, path: Path) -> Script:
    """A ``Script`` as Alembic makes it when it loads ``path``: its path a ``str`` where Alembic
    still loads by file name (``Script._from_filename``, Alembic 1.8), a ``Path`` on newer."""
    from alembic.script import Script

    return Script(module, revision, str(path) if hasattr(Script, "_from_filename") else path)


def loaded_revisions(script: ScriptDirectory) -> list[Script]:
    """The revisions of ``script``'s map (loading it), each once: merge points and labels do
    not repeat them, as ``RevisionMap._revision_map``'s values would."""
    found: dict[int, Script] = {}
    for rev in script.revision_map._revision_map.values():
        if rev is not None:
            found.setdefault(id(rev), rev)  # type: ignore[arg-type]
    return list(found.values())


# -- Alembic: environments --------------------------------------------------------------------


def offline_environment(cfg: Config, ctx: MigrationContext) -> EnvironmentContext:
    """An EnvironmentContext (``alembic.context``) that answers with ``ctx`` without env.py
    having called ``configure()``: ``context.is_offline_mode()`` and friends work for code run
    outside a real ``alembic`` command (offline lint rendering)."""
    from alembic.runtime.environment import EnvironmentContext

    env = EnvironmentContext(cfg, None, as_sql=True)  # type: ignore[arg-type]
    env._migration_context = ctx
    return env


VersionApplied = Callable[..., None]


def add_on_version_apply(env: EnvironmentContext, callback: VersionApplied) -> None:
    """Make env.py's ``context.configure(...)`` also pass ``callback`` as ``on_version_apply``
    (after env.py's own callbacks, which keep running).

    Patched on the instance: Alembic's ``alembic.context`` proxy only knows the
    EnvironmentContext class itself, not subclasses. ``on_version_apply`` exists since Alembic 0.9.
    """
    from alembic import util

    configure = env.configure

    def configure_with_callback(*args: Any, **kwargs: Any) -> None:
        theirs = util.to_tuple(kwargs.get("on_version_apply"), default=())
        kwargs["on_version_apply"] = (*theirs, callback)
        configure(*args, **kwargs)

    env.configure = configure_with_callback  # type: ignore[method-assign]


# -- Alembic: what env.py's helpers read (alembic_baseline.tenant) ------------------------------


def destination_revisions(env: EnvironmentContext) -> frozenset[str] | None:
    """The revisions this run moves the database to, resolved (``head`` → its id), or None when
    the command has no destination (``current``, ``check``, ``revision --autogenerate``) or one
    that names no fixed set (``base``, relative steps Alembic resolves later).

    ``get_revision_argument()`` is public but reads ``context_opts["destination_rev"]``, which
    only the commands that move the database set (KeyError otherwise).
    """
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError

    try:
        found = env.get_revision_argument()
    except (KeyError, CommandError, RevisionError):
        return None
    if not found:
        return None
    if isinstance(found, str):
        return frozenset({found})
    return frozenset(str(rev) for rev in found)


def version_table(ctx: MigrationContext) -> tuple[str | None, str]:
    """``(version_table_schema, version_table)`` as env.py configured them (attributes of
    MigrationContext since Alembic 0.x, not documented as API)."""
    return ctx.version_table_schema, ctx.version_table


def set_default_schema(connection: Any, schema: str) -> None:
    """Make SQLAlchemy reflect (autogenerate, ``inspect``) in ``schema``: the dialect's
    ``default_schema_name`` is read once at first connect; Alembic's cookbook ("schema-level
    multi tenancy") sets this unsupported attribute. It belongs to the engine's dialect, so it
    holds for every connection of that engine."""
    connection.dialect.default_schema_name = schema


# -- Alembic: errors while loading revision files ----------------------------------------------


def loading_revision_path(exc: BaseException) -> Path | None:
    """The revision file Alembic was importing when ``exc`` escaped, found on the traceback.

    Alembic ≥ 1.13 loads through ``Script._from_path(path)``; older ones through
    ``Script._from_filename(scriptdir, dir_, filename)``.
    """
    tb = exc.__traceback__
    found = None
    while tb is not None:
        code, local = tb.tb_frame.f_code.co_name, tb.tb_frame.f_locals
        if code in ("_from_path", "_from_filename"):
            path = local.get("path")
            if path is None and local.get("dir_") is not None and local.get("filename"):
                path = Path(str(local["dir_"]), str(local["filename"]))
            found = Path(str(path)) if path is not None else found
        tb = tb.tb_next
    return found


def require_sqlalchemy_2(purpose: str) -> None:
    """Refuse ``purpose`` on SQLAlchemy 1.4 with a one-paragraph error (exit 2).

    The bundled sample project (the demo) is written for SQLAlchemy 2.0: its revisions use
    ``postgresql.DOMAIN``, which SQLAlchemy 1.4 does not have.
    """
    import sqlalchemy

    if sqlalchemy_version() < (2,):
        raise ConfigError(
            f"{purpose} needs SQLAlchemy 2.0 or later; this Python has SQLAlchemy "
            f"{sqlalchemy.__version__} (the other commands work with it).",
            hint="Run the demo from a separate virtualenv (python -m venv demo-env; "
            "demo-env/bin/pip install alembic-baseline), which installs SQLAlchemy 2.",
        )


# -- CPython: the end of a process ---------------------------------------------------------


def run_exit_handlers() -> None:
    """Run the ``atexit`` handlers now, as a normal interpreter exit runs them first (scratch
    servers stopped, logging flushed, ``weakref.finalize`` callbacks): for a process about to
    end with ``os._exit`` (cli/_ending.py). ``atexit._run_exitfuncs`` is CPython's own
    function for it (3.11–3.14), not a documented API; tests/unit/test_cli_ending.py checks
    that the handlers ran."""
    import atexit

    atexit._run_exitfuncs()


# -- psycopg: its version modules --------------------------------------------------------------

_PSYCOPG_DISTS = (("psycopg", "psycopg"), ("psycopg_binary", "psycopg[-_]binary"))


def seed_psycopg_versions() -> None:
    """Give psycopg 3's ``version`` modules (its own and psycopg-binary's) their
    ``__version__`` before psycopg is imported, from the names of the installed ``.dist-info``
    directories.

    Both modules ask ``importlib.metadata`` (``metadata.version(…)``), whose import and two
    look-ups over ``sys.path`` are 20–30 ms of a ``snapshot`` command's start-up; nothing else
    the command runs needs that module. Seeded only when neither psycopg nor
    ``importlib.metadata`` is imported yet, the installed psycopg is 3.x, and the first
    ``sys.path`` directory that holds the package (or a ``.dist-info`` of its name) holds both,
    with exactly one ``<name>-<version>.dist-info`` — the one ``metadata.version`` reads — and
    the package's ``version.py`` is the module it replaces (:func:`_only_a_version`); in
    any other case psycopg reads its versions itself (tests/unit/test_compat.py compares the
    seeded versions with ``metadata.version``'s and checks the fall-back)."""
    if "psycopg" in sys.modules or "importlib.metadata" in sys.modules:
        return
    found: dict[str, str] = {}
    for package, dist in _PSYCOPG_DISTS:
        version = _wheel_version(package, re.compile(rf"(?i)^{dist}-([^-]+)\.dist-info$"))
        if version is None:
            continue
        found[package] = version
    if not found.get("psycopg", "").startswith("3."):
        return
    import types

    for package, version in found.items():
        module = types.ModuleType(f"{package}.version", f"{package} distribution version.")
        module.__version__ = version  # type: ignore[attr-defined]
        sys.modules[module.__name__] = module


def _wheel_version(package: str, dist_info: re.Pattern[str]) -> str | None:
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:  # not a directory (a zip file), gone, unreadable
            continue
        versions = [m.group(1) for m in map(dist_info.match, names) if m]
        if package not in names and not versions:
            continue
        if package not in names or len(versions) != 1:
            return None
        return versions[0] if _only_a_version(os.path.join(entry or ".", package)) else None
    return None


_ASSIGNED = re.compile(r"^[ \t]*([A-Za-z_]\w*)[ \t]*=", re.MULTILINE)
_IMPORTS = re.compile(r"^[ \t]*(?:from|import)[ \t].*$", re.MULTILINE)


def _only_a_version(folder: str) -> bool:
    """The package's ``version.py`` is what a seeded module replaces: it imports
    ``importlib.metadata`` only and defines ``__version__`` only (a later psycopg whose module
    defines more is left to import its own)."""
    try:
        with open(os.path.join(folder, "version.py"), encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, ValueError):
        return False
    return (
        set(_ASSIGNED.findall(text)) == {"__version__"}
        and _IMPORTS.findall(text) == ["from importlib import metadata"]
        and "metadata.version(" in text
    )


# -- CPython: process pools ---------------------------------------------------------------


def start_all_workers(pool: Any) -> None:
    """Start every worker of a new pool, then the thread that watches them, before its first
    job — what the pool itself does for the fork start method.

    With forkserver, CPython (3.11–3.13) starts workers on demand inside ``submit()``, *after*
    waking the pool's manager thread. That thread can list the workers to watch before the new
    one exists and then not see it die until some other job finishes: a worker killed by
    ``kill -9`` or the OOM killer went unnoticed for as long as the other target ran (measured:
    7 of 10 kills of the second worker). Workers started before the manager thread are all
    watched, so a death fails the targets in flight at once; and with the thread running,
    ``shutdown()`` ends the workers even if no job was ever submitted. ``_launch_processes``
    and ``_start_executor_manager_thread`` are the pool's own methods for this;
    tests/unit/test_fleet_pool.py fails on a Python without them. Used by fleet's runner and
    lint's pool.
    """
    launch = getattr(pool, "_launch_processes", None)
    watch = getattr(pool, "_start_executor_manager_thread", None)
    if callable(launch) and callable(watch):
        launch()
        watch()


# -- pglast: parsing ------------------------------------------------------------------------


@contextlib.contextmanager
def pglast_unchecked_nodes() -> Iterator[None]:
    """Parse without pglast's per-attribute validation while the block runs (lint's workers,
    around a chunk of files).

    Every attribute of every node pglast's parser builds goes through ``ast.Node.__setattr__``,
    which checks and coerces values given by hand; the parser's own values are already of their
    types (enums, tuples, bools, one-character strings), so the check changes nothing and was a
    third of parsing. That method is pglast's implementation, not its API: the block swaps it
    for ``object.__setattr__`` and puts it back (tests/unit/lint/test_lint_extract.py compares
    the trees and serialisations parsed both ways, and fails if pglast moves the check).
    Switching costs far more than one parse (every subclass is updated), hence once around many
    files, not per statement. Nothing in lint builds nodes by hand. A block already running
    (nested, or in another thread) leaves the switch alone."""
    # lazy: start-up: pglast only where SQL is parsed
    from pglast import ast

    node = ast.Node
    validated = node.__dict__.get("__setattr__")
    if validated is None or validated is object.__setattr__:  # not pglast's, or switched already
        yield
        return
    node.__setattr__ = object.__setattr__  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        node.__setattr__ = validated  # type: ignore[method-assign]
