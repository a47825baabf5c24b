"""Live database → :class:`Snapshot`: one set-based catalog query per object kind.

The queries live in ``queries/*.sql``. They run in one read-only REPEATABLE READ transaction (a
consistent picture) with an empty ``search_path``, so every name the server prints back
(``format_type``, ``pg_get_*def``, ``regclass``) is schema-qualified and therefore the same
whatever the caller's session had set. Loaders turn rows into model objects and drop what is
noise for a schema comparison (OIDs, attnum gaps, owners and privileges unless asked for).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from alembic_baseline.errors import DatabaseError
from alembic_baseline.snapshot import model as m

if TYPE_CHECKING:
    import psycopg

Row = dict[str, Any]

PERSISTENCE = {"p": "permanent", "u": "unlogged", "t": "temporary"}
VOLATILITY = {"i": "immutable", "s": "stable", "v": "volatile"}
PARALLEL = {"s": "safe", "r": "restricted", "u": "unsafe"}
IDENTITY = {"a": "always", "d": "by default"}
GENERATED = {"s": "stored", "v": "virtual"}
ENABLED = {"O": "origin", "D": "disabled", "R": "replica", "A": "always"}
_TRIGGER_WHEN = re.compile(r" WHEN \((?P<when>.*)\) EXECUTE (?:FUNCTION|PROCEDURE) ", re.S)
MIN_MAJOR = 15


@dataclass(frozen=True)
class InspectOptions:
    """What :func:`inspect` looks at.

    ``include_schemas`` (None: all) and ``exclude_schemas`` filter by schema name; system
    schemas and objects created by extensions are always left out. The Alembic version table
    (``version_table`` in ``version_table_schema``, any schema when None) is left out unless
    ``version_table`` is None. Owners and privileges are only read with ``privileges``.
    """

    include_schemas: tuple[str, ...] | None = None
    exclude_schemas: tuple[str, ...] = ()
    version_table: str | None = "alembic_version"
    version_table_schema: str | None = None
    privileges: bool = False

    def describe(self) -> tuple[tuple[str, str], ...]:
        """The options as sorted text pairs, recorded in the snapshot."""
        return (
            ("exclude_schemas", ",".join(self.exclude_schemas)),
            ("include_schemas", ",".join(self.include_schemas or ("*",))),
            ("privileges", str(self.privileges).lower()),
            ("version_table", self._version_table()),
        )

    def _version_table(self) -> str:
        if self.version_table is None:
            return ""
        return f"{self.version_table_schema or '*'}.{self.version_table}"


@cache
def query_text(name: str) -> str:
    """The text of ``queries/<name>.sql`` (packaged with the module)."""
    return (resources.files(__package__) / "queries" / f"{name}.sql").read_text("utf-8")


def _query(name: str, major: int) -> Any:
    from psycopg import sql

    text = query_text(name)
    if name == "constraints":
        # NOT ENFORCED constraints (conenforced) are new in PostgreSQL 18.
        enforced = "con.conenforced" if major >= 18 else "true"
        return sql.SQL(text).format(enforced=sql.SQL(enforced))  # type: ignore[arg-type,unused-ignore]
    return text


def inspect(conn: psycopg.Connection[Any], options: InspectOptions | None = None) -> m.Snapshot:
    """Read the schema of the database ``conn`` is connected to into a :class:`Snapshot`.

    ``conn`` is left as it was found: the queries run in their own transaction (a savepoint
    when the connection is already inside one) and change no session setting for good.
    """
    from psycopg import errors
    from psycopg.rows import dict_row

    options = options or InspectOptions()
    major = conn.info.server_version // 10000
    if major < MIN_MAJOR:
        raise DatabaseError(
            f"PostgreSQL {major} is not supported by snapshot (oldest: {MIN_MAJOR}).",
            hint=f"Snapshot a copy of the database on PostgreSQL {MIN_MAJOR} or newer.",
        )
    idle = conn.info.transaction_status == 0  # psycopg.pq.TransactionStatus.IDLE
    try:
        with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
            if idle:
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cur.execute("SELECT set_config('search_path', '', true)")
            rows = _fetch_all(cur, options, major)
    except errors.InsufficientPrivilege as exc:
        raise DatabaseError(
            f"Reading the catalog was refused: {exc}",
            hint="Connect as a role that may read pg_catalog (any ordinary role can).",
        ) from None
    snap = build(rows, options)
    version = str(conn.info.parameter_status("server_version") or "")
    return m.Snapshot.build(
        **{k: getattr(snap, k) for k in (*m.OBJECT_TYPES, "dependencies")},
        server_version=version,
        options=options.describe(),
    )


def _fetch_all(
    cur: psycopg.Cursor[Row], options: InspectOptions, major: int
) -> dict[str, list[Row]]:
    include = list(options.include_schemas) if options.include_schemas is not None else None
    cur.execute(
        query_text("schemas"), {"include": include, "exclude": list(options.exclude_schemas)}
    )
    schemas = cur.fetchall()
    skipped: list[int] = []
    if options.version_table:
        cur.execute(
            query_text("skipped"),
            {
                "version_table": options.version_table,
                "version_schema": options.version_table_schema,
            },
        )
        skipped = [r["oid"] for r in cur.fetchall()]
    params = {"schemas": [r["oid"] for r in schemas], "skipped": skipped}
    rows: dict[str, list[Row]] = {"schemas": schemas}
    for name in (*LOADERS, "dependencies"):
        if name == "schemas":
            continue
        cur.execute(_query(name, major), params)
        rows[name] = cur.fetchall()
    return rows


# -- loaders: one per kind, row → model object -------------------------------------------------


def _acl(row: Row, options: InspectOptions) -> dict[str, Any]:
    if not options.privileges:
        return {}
    return {"owner": row["owner"], "acl": tuple(sorted(row["acl"] or ()))}


def _schema(row: Row, o: InspectOptions) -> m.Schema:
    return m.Schema(row["name"], comment=row["comment"], **_acl(row, o))


def _extension(row: Row, o: InspectOptions) -> m.Extension:
    return m.Extension(row["name"], row["schema"], row["version"])


def _table(row: Row, o: InspectOptions) -> m.Table:
    return m.Table(
        row["schema"],
        row["name"],
        persistence=PERSISTENCE[row["persistence"]],
        partition_key=row["partition_key"],
        partition_of=row["partition_of"],
        partition_bound=row["partition_bound"],
        inherits=tuple(row["inherits"]),
        rls_enabled=row["rls_enabled"],
        rls_forced=row["rls_forced"],
        options=tuple(sorted(row["options"] or ())),
        comment=row["comment"],
        **_acl(row, o),
    )


def _column(row: Row, o: InspectOptions) -> m.Column:
    return m.Column(
        row["schema"],
        row["table"],
        row["name"],
        int(row["position"]),
        row["type"],
        not_null=row["not_null"],
        default=row["default"],
        identity=IDENTITY.get(row["identity"]),
        identity_options=row["identity_options"],
        generated=GENERATED.get(row["generated"]),
        collation=row["collation"],
        local=row["local"],
        comment=row["comment"],
    )


def _constraint(row: Row, o: InspectOptions) -> m.Constraint:
    return m.Constraint(
        row["schema"],
        row["table"],
        row["name"],
        row["type"],
        row["definition"],
        columns=tuple(row["columns"]),
        ref_table=row["ref_table"],
        deferrable=row["deferrable"],
        deferred=row["deferred"],
        validated=row["validated"],
        enforced=row["enforced"],
        comment=row["comment"],
    )


def _index(row: Row, o: InspectOptions) -> m.Index:
    opclasses = tuple(row["opclasses"])
    return m.Index(
        row["schema"],
        row["table"],
        row["name"],
        row["definition"],
        row["method"],
        unique=row["unique"],
        keys=tuple(row["keys"]),
        opclasses=opclasses if any(opclasses) else (),
        include=tuple(row["include"]),
        predicate=row["predicate"],
        nulls_not_distinct=row["nulls_not_distinct"],
        comment=row["comment"],
    )


def _view(row: Row, o: InspectOptions) -> m.View:
    return m.View(
        row["schema"],
        row["name"],
        row["definition"],
        materialized=row["materialized"],
        options=tuple(sorted(row["options"] or ())),
        comment=row["comment"],
        **_acl(row, o),
    )


def _sequence(row: Row, o: InspectOptions) -> m.Sequence:
    return m.Sequence(
        row["schema"],
        row["name"],
        row["data_type"],
        int(row["start"]),
        int(row["increment"]),
        int(row["min_value"]),
        int(row["max_value"]),
        cache=int(row["cache"]),
        cycle=row["cycle"],
        owned_by=row["owned_by"],
        persistence=PERSISTENCE[row["persistence"]],
        comment=row["comment"],
        **_acl(row, o),
    )


def _enum(row: Row, o: InspectOptions) -> m.Enum:
    return m.Enum(
        row["schema"], row["name"], tuple(row["labels"]), comment=row["comment"], **_acl(row, o)
    )


def _domain(row: Row, o: InspectOptions) -> m.Domain:
    checks = tuple(
        m.DomainCheck(n, d) for n, d in zip(row["check_names"], row["check_defs"], strict=True)
    )
    return m.Domain(
        row["schema"],
        row["name"],
        row["base_type"],
        not_null=row["not_null"],
        default=row["default"],
        collation=row["collation"],
        checks=checks,
        comment=row["comment"],
        **_acl(row, o),
    )


def _composite(row: Row, o: InspectOptions) -> m.Composite:
    attrs = tuple(
        m.Attribute(n, t, c or None)
        for n, t, c in zip(
            row["attr_names"], row["attr_types"], row["attr_collations"], strict=True
        )
    )
    return m.Composite(row["schema"], row["name"], attrs, comment=row["comment"], **_acl(row, o))


def _function(row: Row, o: InspectOptions) -> m.Function:
    return m.Function(
        row["schema"],
        row["name"],
        row["identity_args"],
        row["arguments"],
        row["result"],
        row["language"],
        row["body"],
        procedure=row["procedure"],
        sql_body=row["sql_body"],
        volatility=VOLATILITY[row["volatility"]],
        strict=row["strict"],
        security_definer=row["security_definer"],
        leakproof=row["leakproof"],
        parallel=PARALLEL[row["parallel"]],
        cost=float(row["cost"]),
        rows=float(row["rows"]),
        config=tuple(sorted(row["config"] or ())),
        window=row["window"],
        comment=row["comment"],
        **_acl(row, o),
    )


def _trigger(row: Row, o: InspectOptions) -> m.Trigger:
    match = _TRIGGER_WHEN.search(row["definition"])
    return m.Trigger(
        row["schema"],
        row["table"],
        row["name"],
        row["definition"],
        row["timing"],
        tuple(row["events"]),
        row["function"],
        when=match.group("when") if match else None,
        enabled=ENABLED[row["enabled"]],
        comment=row["comment"],
    )


def _event_trigger(row: Row, o: InspectOptions) -> m.EventTrigger:
    return m.EventTrigger(
        row["name"],
        row["event"],
        row["function"],
        tags=tuple(sorted(row["tags"])),
        enabled=ENABLED[row["enabled"]],
        comment=row["comment"],
        **({"owner": row["owner"]} if o.privileges else {}),
    )


def _policy(row: Row, o: InspectOptions) -> m.Policy:
    return m.Policy(
        row["schema"],
        row["table"],
        row["name"],
        row["command"],
        permissive=row["permissive"],
        roles=tuple(row["roles"]),
        using=row["using"],
        with_check=row["with_check"],
        comment=row["comment"],
    )


LOADERS: Mapping[str, Callable[[Row, InspectOptions], m.CatalogObject]] = {
    "schemas": _schema,
    "extensions": _extension,
    "tables": _table,
    "columns": _column,
    "constraints": _constraint,
    "indexes": _index,
    "views": _view,
    "sequences": _sequence,
    "enums": _enum,
    "domains": _domain,
    "composites": _composite,
    "functions": _function,
    "triggers": _trigger,
    "event_triggers": _event_trigger,
    "policies": _policy,
}


def _dependencies(rows: Iterable[Row], known: set[m.ObjectKey]) -> list[m.Dependency]:
    """Edges between objects the snapshot holds (a column counts when its table does)."""
    edges = []
    for r in rows:
        dep = m.ObjectKey(r["dep_kind"], r["dep_schema"], r["dep_name"], r["dep_table"])
        ref = m.ObjectKey(r["ref_kind"], r["ref_schema"], r["ref_name"], r["ref_table"])
        owner = m.ObjectKey("table", ref.schema, ref.table) if ref.kind == "column" else ref
        dep_owner = m.ObjectKey("table", dep.schema, dep.table) if dep.kind == "default" else dep
        if dep != ref and owner in known and dep_owner in known:
            edges.append(m.Dependency(dep, ref))
    return edges


def build(rows: Mapping[str, list[Row]], options: InspectOptions) -> m.Snapshot:
    """Rows of every query → snapshot (pure; the unit of the loaders)."""
    kinds: dict[str, list[m.CatalogObject]] = {
        name: [loader(row, options) for row in rows.get(name, ())]
        for name, loader in LOADERS.items()
    }
    known = {obj.key for objs in kinds.values() for obj in objs}
    deps = _dependencies(rows.get("dependencies", ()), known)
    return m.Snapshot.build(**kinds, dependencies=deps)
