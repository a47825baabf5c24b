"""A second connection that reads part of the catalog at the same MVCC snapshot, in a thread.

The way ``pg_dump --jobs`` does it: the first transaction exports its snapshot
(``pg_export_snapshot()``), the helper's REPEATABLE READ transaction adopts it
(``SET TRANSACTION SNAPSHOT``), so both see exactly the same catalog. The server runs the two
halves of the queries on two backends while this process turns rows into objects. When a helper
cannot be had (connection limit, a transaction-pooling bouncer, no password to reuse) the
caller reads everything on its own connection; nothing else changes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psycopg

Row = Any  # a named tuple of the query's columns


def _connect_like(conn: psycopg.Connection[Any]) -> psycopg.Connection[Any]:
    import psycopg

    params: dict[str, Any] = dict(conn.info.get_parameters())
    password = conn.info.password
    if password:
        params["password"] = password
    params.setdefault("application_name", "alembic-baseline")
    params.setdefault("connect_timeout", "5")
    return psycopg.connect(autocommit=True, **params)


def _run(
    helper: psycopg.Connection[Any], queries: Mapping[str, Any], params: Mapping[str, Any]
) -> dict[str, list[Row]]:
    from psycopg.rows import namedtuple_row

    rows: dict[str, list[Row]] = {}
    with helper.cursor(row_factory=namedtuple_row) as cur:
        for name, query in queries.items():
            cur.execute(query, params)
            rows[name] = cur.fetchall()
    helper.execute("COMMIT")
    return rows


@contextlib.contextmanager
def helper_reading(
    conn: psycopg.Connection[Any], queries: Mapping[str, Any], params: Mapping[str, Any]
) -> Iterator[Future[dict[str, list[Row]]] | None]:
    """Run ``queries`` on a helper at ``conn``'s snapshot; yield the future (None: no helper).

    ``conn`` must be inside the REPEATABLE READ transaction whose snapshot is shared.
    """
    import psycopg
    from psycopg import sql

    # Not on a standby, where an export could fail and abort the caller's transaction (no
    # savepoint can guard it: a subtransaction cannot export its snapshot).
    standby = conn.execute("SELECT pg_is_in_recovery()").fetchone()
    if standby is None or standby[0]:
        yield None
        return
    try:
        snapshot_id = conn.execute("SELECT pg_export_snapshot()").fetchone()
        helper = _connect_like(conn)
    except psycopg.Error:
        yield None
        return
    try:
        try:
            helper.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            exported = snapshot_id[0] if snapshot_id else ""
            helper.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(exported)))
            helper.execute("SELECT set_config('search_path', '', true)")
        except psycopg.Error:
            yield None
            return
        with ThreadPoolExecutor(max_workers=1) as pool:
            yield pool.submit(_run, helper, queries, params)
    finally:
        helper.close()
