"""pg_dump text → portable, deterministic baseline SQL (pure: str in, str out).

What a raw ``pg_dump --schema-only`` cannot do inside an Alembic revision, and what is done here:

* ``\\restrict KEY`` / ``\\unrestrict KEY`` are psql meta-commands (and KEY is random, so two dumps
  of one schema differ): removed.
* ``SET transaction_timeout`` (pg_dump 17+) is rejected by older servers: settings unknown to the
  oldest supported major are dropped. ``SET client_encoding`` is dropped too: the driver encodes
  the text it sends, and switching encodings under it would corrupt the rest of the file.
* The session settings the dump changes (``search_path`` emptied, ``check_function_bodies`` off…)
  are kept in a separate prologue whose names are listed, so the loader restores them afterwards
  and the rest of the Alembic run is unaffected.
* The version table is excluded: Alembic owns it.
* Materialized views are dumped ``WITH NO DATA``; a replayed history has them populated, so a
  ``REFRESH`` is appended for each.
* ``CREATE USER MAPPING`` statements are left out whole: their OPTIONS hold credentials (a
  ``postgres_fdw`` password) and their role is a login of the source. A note says how to
  recreate each one. ``CREATE SUBSCRIPTION`` (and comments on one) likewise: its CONNECTION
  string may hold a password, and a new database should not subscribe to production's publisher.
* Statements are split (by PostgreSQL's own scanner, via pglast) into chunks, so a loader can
  commit a very large schema in parts instead of taking tens of thousands of locks at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from alembic_baseline.history.checksums import APPLIED_TABLE

PROLOGUE_MARK = "-- alembic-baseline:prologue"
CHUNK_MARK = "-- alembic-baseline:chunk"
END_MARK = "-- alembic-baseline:end"

# psql meta-commands pg_dump writes on lines of their own (CVE-2025-8714 restrict keys).
_META_LINE = re.compile(r"(?m)^\\(?:restrict|unrestrict)\s+\S+[ \t]*\n?")
_TOC_TYPE = re.compile(r"; Type: ([A-Z ]+?); Schema:")
# Settings and the first major that knows them (older servers reject SET of an unknown name).
SETTING_SINCE = {"transaction_timeout": 17}
_DROPPED_SETTINGS = {"client_encoding"}
DEFAULT_MIN_MAJOR = 14
DEFAULT_CHUNK_SIZE = 500


@dataclass(frozen=True)
class DumpEntry:
    """One statement of a dump with the TOC comment pg_dump wrote above it."""

    comment: str
    sql: str

    @property
    def toc_type(self) -> str | None:
        match = _TOC_TYPE.search(self.comment)
        return match.group(1) if match else None


@dataclass(frozen=True)
class SanitizeOptions:
    version_table: str = "alembic_version"
    version_table_schema: str | None = None
    min_major: int = DEFAULT_MIN_MAJOR
    chunk_size: int = DEFAULT_CHUNK_SIZE


@dataclass(frozen=True)
class Baseline:
    """The sanitized baseline: prologue settings, body chunks, and what was changed."""

    prologue: tuple[str, ...]
    chunks: tuple[tuple[DumpEntry, ...], ...]
    settings: tuple[str, ...]
    removed: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def statement_count(self) -> int:
        return sum(len(c) for c in self.chunks)

    def render(self, header: Iterable[str] = ()) -> str:
        """The SQL file: header comments, prologue, chunks — each statement ends with ``;``."""
        lines = [f"-- {h}".rstrip() for h in header]
        lines.append(
            f"-- session settings changed below and restored by the loader: "
            f"{', '.join(self.settings)}"
        )
        lines.append(PROLOGUE_MARK)
        lines.extend(f"{s};" for s in self.prologue)
        total = len(self.chunks)
        for number, chunk in enumerate(self.chunks, 1):
            lines.append("")
            lines.append(f"{CHUNK_MARK} {number}/{total}")
            for entry in chunk:
                lines.append("")
                if entry.comment:
                    lines.append(entry.comment)
                lines.append(f"{entry.sql};")
        lines.append("")
        lines.append(END_MARK)
        return "\n".join(lines) + "\n"


def preload() -> None:
    """Import the SQL parser :func:`sanitize` uses (~0.07 s), e.g. on a thread while pg_dump
    runs; a failure is left to :func:`sanitize` itself to report."""
    try:
        import pglast.ast
        import pglast.enums
        import pglast.parser
        import pglast.stream  # noqa: F401
    except Exception:  # pragma: no cover - reported where the parser is used
        return


def split_dump(text: str) -> list[DumpEntry]:
    """Split pg_dump output into statements with PostgreSQL's scanner (``$$`` bodies intact)."""
    from pglast import parser

    text = _META_LINE.sub("", text)
    entries = []
    for piece in parser.split(text, with_parser=False, only_slices=True):
        chunk = text[piece]
        comment_lines: list[str] = []
        lines = chunk.split("\n")
        while lines and (lines[0].startswith("--") or not lines[0].strip()):
            comment_lines.append(lines.pop(0))
        comment = "\n".join(ln for ln in comment_lines if ln.strip() and ln.strip() != "--")
        entries.append(DumpEntry(_toc_comment(comment), "\n".join(lines).strip()))
    return entries


def _toc_comment(comment: str) -> str:
    """Keep pg_dump's ``-- Name: …; Type: …`` line (useful in review); drop banners/versions."""
    kept = [ln for ln in comment.splitlines() if ln.startswith("-- Name: ")]
    return "\n".join(kept)


def _setting_name(sql: str) -> str | None:
    """``SET name = value`` or ``SELECT pg_catalog.set_config('name', …)`` → name."""
    match = re.match(r"(?is)^SET\s+(?:SESSION\s+)?([a-z_.]+)\s*(?:=|TO)\s", sql)
    if match:
        return match.group(1).lower()
    match = re.match(r"(?is)^SELECT\s+pg_catalog\.set_config\('([a-z_.]+)'", sql)
    return match.group(1).lower() if match else None


def _targets_version_table(sql: str, options: SanitizeOptions) -> bool:
    """Whether a statement creates or alters the version table (parsed, not pattern-matched)."""
    if options.version_table not in sql and APPLIED_TABLE not in sql:
        return False  # cannot name either; skip the parse
    from pglast import parse_sql
    from pglast.parser import ParseError

    try:
        (raw,) = parse_sql(sql)
    except (ParseError, ValueError):
        return False
    from pglast import ast
    from pglast.enums import ObjectType

    stmt = raw.stmt
    if isinstance(stmt, ast.CommentStmt):
        names = [getattr(n, "sval", None) for n in (stmt.object or ())]
        if stmt.objtype == ObjectType.OBJECT_COLUMN:
            names = names[:-1]  # schema.table.column → schema.table
        elif stmt.objtype != ObjectType.OBJECT_TABLE:
            return False
        schema = names[-2] if len(names) >= 2 else None
        return _is_version(schema, names[-1] if names else None, options)
    relation = getattr(stmt, "relation", None)
    if relation is None:
        return False
    return _is_version(relation.schemaname, relation.relname, options)


def _is_version(schema: str | None, name: str | None, options: SanitizeOptions) -> bool:
    """The version table, or the applied-revisions table ``apply`` keeps beside it."""
    wanted_schema = options.version_table_schema or "public"
    ours = (options.version_table, APPLIED_TABLE)
    return name in ours and (schema or "public") == wanted_schema


def _create_schema_if_missing(entry: DumpEntry) -> DumpEntry:
    """``CREATE SCHEMA x`` → ``CREATE SCHEMA IF NOT EXISTS x``: env.py often creates the version
    table's schema itself before the first revision runs."""
    if entry.toc_type != "SCHEMA":
        return entry
    from pglast import ast, parse_sql
    from pglast.stream import RawStream

    (raw,) = parse_sql(entry.sql)
    stmt = raw.stmt
    if not isinstance(stmt, ast.CreateSchemaStmt) or stmt.if_not_exists or stmt.schemaElts:
        return entry
    return DumpEntry(entry.comment, str(RawStream()(ast.CreateSchemaStmt(
        schemaname=stmt.schemaname, authrole=stmt.authrole, if_not_exists=True
    ))))  # fmt: skip


def _matview_to_refresh(entry: DumpEntry) -> str | None:
    if entry.toc_type != "MATERIALIZED VIEW":
        return None
    from pglast import ast, parse_sql
    from pglast.stream import RawStream

    (raw,) = parse_sql(entry.sql)
    stmt = raw.stmt
    if not isinstance(stmt, ast.CreateTableAsStmt) or stmt.into is None or not stmt.into.skipData:
        return None
    if stmt.into.rel is None:
        return None
    # PostgreSQL's own deparser prints the (quoted, qualified) name.
    return f"REFRESH MATERIALIZED VIEW {RawStream()(stmt.into.rel)}"


def sanitize(
    pre_data: str,
    post_data: str = "",
    data: str = "",
    options: SanitizeOptions | None = None,
) -> Baseline:
    """Turn pg_dump's pre-data, (reference) data and post-data sections into a :class:`Baseline`."""
    options = options or SanitizeOptions()
    prologue: list[str] = []
    settings: list[str] = []
    removed: list[str] = []
    notes: list[str] = []
    body: list[DumpEntry] = []
    refresh: list[DumpEntry] = []
    for part in (pre_data, data, post_data):
        for entry in split_dump(part):
            name = _setting_name(entry.sql)
            if name is not None:
                since = SETTING_SINCE.get(name, 0)
                if name in _DROPPED_SETTINGS or since > options.min_major:
                    if name not in removed and f"SET {name}" not in removed:
                        removed.append(f"SET {name}")
                    continue
                if name not in settings:
                    settings.append(name)
                    prologue.append(entry.sql)
                continue
            if entry.toc_type == "USER MAPPING":
                server = _user_mapping_server(entry.sql)
                removed.append(f"user mapping on server {server} (its options hold credentials)")
                notes.append(_user_mapping_note(server))
                continue
            if entry.toc_type == "SUBSCRIPTION" or _SUBSCRIPTION_COMMENT.match(entry.sql):
                if entry.toc_type == "SUBSCRIPTION":
                    name = _subscription_name(entry.sql)
                    removed.append(f"subscription {name} (its connection string may hold secrets)")
                    notes.append(
                        f"the subscription {name} was left out of the baseline (its CONNECTION "
                        "string may hold a password); create it by hand where it is needed, with "
                        "the password from a secret"
                    )
                continue
            if _targets_version_table(entry.sql, options):
                removed.append(f"version table: {entry.sql.splitlines()[0]}")
                continue
            body.append(_create_schema_if_missing(entry))
            statement = _matview_to_refresh(entry)
            if statement:
                refresh.append(DumpEntry("-- populate (dumped WITH NO DATA)", statement))
    body.extend(refresh)
    size = max(1, options.chunk_size)
    chunks = tuple(tuple(body[i : i + size]) for i in range(0, len(body), size)) or ((),)
    return Baseline(tuple(prologue), chunks, tuple(settings), tuple(removed), tuple(notes))


def _user_mapping_server(statement: str) -> str:
    """The (quoted as needed) server name of ``CREATE USER MAPPING … SERVER name``, parsed."""
    from pglast import ast, parse_sql

    (raw,) = parse_sql(statement)
    stmt = raw.stmt
    if not isinstance(stmt, ast.CreateUserMappingStmt) or not stmt.servername:
        return "?"
    return _ident(str(stmt.servername))


LEFT_OUT_TYPES = frozenset(("user mapping", "subscription"))
"""Inventory types of the objects left out above (they hold credentials): the self-check does
not expect them in what the baseline builds; create's warnings say how to recreate them."""
_SUBSCRIPTION_COMMENT = re.compile(r"(?i)^COMMENT\s+ON\s+SUBSCRIPTION\s")


def _subscription_name(statement: str) -> str:
    from pglast import ast, parse_sql

    (raw,) = parse_sql(statement)
    stmt = raw.stmt
    if not isinstance(stmt, ast.CreateSubscriptionStmt) or not stmt.subname:
        return "?"
    return _ident(str(stmt.subname))


def _ident(name: str) -> str:
    if re.fullmatch(r"[a-z_][a-z0-9_$]*", name):
        return name
    return '"' + name.replace('"', '""') + '"'


def _user_mapping_note(server: str) -> str:
    return (
        f"a user mapping on foreign server {server} was left out of the baseline (its OPTIONS "
        "hold credentials); recreate it on each database from a deploy secret, e.g. "
        f"CREATE USER MAPPING FOR <role> SERVER {server} OPTIONS (user '…', password '…')"
    )
