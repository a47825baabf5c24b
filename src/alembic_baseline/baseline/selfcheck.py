"""``baseline create``'s self-check: the baseline SQL must build its source before it is written.

pg_dump can exit 0 and still hand over a truncated or garbled text (a full disk, a broken pipe,
a wrapper that cut it). Before the project is touched, the SQL file exactly as it will be written
is loaded on a scratch database of the source's major the way the baseline revision loads it
(chunk by chunk, each in one transaction, after the prologue), then its snapshot and inventory
are compared with the source's, read at the dump's own MVCC snapshot. A load error or any
difference refuses the baseline (exit 2); nothing was moved or archived yet (files staged
meanwhile are removed).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from concurrent.futures import Future

from alembic_baseline.baseline.sanitize import CHUNK_MARK, END_MARK, PROLOGUE_MARK
from alembic_baseline.baseline.verify import _pair
from alembic_baseline.diff.model import CompareOptions
from alembic_baseline.errors import ToolError
from alembic_baseline.expected import VersionTable, inspect_options
from alembic_baseline.pg import binaries
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.scratch import Scratch, ScratchServer
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.snapshot import Snapshot
from alembic_baseline.snapshot.sources import from_url

_CHUNK = re.compile(rf"^{re.escape(CHUNK_MARK)} .*$", re.MULTILINE)
_SHOWN = 20
_HINT = (
    "pg_dump's output was truncated or garbled (it exited 0 nonetheless): check free disk "
    "space and the pg_dump in use (ALEMBIC_BASELINE_PG_BIN, PATH), then run `baseline create` "
    "again. Nothing in the project was changed."
)


class BaselineCheckError(ToolError):
    """The sanitized baseline SQL does not rebuild the schema it was dumped from."""


def sections(text: str) -> tuple[str, list[str]]:
    """(prologue, chunks) of a baseline SQL file, split as the baseline revision splits it."""
    if PROLOGUE_MARK not in text or END_MARK not in text:
        raise BaselineCheckError("The baseline SQL lacks its section markers.", hint=_HINT)
    body = text.split(PROLOGUE_MARK, 1)[1].split(END_MARK, 1)[0]
    prologue, *chunks = _CHUNK.split(body)
    return prologue.strip(), [c.strip() for c in chunks if c.strip()]


def load(url: DatabaseURL, text: str) -> None:
    """Run the baseline SQL ``text`` on ``url`` as the revision does: each chunk in its own
    transaction after the prologue, sent as is (no parameter parsing)."""
    import psycopg

    prologue, chunks = sections(text)
    with connection(url) as conn:
        for number, chunk in enumerate(chunks, 1):
            try:
                conn.execute(("BEGIN;\n" + prologue + "\n" + chunk + "\nCOMMIT;").encode())
            except psycopg.Error as exc:
                conn.rollback()
                where = f" (chunk {number}/{len(chunks)})" if len(chunks) > 1 else ""
                detail = str(exc).strip().splitlines()[0]
                raise BaselineCheckError(
                    f"The baseline SQL does not load on a scratch database{where}: {detail}.",
                    hint=_HINT,
                ) from None


def check(
    text: str,
    expected: Snapshot | None,
    major: int,
    version_table: tuple[str, str | None],
    *,
    scratch_url: str | None = None,
    server: ScratchServer | None = None,
    progress: Callable[[str], None] = lambda _: None,
    seconds: dict[str, float] | None = None,
    database: Future[DatabaseURL] | None = None,
) -> None:
    """Load the baseline SQL ``text`` on a scratch database of ``major`` and compare what it
    builds with ``expected`` (the source's snapshot); raise :class:`BaselineCheckError` on a
    load error or any difference, in the snapshot or in the inventory.

    ``database``: an empty database ``server`` is creating for it (``create_database_soon``),
    used when ``server`` is the one checked on; it is dropped once used (in the background: the
    server's ``close()`` waits for that)."""

    if expected is None:
        raise BaselineCheckError(
            "The source's schema could not be read alongside the dump; the baseline cannot be "
            "checked.",
            hint="Run `baseline create` again.",
        )
    start = time.perf_counter()
    options = CompareOptions()
    reuse = server is not None and server.major == major
    if not reuse and not scratch_url and major not in binaries.majors():
        major = binaries.find_server().major  # none of the source's major here: the newest
        options = CompareOptions.cross_version()
    with Scratch(major, scratch_url, server) as scratch:
        srv = scratch.server()
        progress(f"loading the baseline SQL on a scratch PostgreSQL {srv.major} to check it")
        if database is not None and srv is server:
            url = database.result()  # a failed CREATE DATABASE raises its DatabaseError here
        else:
            url = srv.create_database(srv.new_name("selfcheck"))
        try:
            load(url, text)
            built = from_url(url, inspect_options(VersionTable(*version_table)))
        finally:
            # on a thread of the server (a DROP waits for a checkpoint), while the snapshots
            # are compared and the files written; the server's close() waits for it
            srv.drop_database_soon(url.database)
    lines = _pair("self-check", expected, built, options).differences
    if seconds is not None:
        seconds["self_check"] = time.perf_counter() - start
    if lines:
        shown = "\n  ".join(lines[:_SHOWN])
        more = f"\n  … and {len(lines) - _SHOWN} more" if len(lines) > _SHOWN else ""
        raise BaselineCheckError(
            f"The baseline SQL does not rebuild its source ({len(lines)} differences; "
            f"'removed' is in the source only):\n  {shown}{more}",
            hint=_HINT,
        )
