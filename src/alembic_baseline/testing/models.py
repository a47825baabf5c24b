"""``check models``: the schema the SQLAlchemy models build against the schema the history builds.

Both sides are built on scratch databases of one server and read by the same catalog snapshot,
so the comparison sees what ``alembic check`` (autogenerate) does not: enum labels, server
defaults as PostgreSQL stores them, index definitions, CHECK texts, comments.

- models: ``metadata.create_all()`` (schemas named by the tables first, then the alembic_utils
  entities the project declares) on an empty scratch database, confined like a replay;
- history: the expected schema at head (``expected.expected_snapshot``: replayed once, cached).

The models cannot declare views, functions, triggers, policies or extensions. Such objects of
the history are *listed apart*, not counted as differences — unless the project declares that
kind with alembic_utils entities (``PGView``, ``PGFunction``, ``PGTrigger``, ``PGPolicy``…);
then every object of the kind is compared, both ways.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.markup import escape

from alembic_baseline.diff import Change, CompareOptions, SchemaDiff, compare
from alembic_baseline.errors import BaselineError, ConfigError, ExitCode
from alembic_baseline.expected import (
    Scratch,
    VersionTable,
    expected_snapshot,
    inspect_options,
    live_snapshot,
)
from alembic_baseline.history import sandbox
from alembic_baseline.pg.url import DatabaseURL, redact
from alembic_baseline.report import MARKS
from alembic_baseline.snapshot.model import ObjectKey, Snapshot
from alembic_baseline.testing.loading import DOCS

if TYPE_CHECKING:
    from sqlalchemy import MetaData

    from alembic_baseline.history.driver import AlembicProject
    from alembic_baseline.history.graph import History
    from alembic_baseline.pg.scratch import ScratchServer
    from alembic_baseline.report import Reporter

# Kinds SQLAlchemy models have no way to declare (create_all never makes them).
UNDECLARED_KINDS = (
    "view",
    "function",
    "trigger",
    "event trigger",
    "policy",
    "extension",
    "composite type",
)
# alembic_utils entity classes → snapshot kinds; created in this order (a view may call a
# function, a trigger needs its function).
ENTITY_KINDS = {
    "PGExtension": "extension",
    "PGFunction": "function",
    "PGView": "view",
    "PGMaterializedView": "view",
    "PGTrigger": "trigger",
    "PGPolicy": "policy",
}
_ORDER = list(dict.fromkeys(ENTITY_KINDS.values()))
# Kind name of a snapshot attribute (Snapshot.views holds "view" objects...).
_FIELDS = {
    "view": "views",
    "function": "functions",
    "trigger": "triggers",
    "event trigger": "event_triggers",
    "policy": "policies",
    "extension": "extensions",
    "composite type": "composites",
}


class ModelsError(ConfigError):
    """The models could not be turned into a schema (exit 2)."""


@dataclass(frozen=True)
class ModelCheck:
    """The models against the history's head."""

    metadata: str
    heads: tuple[str, ...]
    diff: SchemaDiff = field(repr=False)
    """head → models: what a revision must do for the history to build what the models say."""
    apart: tuple[ObjectKey, ...]
    """Objects of the history of kinds the models do not declare (not compared)."""
    compared_kinds: tuple[str, ...]
    """Kinds compared through alembic_utils entities."""
    entities: int
    cached: bool
    seconds: float
    revision_file: Path | None = None
    held_back: int = 0
    """Statements written commented out in the revision (destructive or manual)."""

    @property
    def differences(self) -> tuple[Change, ...]:
        return self.diff.changes

    @property
    def exit_code(self) -> int:
        return int(ExitCode.FINDINGS if self.differences else ExitCode.OK)

    def lines(self) -> list[str]:
        """One line per difference, phrased from the history's side."""
        words = {"added": "only in the models", "removed": "only in the history"}
        out = []
        for change in self.differences:
            attrs = ", ".join(a.name for a in change.attributes)
            what = words.get(change.kind.value, "differs")
            out.append(f"{change.key}: {what}" + (f" ({attrs})" if attrs else ""))
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "metadata": self.metadata,
            "heads": list(self.heads),
            "equal": not self.differences,
            "differences": [c.to_dict() for c in self.differences],
            "not_declared_by_models": [str(k) for k in self.apart],
            "compared_with_entities": list(self.compared_kinds),
            "entities": self.entities,
            "head_from_cache": self.cached,
            "revision_file": str(self.revision_file) if self.revision_file else None,
            "held_back_in_revision": self.held_back,
            "seconds": round(self.seconds, 3),
        }

    def text(self, out: Reporter) -> None:
        head = ", ".join(self.heads)
        source = " (head from cache)" if self.cached else ""
        out.text(f"[bold]check models[/]: {escape(self.metadata)} vs head {head}{source}")
        for line in self.lines():
            out.text(f"  {MARKS['fail']} {escape(line)}")
        if self.compared_kinds:
            out.text(f"  compared through alembic_utils entities: {', '.join(self.compared_kinds)}")
        if self.apart:
            out.text(f"  [dim]not declared by the models (not compared): {len(self.apart)}[/]")
            for key in self.apart:
                out.text(f"    [dim]{escape(str(key))}[/]")
        if self.revision_file:
            held = (
                f"; {self.held_back} statement(s) commented out for review"
                if self.held_back
                else ""
            )
            out.text(f"  revision written: {escape(str(self.revision_file))}{held}")
        if self.differences:
            out.text(
                f"[red]{len(self.differences)} difference(s)[/] between the models and the history"
            )
        else:
            out.text("[green]the models match the history[/]")

    def markdown(self) -> str:
        verdict = (
            f"**{len(self.differences)} difference(s)**"
            if self.differences
            else "**the models match the history**"
        )
        out = [
            f"### check models: {self.metadata} vs head {', '.join(self.heads)}",
            "",
            verdict,
            "",
        ]
        out += [f"- `{redact(line)}`" for line in self.lines()]
        if self.apart:
            out += ["", f"Not declared by the models (not compared): {len(self.apart)}", ""]
            out += [f"- `{key}`" for key in self.apart]
        if self.revision_file:
            out += ["", f"Revision written: `{self.revision_file}`"]
        return "\n".join(out) + "\n"


def metadata_of(value: Any, spec: str) -> MetaData:
    """A ``MetaData``, or the ``metadata`` of a declarative base / registry."""
    from sqlalchemy import MetaData

    for candidate in (value, getattr(value, "metadata", None)):
        if isinstance(candidate, MetaData):
            return candidate
    raise ModelsError(
        f"--metadata {spec!r} is a {type(value).__name__}, not a SQLAlchemy MetaData.",
        hint=f"Name the MetaData (shop.models:metadata) or the declarative base (shop.models:Base)."
        f" See {DOCS}.",
    )


def entity_kinds(entities: Iterable[Any], spec: str) -> dict[str, list[Any]]:
    """Entities grouped by snapshot kind; anything else is refused."""
    grouped: dict[str, list[Any]] = {}
    for entity in entities:
        kind = ENTITY_KINDS.get(type(entity).__name__)
        if kind is None or not hasattr(entity, "to_sql_statement_create"):
            raise ModelsError(
                f"--entities {spec!r} holds a {type(entity).__name__}, not an alembic_utils "
                f"entity ({', '.join(ENTITY_KINDS)}).",
                hint=f"Name a list of alembic_utils entities. See {DOCS}.",
            )
        grouped.setdefault(kind, []).append(entity)
    return grouped


Entities = dict[str, list[Any]]
ModelsLoader = Callable[[], "tuple[MetaData, Entities]"]
"""Imports the models and the entities: called inside the confinement, so a module that
connects somewhere when imported is refused like an env.py would be."""


def build_models(
    server: ScratchServer, load: ModelsLoader, url_env: str
) -> tuple[DatabaseURL, Entities]:
    """A new scratch database holding ``create_all()`` plus the entities; confined to it."""
    from sqlalchemy import create_engine, pool, text

    from alembic_baseline.compat import sqlalchemy_driver

    url = server.create_database(server.new_name("models"))
    engine = create_engine(url.render(sqlalchemy_driver("psycopg")), poolclass=pool.NullPool)
    box = sandbox.Sandbox(url, "scratch", url_env)
    try:
        with sandbox.confine(box):
            metadata, entities = load()
            schemas = sorted({t.schema for t in metadata.tables.values() if t.schema})
            with engine.begin() as conn:
                for name in schemas:
                    quoted = conn.dialect.identifier_preparer.quote_identifier(name)
                    conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {quoted}"))
                metadata.create_all(conn)
                for kind in _ORDER:
                    for entity in entities.get(kind, ()):
                        conn.execute(entity.to_sql_statement_create())
    except sandbox.SandboxViolation as exc:
        server.drop_database(url.database)
        # The sandbox speaks of env.py; here the models' own code reached out.
        raise sandbox.SandboxViolation(
            exc.message.replace("env.py", "the models' code (imported, then create_all)", 1),
            hint="Importing the models must not connect anywhere (no engine.connect() at import "
            "time); create_all() gets the scratch database's connection. See "
            f"{DOCS}.",
            context=exc.context,
        ) from None
    except BaselineError:
        server.drop_database(url.database)
        raise
    except Exception as exc:
        server.drop_database(url.database)
        detail = redact(str(getattr(exc, "orig", None) or exc)).strip().splitlines()
        raise ModelsError(
            "The models could not be created on a scratch database "
            f"({type(exc).__name__}: {detail[0] if detail else ''}).",
            hint="create_all() must work on an empty PostgreSQL database; a model that needs an "
            f"extension or a function first can declare it as an alembic_utils entity. See {DOCS}.",
        ) from None
    finally:
        engine.dispose()
    return url, entities


def split_undeclared(
    head: Snapshot, models: Snapshot, compared: Sequence[str]
) -> tuple[Snapshot, tuple[ObjectKey, ...]]:
    """``models`` completed with the history's objects of kinds the models cannot declare (so
    they are neither differences nor dropped by the fix), and the list of those objects."""
    extra: dict[str, list[Any]] = {}
    apart: list[ObjectKey] = []
    for kind in UNDECLARED_KINDS:
        if kind in compared:
            continue
        name = _FIELDS[kind]
        present = {o.key for o in getattr(models, name)}
        missing = [o for o in getattr(head, name) if o.key not in present]
        if missing:
            extra[name] = [*getattr(models, name), *missing]
            apart += [o.key for o in missing]
    if not extra:
        return models, ()
    completed = models.with_objects(**extra)
    keys = set(completed.by_key())
    deps = {
        d
        for d in (*models.dependencies, *head.dependencies)
        if d.dependent in keys and d.referenced in keys
    }
    return replace(completed, dependencies=tuple(sorted(deps))), tuple(sorted(apart))


def compare_models(
    project: AlembicProject,
    history: History,
    scratch: Scratch,
    load: ModelsLoader,
    cache_dir: Path,
    spec: str,
) -> ModelCheck:
    """Build both schemas on ``scratch`` and compare them (see the module docstring)."""
    start = time.perf_counter()
    heads = history.heads()
    if not heads:
        raise ConfigError("The history has no revisions: nothing to compare the models with.")
    server = scratch.server()
    models_url, entities = build_models(server, load, project.settings.url_env)
    try:
        # env.py decides the version table's name: asked once, on the models' database
        # (a read: nothing is stamped), so it is left out of both snapshots.
        table = VersionTable(*project.version_table(models_url, scratch=True))
        options = inspect_options(table)
        models = live_snapshot(models_url, options)
    finally:
        server.drop_database(models_url.database)
    target = heads[0] if len(heads) == 1 else "heads"
    head, cached = expected_snapshot(project, history, scratch, target, options, cache_dir)
    compared = tuple(k for k in _ORDER if k in entities)
    completed, apart = split_undeclared(head, models, compared)
    # Column order is not compared: a column added by a later revision comes last in the
    # history and wherever the model puts it; both are correct.
    diff = compare(head, completed, CompareOptions(ignore_column_order=True))
    count = sum(len(v) for v in entities.values())
    return ModelCheck(
        spec, heads, diff, apart, compared, count, cached, time.perf_counter() - start
    )
