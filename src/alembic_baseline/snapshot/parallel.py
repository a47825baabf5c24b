"""Catalog queries read in background threads, so the server works while this process builds
objects from the rows it already has.

Each connection is a *lane*: a thread that runs its queries one after the other and hands over
each query's rows as soon as they are read. The caller's own connection is always a lane. A
second one, the helper, reads another share of the queries at the same MVCC snapshot, the way
``pg_dump --jobs`` does: the first transaction exports its snapshot (``pg_export_snapshot()``),
the helper's REPEATABLE READ transaction adopts it (``SET TRANSACTION SNAPSHOT``), so both see
exactly the same catalog. When a helper cannot be had (connection limit, a transaction-pooling
bouncer, no password to reuse, a standby) its queries go to the caller's lane; nothing else
changes.

A lane that has run its own queries takes the last query not yet started from the other lane
(both connections see the same snapshot, so either can run any query): how long each share
takes depends on the schema (a few big tables, or many small objects), and whichever lane is
ahead helps the other with the end of its list.
"""

from __future__ import annotations

import contextlib
import threading
from collections import deque
from collections.abc import Collection, Iterator, Mapping
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psycopg

Row = Any  # a named tuple of the query's columns


class Reading:
    """The rows of every query, each available once its lane has read it."""

    def __init__(self, futures: dict[str, Future[list[Row]]], helped: bool) -> None:
        self._futures = futures
        self.helped = helped
        """Whether a helper connection reads part of the queries."""

    def done(self, name: str) -> bool:
        """Whether query ``name``'s rows (or its error) are there: :meth:`take` would not wait."""
        return self._futures[name].done()

    def rows(self, name: str) -> list[Row]:
        """The rows of query ``name``, waiting for its lane if need be (its error, if it
        failed)."""
        return self._futures[name].result()

    def take(self, name: str) -> list[Row]:
        """:meth:`rows`, forgotten here: the caller then holds the only reference, so the rows
        are freed once it has built its objects (a lower peak memory on big schemas)."""
        rows = self._futures[name].result()
        done: Future[list[Row]] = Future()
        done.set_result([])
        self._futures[name] = done
        return rows


def _connect_like(conn: psycopg.Connection[Any]) -> psycopg.Connection[Any]:
    import psycopg

    params: dict[str, Any] = dict(conn.info.get_parameters())
    password = conn.info.password
    if password:
        params["password"] = password
    params.setdefault("application_name", "alembic-baseline")
    params.setdefault("connect_timeout", "5")
    return psycopg.connect(autocommit=True, **params)


class _Work:
    """The queries not yet started, per lane (in order), shared by the lanes."""

    def __init__(self, shares: list[list[str]]) -> None:
        self._lock = threading.Lock()
        self._queues = [deque(names) for names in shares]

    def next(self, lane: int) -> str | None:
        """The lane's next query; when it has none left, the last one not started of another
        lane (None: nothing left)."""
        with self._lock:
            own = self._queues[lane]
            if own:
                return own.popleft()
            for other in self._queues:
                if other:
                    return other.pop()
            return None

    def drop(self, lane: int) -> list[str]:
        """Forget the lane's queries not yet started and return them."""
        with self._lock:
            rest = list(self._queues[lane])
            self._queues[lane].clear()
            return rest


def _lane(
    conn: psycopg.Connection[Any],
    lane: int,
    work: _Work,
    queries: Mapping[str, Any],
    params: Mapping[str, Any],
    futures: Mapping[str, Future[list[Row]]],
    stop: threading.Event,
) -> None:
    """Run queries from ``work`` on ``conn`` until none is left; a failure (or ``stop``) fails
    the lane's remaining queries as well."""
    from psycopg.rows import namedtuple_row

    with conn.cursor(row_factory=namedtuple_row) as cur:
        while (name := work.next(lane)) is not None:
            try:
                if stop.is_set():
                    raise RuntimeError("catalog reading stopped")
                cur.execute(queries[name], params)
                futures[name].set_result(cur.fetchall())
            except BaseException as exc:  # handed to the caller, who re-raises it
                for rest in [name, *work.drop(lane)]:
                    futures[rest].set_exception(exc)
                return


def _open_helper(conn: psycopg.Connection[Any]) -> psycopg.Connection[Any] | None:
    """A connection in a REPEATABLE READ transaction at ``conn``'s snapshot, or None.

    ``conn`` must be inside the REPEATABLE READ transaction whose snapshot is shared, and not
    on a standby, where an export could fail and abort the caller's transaction (no savepoint
    can guard it: a subtransaction cannot export its snapshot).
    """
    import psycopg
    from psycopg import sql

    # one round trip: CASE evaluates the export only when the server is not a standby
    try:
        exported = conn.execute(
            "SELECT pg_is_in_recovery() AS standby,"
            " CASE WHEN NOT pg_is_in_recovery() THEN pg_export_snapshot() END AS snapshot"
        ).fetchone()
        if exported is None or exported[0]:
            return None
        helper = _connect_like(conn)
    except psycopg.Error:
        return None
    try:
        helper.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = sql.Literal(exported[1])
        helper.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(snapshot))
        helper.execute("SELECT set_config('search_path', '', true)")
    except psycopg.Error:
        helper.close()
        return None
    return helper


@contextlib.contextmanager
def reading(
    conn: psycopg.Connection[Any],
    queries: Mapping[str, Any],
    params: Mapping[str, Any],
    helper_share: Collection[str] = (),
) -> Iterator[Reading]:
    """Run ``queries`` (in their order) in background lanes: those in ``helper_share`` on a
    helper connection when one can be had, the rest on ``conn``.

    ``conn`` belongs to its lane until the block ends; use :meth:`Reading.rows` meanwhile. When
    the block is left early (an error, Ctrl-C), running queries are cancelled and the lanes
    stopped before it returns.
    """
    helper = _open_helper(conn) if helper_share else None
    futures: dict[str, Future[list[Row]]] = {name: Future() for name in queries}
    shared = [n for n in queries if helper is not None and n in helper_share]
    lanes = [(conn, [n for n in queries if n not in shared])]
    if helper is not None:
        lanes.append((helper, shared))
    stop = threading.Event()
    work = _Work([names for _, names in lanes])
    threads = [
        threading.Thread(
            target=_lane,
            args=(c, i, work, queries, params, futures, stop),
            name="ab-catalog",
            daemon=True,
        )
        for i, (c, _) in enumerate(lanes)
    ]
    try:
        for thread in threads:
            thread.start()
        yield Reading(futures, helped=helper is not None)
    finally:
        stop.set()
        for (c, _), thread in zip(lanes, threads, strict=True):
            if thread.is_alive():
                with contextlib.suppress(Exception):
                    c.cancel()
            if thread.ident is not None:  # started
                thread.join()
        if helper is not None:
            helper.close()
