"""Read what a baseline needs from the source database: version, schema dump, object lists."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from alembic_baseline.errors import ConfigError
from alembic_baseline.pg import binaries, tools
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.server import server_version
from alembic_baseline.pg.url import DatabaseURL

if TYPE_CHECKING:  # imported when the schema is dumped (on a thread meanwhile: see create)
    from alembic_baseline.snapshot import Snapshot

_SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")


@dataclass(frozen=True)
class SourceFacts:
    version_num: int
    version: str
    schemas: tuple[str, ...]
    extensions: tuple[str, ...]
    event_triggers: tuple[str, ...]

    @property
    def major(self) -> int:
        return self.version_num // 10000


@dataclass(frozen=True)
class Dump:
    pre_data: str
    post_data: str
    data: str
    pg_dump: binaries.Installation
    expected: Snapshot | None = None
    """The source's snapshot (with its inventory) read at the dump's own MVCC snapshot: what
    the sanitized SQL must build (see :mod:`.selfcheck`)."""


def facts(url: DatabaseURL) -> SourceFacts:
    """Server version and the schemas/extensions/event triggers the baseline will create."""
    with connection(url) as conn:
        version = server_version(conn)
        schemas = [
            str(r[0])
            for r in conn.execute(
                "SELECT nspname FROM pg_namespace n WHERE nspname <> ALL(%s) "
                "AND nspname !~ '^pg_(toast_)?temp_' "
                "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = "
                "'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e') "
                "ORDER BY nspname",
                (list(_SYSTEM_SCHEMAS),),
            )
        ]
        extensions = [
            str(r[0])
            for r in conn.execute(
                "SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY extname"
            )
        ]
        event_triggers = [
            str(r[0])
            for r in conn.execute(
                "SELECT evtname FROM pg_event_trigger e WHERE NOT EXISTS (SELECT 1 FROM pg_depend "
                "d WHERE d.objid = e.oid AND d.deptype = 'e') ORDER BY evtname"
            )
        ]
    return SourceFacts(
        version.num, version.full, tuple(schemas), tuple(extensions), tuple(event_triggers)
    )


def check_reference_tables(url: DatabaseURL, tables: tuple[str, ...]) -> None:
    if not tables:
        return
    with connection(url) as conn:
        missing = [
            t for t in tables if conn.execute("SELECT to_regclass(%s)", (t,)).fetchone() == (None,)
        ]
    if missing:
        raise ConfigError(
            f"Reference table(s) not found in the source database: {', '.join(missing)}.",
            hint="Name tables as schema.table or as found on the search_path of the source.",
        )


def _quoted_pattern(schema: str, name: str) -> str:
    # pg_dump patterns: double quotes make a name literal (no wildcards, case kept).
    return '"' + schema.replace('"', '""') + '"."' + name.replace('"', '""') + '"'


def dump(
    url: DatabaseURL,
    server_major: int,
    *,
    version_table: tuple[str, str | None],
    reference_tables: tuple[str, ...] = (),
) -> Dump:
    """pg_dump the schema in two sections (and reference rows) with a pg_dump ≥ the server.

    The schema is read once (one pg_dump of both sections in the custom format, split by
    ``pg_restore``, which prints each section as pg_dump's plain format does, a materialized
    view's REFRESH included): one catalog read, not one per section. Without a pg_restore beside
    that pg_dump, each section is dumped on its own."""
    # lazy: the snapshot reader is imported on a thread while the history replays (create)
    from alembic_baseline.snapshot import InspectOptions, inspect

    client = binaries.find_client(server_major, "pg_dump")
    name, schema = version_table
    common = [
        "--no-owner",
        "--no-privileges",
        f"--exclude-table={_quoted_pattern(schema or 'public', name)}",
    ]
    split = client.major >= 12 and client.has("pg_restore")  # (12: ``--file=-`` is stdout)
    if split:
        jobs = [[*common, "--section=pre-data", "--section=post-data", "--format=custom"]]
    else:
        jobs = [[*common, "--section=pre-data"], [*common, "--section=post-data"]]
    if reference_tables:
        data_args = ["--data-only", "--inserts", "--rows-per-insert=500", "--no-owner"]
        jobs.append(data_args + [f"--table={t}" for t in reference_tables])
    # All sections read one exported snapshot (held open by this transaction), so DDL running
    # on production meanwhile cannot make them disagree; then they can run at the same time.
    with connection(url, autocommit=False) as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        row = conn.execute("SELECT pg_export_snapshot()").fetchone()
        jobs = [[f"--snapshot={row[0]}", *args] for args in jobs] if row else jobs
        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            running = pool.map(lambda a: tools.pg_dump(client.bindir, url, a), jobs)
            # the same catalog the dumps read, inspected while they run
            options = InspectOptions(version_table=name, version_table_schema=schema)
            expected = inspect(conn, options) if row else None
            outputs = list(running)
    if split:  # the two sections printed at the same time (two pg_restore processes)
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="ab-dump") as pool:
            sections = ("pre-data", "post-data")
            outputs[:1] = list(pool.map(lambda s: _section(client, outputs[0], s), sections))
    texts = [o.decode("utf-8") for o in outputs]
    return Dump(texts[0], texts[1], texts[2] if reference_tables else "", client, expected)


def _section(client: binaries.Installation, archive: bytes, section: str) -> bytes:
    """One section of a custom-format archive as pg_dump's plain text (no server involved)."""
    args = ["--no-owner", "--no-privileges", f"--section={section}", "--file=-"]
    argv: list[str | Path] = [client.program("pg_restore"), *args]
    return tools.run(argv, what=f"pg_restore --section={section}", stdin=archive).stdout or b""
