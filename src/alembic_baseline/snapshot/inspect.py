"""Live database → :class:`Snapshot`: one set-based catalog query per object kind.

The queries live in ``queries/*.sql``. They run in one read-only REPEATABLE READ transaction (a
consistent picture) with an empty ``search_path``, so every name the server prints back
(``format_type``, ``pg_get_*def``, ``regclass``) is schema-qualified and therefore the same
whatever the caller's session had set. Loaders turn rows into model objects and drop what is
noise for a schema comparison (OIDs, attnum gaps, owners and privileges unless asked for).
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from alembic_baseline.errors import DatabaseError
from alembic_baseline.pg.server import server_version
from alembic_baseline.snapshot.parallel import Reading, reading

if TYPE_CHECKING:
    import psycopg

    from alembic_baseline.snapshot import model as m
    from alembic_baseline.snapshot.kinds import Kind
    from alembic_baseline.snapshot.loaders import Loading, Row

# This module imports none of the snapshot's classes at the top: a command that inspects a
# database imports them (kinds, loaders, model: some 80 ms of class creation) once the catalog
# queries are on their way, while the server works on them (see _read).

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
    parallel: bool = True
    """Read half of the catalog on a second connection at the same snapshot (like pg_dump -j);
    falls back to the one connection when a second cannot be opened."""

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


_QUERIES = Path(__file__).parent / "queries"


@cache
def query_text(name: str) -> str:
    """The text of ``queries/<name>.sql`` (packaged with the module)."""
    try:  # installed as files (a wheel, a checkout): read directly
        return (_QUERIES / f"{name}.sql").read_text("utf-8")
    except OSError:  # a zipped package: importlib.resources, whose import costs start-up time
        from importlib import resources

        return (resources.files(__package__) / "queries" / f"{name}.sql").read_text("utf-8")


def _query(name: str, major: int) -> Any:
    from psycopg import sql

    text = query_text(name)
    if name == "constraints":
        # NOT ENFORCED constraints (conenforced) are new in PostgreSQL 18.
        enforced = "con.conenforced" if major >= 18 else "true"
        return sql.SQL(text).format(enforced=sql.SQL(enforced))  # type: ignore[arg-type,unused-ignore]
    if name == "publications":
        # publish_generated_columns: new in 18 ('n' none, 's' stored)
        generated = "CASE p.pubgencols WHEN 's' THEN 'stored' END" if major >= 18 else "NULL"
        return sql.SQL(text).format(generated=sql.SQL(generated))  # type: ignore[arg-type,unused-ignore]
    if name == "collations":
        locale = "c.colllocale" if major >= 17 else "c.colliculocale"
        rules = "c.collicurules" if major >= 16 else "NULL::text"
        return sql.SQL(text).format(locale=sql.SQL(locale), rules=sql.SQL(rules))  # type: ignore[arg-type,unused-ignore]
    return text


class Ahead(Protocol):
    """Work for the time :func:`inspect` would wait for the server (jsonwrite.Ahead: the
    snapshot's JSON text of the kinds already loaded)."""

    def ready(self, name: str, items: Sequence[Any]) -> None:
        """Kind ``name``'s objects (``inventory``: its entries) are final, in canonical order."""

    def step(self) -> bool:
        """Do a few milliseconds of work; False: nothing left to do."""


def inspect(
    conn: psycopg.Connection[Any], options: InspectOptions | None = None, ahead: Ahead | None = None
) -> m.Snapshot:
    """Read the schema of the database ``conn`` is connected to into a :class:`Snapshot`.

    ``conn`` is left as it was found: the queries run in their own transaction (a savepoint
    when the connection is already inside one) and change no session setting for good.
    ``ahead`` is told each kind once its objects are final, and runs its steps while the rows
    of the next query are not there yet.
    """
    from psycopg import errors
    from psycopg.rows import namedtuple_row

    options = options or InspectOptions()
    version = server_version(conn)
    major = version.major
    if major < MIN_MAJOR:
        raise DatabaseError(
            f"PostgreSQL {major} is not supported by snapshot (oldest: {MIN_MAJOR}).",
            hint=f"Snapshot a copy of the database on PostgreSQL {MIN_MAJOR} or newer.",
        )
    idle = conn.info.transaction_status == 0  # psycopg.pq.TransactionStatus.IDLE
    # Tens of thousands of small objects, none of them cyclic garbage: without this the cyclic
    # collector runs over the growing heap again and again (a third of the time on big schemas).
    paused = gc.isenabled()
    gc.disable()
    try:
        with conn.transaction(), conn.cursor(row_factory=namedtuple_row) as cur:
            if idle:
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            # SET LOCAL outlives a released savepoint: put the caller's path back afterwards.
            cur.execute("SELECT current_setting('search_path') AS path")
            saved: Row = cur.fetchone()
            cur.execute("SELECT set_config('search_path', '', true)")
            snap = _read(cur, options, major, parallel=idle and options.parallel, ahead=ahead)
            cur.execute(
                "SELECT set_config('search_path', %s, true)", (saved.path if saved else "",)
            )
    except errors.InsufficientPrivilege as exc:
        raise DatabaseError(
            f"Reading the catalog was refused: {exc}",
            hint="Connect as a role that may read pg_catalog (any ordinary role can).",
        ) from None
    finally:
        if paused:
            _age_young_objects()
            gc.enable()
    return replace(snap, server_version=version.full, options=options.describe())


def _age_young_objects() -> None:
    """Move every tracked object to the oldest generation without a collection.

    The snapshot's tens of thousands of objects were made with the collector paused, so they
    all sit in the youngest generation: the first allocation after ``gc.enable()`` would walk
    all of them (15 ms on 2,000 tables) to find no garbage. ``freeze`` then ``unfreeze`` moves
    them to the oldest generation in constant time. Skipped when the program froze objects
    itself (a pre-fork server): unfreezing would hand those back to the collector.
    """
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()


# The order queries are read and loaded in (kinds.read_order(): columns before the constraints
# and indexes that name them, the dependency rows last: they resolve against every loaded
# object), written out so that the queries start before the kinds are imported
# (tests/unit/test_snapshot_loaders.py checks both against the kinds).
_ORDER = (
    *("extensions", "tables", "columns", "constraints", "opclasses", "indexes", "views"),
    *("sequences", "enums", "domains", "composites", "functions", "triggers"),
    *("event_triggers", "policies", "foreign_data_wrappers", "foreign_servers"),
    *("foreign_tables", "collations", "publications", "statistics", "rules", "aggregates"),
    *("operators", "text_search_dictionaries", "text_search_configurations", "casts"),
    *("inventory", "dependencies"),
)

# What a helper connection reads when there is one (kinds.HELPER_SHARE: the kinds whose lane is
# "helper"; measured on 2,000 tables): the queries whose server functions need no relation
# caches (pg_get_constraintdef, pg_get_indexdef, pg_get_expr and pg_get_viewdef open every
# table they name, a third slower on a new backend), so those stay together on the caller's
# connection, where one warms the caches for the next. The inventory starts there too, last: on
# small schemas the helper's lane is the longer one; on large ones the helper, done first, takes
# it over (a lane done with its share takes the other's last query not started, see .parallel).
_HELPER_SHARE = frozenset(
    (
        *("columns", "sequences", "enums", "domains", "composites", "functions", "triggers"),
        *("event_triggers", "policies", "foreign_data_wrappers", "foreign_servers"),
        *("collations", "publications", "aggregates", "operators", "casts"),
        *("text_search_dictionaries", "text_search_configurations", "dependencies"),
    )
)

APPLIED_TABLE = "alembic_baseline_applied"
"""history.checksums.APPLIED_TABLE (deploy/applied.py: the tool's own table), left out like the
version table; spelled here so that reading starts before the history modules are imported."""
SECRET_OPTION = r"(pass|secret|token|key|credential|^user$|^username$)"
"""Option names (case-insensitive regular expression) whose values may be secrets: the queries
keep such options by name only (``password``, not ``password=…``), so no value reaches a
snapshot, its JSON, a diff or the fix SQL — they are compared by name (also
``loaders_foreign.SECRET_OPTION``)."""

PROBED = frozenset(
    (
        *("sequences", "enums", "domains", "composites", "triggers", "event_triggers"),
        *("policies", "foreign_data_wrappers", "foreign_servers", "foreign_tables"),
        *("collations", "publications", "aggregates", "operators", "casts", "statistics"),
        *("text_search_dictionaries", "text_search_configurations", "rules"),
    )
)
"""Kind queries skipped.sql checks for rows first (its ``present`` column names those that may
have some): the others run whatever the database holds."""


def _read(
    cur: psycopg.Cursor[Row],
    options: InspectOptions,
    major: int,
    *,
    parallel: bool,
    ahead: Ahead | None = None,
) -> m.Snapshot:
    include = list(options.include_schemas) if options.include_schemas is not None else None
    cur.execute(
        query_text("schemas"), {"include": include, "exclude": list(options.exclude_schemas)}
    )
    schemas = cur.fetchall()
    cur.execute(
        query_text("skipped"),
        {
            "version_table": options.version_table,
            "version_schema": options.version_table_schema,
            "applied_table": APPLIED_TABLE,  # deploy/applied.py: the tool's own, like the above
            "schemas": [r.oid for r in schemas],
        },
    )
    skipped: Row = cur.fetchone()  # one row of arrays
    params = {
        "schemas": [r.oid for r in schemas],
        "skipped": skipped.relations,  # the version table and extension members
        "skipped_functions": skipped.functions,
        "skipped_types": skipped.types,
        "skipped_operators": skipped.operators,
        "skipped_event_triggers": skipped.event_triggers,
        "privileges": options.privileges,
        "globals": options.include_schemas is None,  # database-wide objects (inventory.sql)
        "secret_options": SECRET_OPTION,  # option names whose values are never read
    }
    # the kinds the database has none of (skipped.sql's existence checks) are not queried
    absent = PROBED.difference(skipped.present)
    queries = {name: _query(name, major) for name in _ORDER if name not in absent}
    share = _HELPER_SHARE if parallel else ()
    # Objects are built from each query's rows while the server runs the next ones.
    with reading(cur.connection, queries, params, share) as catalog:
        # lazy: start-up: the snapshot's classes are imported now, while the server runs the
        # first queries (see the top of the module)
        from alembic_baseline.snapshot.inventory import Inventory
        from alembic_baseline.snapshot.kinds import KINDS, SCHEMAS
        from alembic_baseline.snapshot.loaders import Loading

        by_query = {k.query: k for k in KINDS}
        ld = Loading(options)
        kinds: dict[str, list[Any]] = {"schemas": load_kind(SCHEMAS, schemas, ld)}
        ready: set[str] = set()
        inventory = Inventory()
        unspelled: list[Row] = []
        index_rows: list[Row] = []
        for name in _ORDER[:-1]:
            rows = [] if name in absent else _take(catalog, name, ahead)
            if name == "opclasses":
                ld.default_opclasses = {r.oid: r.type_oid for r in rows}
            elif name == "inventory":
                inventory = Inventory.from_rows(rows)
                if ahead is not None:
                    ahead.ready(name, inventory.entries)
                continue
            elif name == "indexes":
                unspelled = _spell_indexes(rows, ld)
                if unspelled:
                    index_rows = rows
                    continue  # loaded below, once the connection is free for pg_get_indexdef
            kind = by_query.get(name)
            if kind is not None:
                kinds[kind.field] = load_kind(kind, rows, ld)
                _prepare(kinds, ready, ahead)
            del rows  # each query's rows are freed once loaded
        dependencies = _take(catalog, "dependencies", ahead)
    if unspelled:
        _print_indexes(cur, unspelled, ld)
        # lazy: start-up (see the module's imports)
        from alembic_baseline.snapshot.kinds import BY_FIELD

        kinds["indexes"] = load_kind(BY_FIELD["indexes"], index_rows, ld)
    return replace(finish(kinds, edges(dependencies, ld), ready), inventory=inventory)


def _take(catalog: Reading, name: str, ahead: Ahead | None) -> list[Row]:
    """Query ``name``'s rows; while they are not there, ``ahead``'s steps run."""
    if ahead is not None:
        while not catalog.done(name) and ahead.step():
            pass
    return catalog.take(name)


def _prepare(kinds: Mapping[str, list[Any]], ready: set[str], ahead: Ahead | None = None) -> None:
    """Put each kind not yet ``ready`` in canonical order (in place) and add it to ``ready``
    (and tell ``ahead``): :func:`finish` work, done while the lanes still read."""
    # lazy: start-up (see the module's imports)
    from alembic_baseline.snapshot import model as m
    from alembic_baseline.snapshot.kinds import BY_FIELD

    for name, objs in kinds.items():
        if name not in ready and objs and not BY_FIELD[name].in_order:
            objs.sort(key=m.sort_key(type(objs[0])))
        if name not in ready and ahead is not None:
            ahead.ready(name, objs)
        ready.add(name)


def _spell_indexes(rows: list[Row], ld: Loading) -> list[Row]:
    """Spell the index definitions the query left NULL (see indexes.sql) from the rows; return
    the rows whose definitions only pg_get_indexdef can print."""
    # lazy: start-up (see the module's imports)
    from alembic_baseline.snapshot.loaders_tables import spell_index

    unspelled = []
    for r in rows:
        if r.definition is None:
            spelled = spell_index(r, ld.columns, ld.default_opclasses)
            if spelled is None:
                unspelled.append(r)
            else:
                ld.index_text[r.oid] = spelled
    return unspelled


def _print_indexes(cur: psycopg.Cursor[Row], rows: list[Row], ld: Loading) -> None:
    cur.execute(
        "SELECT x AS oid, pg_get_indexdef(x) AS definition FROM unnest(%s::oid[]) AS x",
        ([r.oid for r in rows],),
    )
    # lazy: start-up (see the module's imports)
    from alembic_baseline.snapshot.loaders_tables import index_columns

    printed = {r.oid: r.definition for r in cur.fetchall()}
    for r in rows:
        ld.index_text[r.oid] = (printed[r.oid], *index_columns(printed[r.oid], r.method))


def load(rows: Mapping[str, list[Row]], ld: Loading) -> dict[str, list[Any]]:
    """Objects of the kinds present in ``rows`` (columns before, or with, the constraints and
    indexes that name them)."""
    # lazy: start-up (see the module's imports)
    from alembic_baseline.snapshot.kinds import KINDS

    return {k.field: load_kind(k, rows[k.field], ld) for k in KINDS if k.field in rows}


def build(rows: Mapping[str, list[Row]], options: InspectOptions) -> m.Snapshot:
    """Rows of every query → snapshot (pure; the unit of the loaders)."""
    # lazy: start-up (see the module's imports)
    from alembic_baseline.snapshot.loaders import Loading

    ld = Loading(options)
    kinds = load(rows, ld)
    return finish(kinds, edges(rows.get("dependencies", []), ld))


def finish(
    kinds: Mapping[str, list[Any]], dependencies: list[m.Dependency], ready: set[str] | None = None
) -> m.Snapshot:
    """The snapshot of loaded objects and the dependency edges between them (the kinds in
    ``ready`` are already in canonical order)."""
    # lazy: start-up (see the module's imports)
    from alembic_baseline.snapshot import model as m

    _prepare(kinds, set() if ready is None else ready)
    # every kind is sorted: the snapshot is made without Snapshot.build's sorting them again
    values: dict[str, Any] = {name: tuple(objs) for name, objs in kinds.items()}
    return m.Snapshot(**values, dependencies=tuple(sorted(set(dependencies))))


def load_kind(kind: Kind, rows: list[Row], ld: Loading) -> list[Any]:
    """The objects of ``kind``, in row order; each is also recorded by the oids a dependency
    row may name it by (its :attr:`Kind.ends`)."""
    objects = kind.load(rows, ld)
    for end, catalog, column in kind.ends:
        table = getattr(ld, end)
        for row, obj in zip(rows, objects, strict=True):
            oid = getattr(row, column)
            if oid is not None:
                table[catalog, oid] = obj.key
    return objects


def edges(rows: Iterable[Row], ld: Loading) -> list[m.Dependency]:
    """Dependency rows → edges between loaded objects (a column counts when its table was
    loaded: an edge to a table column names the column, one from a column default names the
    default). Rows with an end outside the snapshot are dropped."""
    # lazy: start-up (see the module's imports)
    from alembic_baseline.snapshot import model as m
    from alembic_baseline.snapshot.kinds import WITH_COLUMNS

    dependents, referenced, columns, tables = ld.dependents, ld.referenced, ld.columns, ld.tables
    key, out = m.ObjectKey.of, []
    for r in rows:
        dep: m.ObjectKey | None
        if r.dep_catalog == "default":
            column = columns.get((r.dep_oid, r.dep_attnum))
            if column is None:
                continue
            schema, table = tables[r.dep_oid]
            dep = key("default", schema, column.name, table)
        else:
            dep = dependents.get((r.dep_catalog, r.dep_oid))
        ref = referenced.get((r.ref_catalog, r.ref_oid))
        if ref is not None and r.ref_attnum > 0 and ref.kind in WITH_COLUMNS:
            column = columns.get((r.ref_oid, r.ref_attnum))
            ref = None if column is None else key("column", ref.schema, column.name, ref.name)
        if dep is not None and ref is not None and dep != ref:
            out.append(m.Dependency(dep, ref))
    return out
