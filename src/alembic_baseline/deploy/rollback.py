"""Going back: ``downgrade`` through revisions that can be undone, or restore the run's backup.

The runbook's ロールバック手順: ``alembic downgrade -1`` / ``downgrade <rev>``, and as a last resort
``pg_restore --clean --if-exists backup.dump``. Two things the runbook does not say are handled
here: a revision whose downgrade() is ``pass`` would "succeed" and leave its changes in place, so
every revision on the way is checked first; and ``pg_restore --clean`` only drops what the backup
contains, so tables and types created after the backup (by the revisions being undone) would stay
— and a new table with a foreign key into a restored one would make the restore fail. Those are
dropped in the restore's own transaction (:mod:`restore_tx`), after the safety backup has saved
them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from alembic_baseline.errors import ConfigError, UnsafeError
from alembic_baseline.history.code import has_real_downgrade
from alembic_baseline.history.graph import History, Revision
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.url import DatabaseURL

# pg_restore --list: "TABLE public customers postgres", "FUNCTION public f(bigint) postgres"
# ("TABLE DATA", "SEQUENCE SET" and "SEQUENCE OWNED BY" entries are data, not objects.)
_TOC_KINDS = (
    "MATERIALIZED VIEW",
    "TABLE(?! DATA )",
    "VIEW",
    "SEQUENCE(?! SET | OWNED BY )",
    "TYPE",
    "DOMAIN",
)
_TOC = re.compile(r"^(?:" + "|".join(_TOC_KINDS) + r") (?P<schema>\S+) (?P<name>\S+)")
_TOC_ROUTINE = re.compile(r"^(?:FUNCTION|PROCEDURE) (?P<schema>\S+) (?P<name>.+\)) \S*$")


def downgrade_path(history: History, current: tuple[str, ...], target: str) -> list[Revision]:
    """Revisions ``downgrade target`` undoes, newest first (the target itself stays)."""
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError

    if len(current) != 1:
        raise UnsafeError(
            f"The database records {len(current)} revisions ({', '.join(current) or 'none'}).",
            hint="Roll back one branch with `alembic downgrade BRANCH@-1`, or run "
            "`alembic-baseline doctor`.",
        )
    try:
        revs = history.script.iterate_revisions(current[0], target)
        path = [history.live[s.revision] for s in revs if s is not None]
    except (CommandError, RevisionError) as exc:
        raise revision_error(exc, target, current[0]) from None
    return [r for r in path if r.id != target]


def revision_error(exc: Exception, target: str, current: str) -> ConfigError:
    """``--to`` names no revision, several (an ambiguous prefix), or one that is not below."""
    text = str(exc)
    if "Multiple revisions start with" in text:
        return ConfigError(
            f"--to {target} is ambiguous: {text}",
            hint="Give more characters of the revision id (`alembic history` lists them).",
        )
    if "No such revision" in text or "Can't locate revision" in text:
        return ConfigError(
            f"--to {target}: no revision of this project has that id or label.",
            hint="Use a revision id from `alembic history` (below the current one), or base.",
        )
    return ConfigError(
        f"Cannot downgrade from {current} to {target}: {text}",
        hint="--to must be an ancestor of the current revision.",
    )


def target_for_steps(history: History, current: tuple[str, ...], steps: int) -> str:
    """The revision ``steps`` below the current one (``base`` past the first)."""
    if steps < 1 or len(current) != 1:
        raise ConfigError("--steps must be 1 or more, on a database that records one revision.")
    rev = current[0]
    for _ in range(steps):
        if rev == "base":
            raise ConfigError(f"There are fewer than {steps} revisions below {current[0]}.")
        downs = history.live[rev].down_revisions
        if len(downs) > 1:
            raise ConfigError(
                f"{rev} is a merge of {', '.join(downs)}: --steps cannot choose a branch.",
                hint="Name the revision to go back to with --to REV.",
            )
        rev = downs[0] if downs else "base"
    return rev


def require_downgrades(revisions: list[Revision]) -> None:
    """Refuse (exit 3) when a revision on the way has no real downgrade()."""
    missing = [r for r in revisions if not has_real_downgrade(r.path)]
    if missing:
        names = ", ".join(f"{r.id} ({r.message})" for r in missing)
        raise UnsafeError(
            f"Cannot roll back by downgrade: {names} ha{'s' if len(missing) == 1 else 've'} no "
            "real downgrade() (pass / NotImplementedError), so the schema would stay as it is "
            "while the version table goes back. Nothing was done.",
            hint="Restore the backup of the run instead: `alembic-baseline rollback --restore "
            "RUN_ID --yes` (or implement the downgrade).",
        )


@dataclass(frozen=True)
class CatalogName:
    kind: str  # TABLE, VIEW, MATERIALIZED VIEW, SEQUENCE, TYPE, ROUTINE
    schema: str
    name: str
    """For a routine ``name(argument types)``, types as pg_dump prints them."""

    def __str__(self) -> str:
        return f"{self.kind.lower()} {self.schema}.{self.name}"


def in_archive(toc: list[str]) -> set[tuple[str, str]]:
    """``(schema, name)`` of the relations and types a backup's TOC contains."""
    return {
        (m.group("schema"), m.group("name"))
        for line in toc
        if (m := _TOC.match(line) or _TOC_ROUTINE.match(line))
    }


_LIVE_OBJECTS = """
SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                      WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, n.nspname, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype IN ('e', 'a', 'i'))
UNION ALL
SELECT 'TYPE', n.nspname, t.typname
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype IN ('e', 'd', 'c', 'r') AND (t.typrelid = 0 OR t.typtype <> 'c'
      OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                  AND d.objid = t.oid AND d.deptype IN ('e', 'i'))
UNION ALL
SELECT 'ROUTINE', n.nspname, p.proname || '(' || oidvectortypes(p.proargtypes) || ')'
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE p.prokind IN ('f', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                  AND d.objid = p.oid AND d.deptype = 'e')
ORDER BY 1, 2, 3
"""


def created_since(url: DatabaseURL, toc: list[str]) -> list[CatalogName]:
    """Tables, views, sequences and types in the database that the backup does not contain."""
    archived = in_archive(toc)
    with connection(url) as conn:
        # pg_dump names argument types with an empty search_path (schema-qualified): match it.
        conn.execute("SET search_path = ''")
        rows = conn.execute(_LIVE_OBJECTS).fetchall()
    return [CatalogName(str(k), str(s), str(n)) for k, s, n in rows if (s, n) not in archived]


def drop_statements(objects: list[CatalogName]) -> list[str]:
    """``DROP … IF EXISTS … CASCADE`` per kind (whatever depends on them is in the backup), as
    SQL text for the restore's transaction (see :mod:`restore_tx`)."""
    from psycopg import sql

    order = ("VIEW", "MATERIALIZED VIEW", "TABLE", "SEQUENCE", "ROUTINE", "TYPE")
    statements = []
    for kind in order:
        names = [_qualified(o) for o in objects if o.kind == kind]
        if names:
            statement = sql.SQL("DROP {} IF EXISTS {} CASCADE;").format(
                sql.SQL(kind), sql.SQL(", ").join(names)
            )
            statements.append(statement.as_string(None))
    return statements


def _qualified(obj: CatalogName) -> Any:
    from psycopg import sql

    if obj.kind != "ROUTINE":
        return sql.Identifier(obj.schema, obj.name)
    name, _, args = obj.name.partition("(")
    # The argument list comes from the catalog (oidvectortypes), not from a user.
    return sql.Composed([sql.Identifier(obj.schema, name), sql.SQL("(" + args)])
