"""Restoring a backup as one transaction: the drops and the whole restore commit together or not.

``pg_restore --clean`` only drops what the archive contains, so the objects created after the
backup have to be dropped too — in the same transaction, or an interrupted restore would leave
them dropped and the rest not restored. pg_restore cannot run statements of ours inside its
``--single-transaction``, so the archive is turned into SQL (``pg_restore -f -``) and streamed
into psql between our own ``BEGIN`` + drops and ``COMMIT``; the ``COMMIT`` is written only after
pg_restore exited 0 (a damaged archive never commits a partial restore). pg_dump's header sets
``lock_timeout = 0``: that line is rewritten to our lock timeout, so an application holding a
lock makes the restore give up (and roll back) instead of making everyone queue behind it.

After an interruption or failure, :func:`settle` finds out what happened for certain: the
restore's server session is ended, and the transaction's fate is read with ``txid_status``.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic_baseline.deploy import rollback as rb
from alembic_baseline.errors import BaselineError
from alembic_baseline.pg import pipes
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.runbook.backup import client_for

APPLICATION_NAME = "alembic-baseline restore"
MARKER = b"alembic-baseline-restore"
_HEADER_LINE = re.compile(
    rb"^(?:|--.*|\\restrict .*|SET [a-z_]+ = .*;|SELECT pg_catalog\.set_config\(.*\);)$"
)
_LOCK_TIMEOUT = re.compile(rb"^SET lock_timeout = 0;$")
# The session's pid and its transaction id, widened from 32 bits (pg_stat_activity) to the
# 64 bits txid_status() wants by the epoch of the newest transaction id.
_SESSION = """
SELECT pid, CASE WHEN x IS NULL THEN NULL
                 WHEN x <= (cur & 4294967295) THEN ((cur >> 32) << 32) | x
                 ELSE (((cur >> 32) - 1) << 32) | x END
FROM (SELECT pid, backend_xid::text::bigint AS x,
             txid_snapshot_xmax(txid_current_snapshot()) AS cur
      FROM pg_stat_activity WHERE application_name = %s) s
"""


@dataclass
class Transaction:
    """The restore's transaction as far as this process knows it."""

    piped: pipes.Piped
    backend_pid: int | None = None
    xid: int | None = None
    application_name: str = field(
        default_factory=lambda: f"{APPLICATION_NAME} {os.getpid()}-{secrets.token_hex(4)}"
    )
    """Its session's name (unique: the session is found by it while psql's output, buffered,
    may not have said its pid yet)."""


def header_filter(lock_timeout: str) -> Callable[[bytes, bool], bytes | None]:
    """Rewrite ``SET lock_timeout = 0;`` in the SQL's header (never in data) to ours."""
    ours = f"SET lock_timeout = '{lock_timeout}';".encode()  # validated duration (options)

    def head(data: bytes, at_end: bool) -> bytes | None:
        lines = data.split(b"\n")
        out: list[bytes] = []
        for i, line in enumerate(lines):
            complete = i < len(lines) - 1 or at_end
            if not complete:
                return None  # the header is not over yet: wait for the rest of the line
            if not _HEADER_LINE.match(line):
                return b"\n".join([*out, *lines[i:]])
            out.append(ours if _LOCK_TIMEOUT.match(line) else line)
        return b"\n".join(out)

    return head


def preamble(objects: list[rb.CatalogName], lock_timeout: str) -> bytes:
    """``BEGIN``, the lock timeout, a line naming the session and transaction, the drops."""
    statements = [
        "BEGIN;",
        f"SET lock_timeout = '{lock_timeout}';",
        f"SELECT '{MARKER.decode()}', pg_backend_pid(), txid_current();",
        *rb.drop_statements(objects),
    ]
    return ("\n".join(statements) + "\n").encode()


def restore(
    url: DatabaseURL,
    archive: Path,
    server_major: int,
    objects: list[rb.CatalogName],
    lock_timeout: str,
    tx: Transaction,
) -> float:
    """Drop ``objects`` and restore ``archive`` in one transaction; seconds taken. ``tx`` says
    how far it got when this raises (see :func:`settle`)."""
    installation = client_for(server_major)
    source: list[str | Path] = [
        installation.bindir / "pg_restore",
        "--clean",
        "--if-exists",
        "-f",
        "-",
        archive,
    ]
    env = {"PGAPPNAME": tx.application_name}
    if server_major >= 14:  # the session ends within a second of psql's death, even mid-wait
        given = url.libpq_env().get("PGOPTIONS", "")
        env["PGOPTIONS"] = f"{given} -c client_connection_check_interval=1000".strip()
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        try:
            pipes.pipe_into_psql(
                installation.bindir,
                url,
                source,
                before=preamble(objects, lock_timeout),
                after=b"COMMIT;\n",
                head=header_filter(lock_timeout),
                out_fd=out.fileno(),
                env=env,
                state=tx.piped,
            )
        finally:
            out.seek(0)
            for line in out.read(1 << 16).splitlines():
                if line.startswith(MARKER + b"|"):
                    _, pid, xid = line.split(b"|")
                    tx.backend_pid, tx.xid = int(pid), int(xid)
                    break
    return time.perf_counter() - start


def settle(url: DatabaseURL, tx: Transaction, wait_s: float = 30.0) -> str:
    """``committed``, ``aborted`` or ``unknown``: the restore's transaction, for certain.

    Its session (if still there) is ended first, so that its locks go at once and the answer
    is final; ``COMMIT`` never sent means it cannot have committed."""
    import psycopg

    try:
        with connection(url) as conn:
            session = conn.execute(_SESSION, (tx.application_name,)).fetchone()
            if session is not None:
                tx.backend_pid = int(str(session[0]))
                tx.xid = tx.xid if session[1] is None else int(str(session[1]))
                conn.execute("SELECT pg_terminate_backend(%s)", (tx.backend_pid,))
                _wait_gone(conn, tx.backend_pid, wait_s)
            if not tx.piped.commit_sent:
                return "aborted"
            if tx.xid is None:
                return "unknown"
            row = conn.execute("SELECT txid_status(%s)", (tx.xid,)).fetchone()
    except (BaselineError, psycopg.Error):
        return "aborted" if not tx.piped.commit_sent else "unknown"
    status = str(row[0]) if row and row[0] is not None else ""
    return {"committed": "committed", "aborted": "aborted"}.get(status, "unknown")


def _wait_gone(conn: Any, pid: int, wait_s: float) -> None:
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,))
        if not row.fetchone()[0]:
            return
        time.sleep(0.1)
