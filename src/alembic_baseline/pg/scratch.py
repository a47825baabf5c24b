"""Throwaway PostgreSQL: one place that hands every feature a server and scratch databases.

Where the server comes from, in order:

1. ``--scratch-url`` (or ``ALEMBIC_BASELINE_SCRATCH_URL``): an existing server on which the tool may
   create and drop databases; only the databases it created are dropped.
2. A persistent scratch cluster of the wanted major started by ``alembic-baseline scratch start``.
3. A fresh local cluster: binaries of the wanted major from :mod:`binaries`, ``initdb --no-sync``
   as an unprivileged account when we are root, ``fsync=off``, a private unix socket and no TCP.
   It is stopped and deleted when the context exits — on success, error, Ctrl-C or SIGTERM — and
   a cluster orphaned by a killed process is reaped by the next run.
"""

from __future__ import annotations

import atexit
import contextlib
import secrets
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from alembic_baseline import settings
from alembic_baseline.errors import DatabaseError, ScratchError
from alembic_baseline.pg import binaries
from alembic_baseline.pg import cluster as clusters
from alembic_baseline.pg.connect import connect
from alembic_baseline.pg.server import server_version
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.pg.waits import Waits

if TYPE_CHECKING:
    import psycopg

_T = TypeVar("_T")


class ScratchServer:
    """A server on which scratch databases can be created, cloned and dropped."""

    def __init__(self, admin_url: DatabaseURL, *, description: str) -> None:
        self.admin_url = admin_url
        self.description = description
        self._admin: psycopg.Connection[tuple[object, ...]] | None = None
        self._created: list[str] = []
        self._lock = threading.Lock()  # _created, _admin and _soon, shared with _soon's threads
        self._soon: list[_Soon[Any]] = []
        self.version_num = server_version(self.admin()).num

    @property
    def major(self) -> int:
        return self.version_num // 10000

    def admin(self) -> psycopg.Connection[tuple[object, ...]]:
        """A cached autocommit connection to the maintenance database (of the calling thread:
        :meth:`create_database_soon`'s thread has its own)."""
        with self._lock:
            if self._admin is None or self._admin.closed:
                self._admin = self._connect()
            return self._admin

    def _connect(self) -> psycopg.Connection[tuple[object, ...]]:
        # A private server: CREATE DATABASE of a large template may take long.
        return connect(self.admin_url, waits=Waits(statement_timeout="0"))

    def url(self, database: str) -> DatabaseURL:
        return self.admin_url.with_database(database)

    def new_name(self, purpose: str = "db") -> str:
        return f"ab_{purpose}_{secrets.token_hex(4)}"

    def create_database(
        self, name: str | None = None, *, template: str | None = None, keep: bool = False
    ) -> DatabaseURL:
        """Create (or, with ``template``, clone) a database and return its URL.

        Databases are dropped by :meth:`close` unless ``keep`` (cached replay templates on a
        persistent scratch server survive between commands).
        """
        return self._create(self.admin(), name or self.new_name(), template, keep)

    def create_database_soon(self, name: str | None = None) -> Future[DatabaseURL]:
        """:meth:`create_database` on a thread (and a connection) of its own, so that the server
        works while the caller does. :meth:`close` waits for it and drops the database, also
        when nobody asked for the result: no thread or database outlives this object."""
        name = name or self.new_name()
        return self._start(_Soon(self, name, lambda conn: self._create(conn, name, None, False)))

    def drop_database_soon(self, name: str) -> Future[None]:
        """:meth:`drop_database` on a thread (and a connection) of its own: a DROP DATABASE
        waits for a checkpoint of the server, which need not hold the caller up. :meth:`close`
        waits for it (and drops the database itself if this failed)."""
        return self._start(_Soon(self, name, lambda conn: self._drop(conn, name), "drop"))

    def _start(self, soon: _Soon[_T]) -> Future[_T]:
        with self._lock:
            self._soon.append(soon)
        soon.thread.start()
        return soon.future

    def _create(
        self,
        conn: psycopg.Connection[tuple[object, ...]],
        name: str,
        template: str | None,
        keep: bool,
    ) -> DatabaseURL:
        from psycopg import sql

        stmt = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            # A template must have no other connections while it is copied.
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (template,),
            )
            stmt = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
            if self.major >= 15:
                # FILE_COPY is the fastest way to clone a small database (WAL_LOG writes it all).
                stmt = stmt + sql.SQL(" STRATEGY FILE_COPY")
        else:
            stmt = stmt + sql.SQL(" TEMPLATE template0 ENCODING 'UTF8'")
        try:
            conn.execute(stmt)
        except Exception as exc:  # psycopg.Error, kept generic to avoid importing at module load
            raise DatabaseError(
                f"Could not create scratch database {name!r} on {self.description}: {exc}",
                hint="Check that the scratch server's user may CREATE DATABASE and that the "
                "template exists and is not in use.",
            ) from None
        if not keep:
            with self._lock:
                self._created.append(name)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self._drop(self.admin(), name)

    def _drop(self, conn: psycopg.Connection[tuple[object, ...]], name: str) -> None:
        from psycopg import sql

        stmt = sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name))
        if self.major >= 13:
            stmt = stmt + sql.SQL(" WITH (FORCE)")
        conn.execute(stmt)
        with self._lock:
            if name in self._created:
                self._created.remove(name)

    def rename_database(self, old: str, new: str, *, keep: bool = False) -> DatabaseURL:
        """Rename a database (its sessions are ended first); ``keep`` exempts it from close()."""
        from psycopg import sql

        conn = self.admin()
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (old,),
        )
        conn.execute(
            sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                sql.Identifier(old), sql.Identifier(new)
            )
        )
        if old in self._created:
            self._created.remove(old)
        if not keep:
            self._created.append(new)
        return self.url(new)

    def database_exists(self, name: str) -> bool:
        row = (
            self.admin().execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        )
        return row is not None

    def close(self) -> None:
        """Wait for the threads of :meth:`create_database_soon` and :meth:`drop_database_soon`,
        drop the databases this object created (at the same time: each DROP waits for a
        checkpoint), then close the admin connection."""
        try:
            self._settle()
            with self._lock:
                left = list(reversed(self._created))
            if len(left) == 1:
                with contextlib.suppress(Exception):
                    self.drop_database(left[0])
            elif left:
                for name in left:
                    self.drop_database_soon(name)
                self._settle()
                with self._lock:
                    left = list(self._created)
                for name in left:  # a background DROP that failed: once more, here
                    with contextlib.suppress(Exception):
                        self.drop_database(name)
        finally:
            with self._lock:
                admin, self._admin = self._admin, None
            if admin is not None:
                admin.close()

    def _settle(self) -> None:
        """Each pending background CREATE or DROP DATABASE finished (cancelled after SETTLE_S)."""
        with self._lock:
            pending, self._soon = self._soon, []
        for soon in pending:
            soon.thread.join(SETTLE_S)
            if soon.thread.is_alive():
                soon.cancel()
                soon.thread.join(SETTLE_S)


SETTLE_S = 10.0
"""How long :meth:`ScratchServer.close` waits for a background CREATE or DROP DATABASE before it
cancels it (and again after cancelling: the server answers a cancel at once)."""


class _Soon(Generic[_T]):
    """One background CREATE or DROP DATABASE: its thread, its connection's backend, its
    result."""

    def __init__(
        self,
        server: ScratchServer,
        name: str,
        work: Callable[[psycopg.Connection[tuple[object, ...]]], _T],
        what: str = "create",
    ) -> None:
        self.server = server
        self.name = name
        self.work = work
        self.future: Future[_T] = Future()
        self.backend: int | None = None
        self.thread = threading.Thread(target=self._run, name=f"ab-scratch-{what}", daemon=True)

    def _run(self) -> None:
        if not self.future.set_running_or_notify_cancel():
            return
        try:
            with contextlib.closing(self.server._connect()) as conn:
                self.backend = conn.info.backend_pid
                result = self.work(conn)
        except BaseException as exc:
            self.future.set_exception(exc)
        else:
            self.future.set_result(result)

    def cancel(self) -> None:
        """Cancel the statement from the server side (never from this thread through the other
        thread's libpq connection, which that thread may be closing)."""
        if self.backend is not None:
            with contextlib.suppress(Exception):
                self.server.admin().execute("SELECT pg_cancel_backend(%s)", (self.backend,))


class LocalCluster(ScratchServer):
    """A PostgreSQL cluster this tool initialised; stopped and removed by :meth:`stop`."""

    def __init__(self, info: clusters.ClusterInfo, *, owned: bool) -> None:
        self.info = info
        self.owned = owned
        super().__init__(
            info.admin_url(), description=f"scratch PostgreSQL {info.version} ({info.base})"
        )

    def stop(self) -> None:
        super().close()
        clusters.stop_cluster(self.info)

    def close(self) -> None:
        if self.owned:
            self.stop()
        else:
            super().close()


# -- cluster life cycle -----------------------------------------------------------------------


_LIVE: list[LocalCluster] = []


def _stop_all_at_exit() -> None:
    for cluster in list(_LIVE):
        with contextlib.suppress(Exception):
            cluster.stop()


atexit.register(_stop_all_at_exit)


def open_server(*, major: int | None = None, scratch_url: str | None = None) -> ScratchServer:
    """Provide a scratch server; the caller must ``close()`` it (see :func:`scratch_server`)."""
    scratch_url = scratch_url or settings.env("ALEMBIC_BASELINE_SCRATCH_URL") or None
    if scratch_url:
        url = DatabaseURL.parse(scratch_url)
        server = ScratchServer(url, description=f"scratch server {url.redacted}")
        if major is not None and server.major != major:
            server.close()
            raise ScratchError(
                f"The scratch server {url.redacted} runs PostgreSQL {server.major}, "
                f"but PostgreSQL {major} is needed.",
                hint=f"Pass a --scratch-url of a PostgreSQL {major} server, or omit it to "
                "start a local one.",
            )
        return server
    installation = binaries.find_server(major)
    persistent = clusters.persistent_info(installation.major)
    if persistent is not None:
        return LocalCluster(persistent, owned=False)
    clusters.reap_orphans()
    info = clusters.start_cluster(installation)
    clusters.write_state(info)
    try:
        cluster = LocalCluster(info, owned=True)
    except BaseException:
        clusters.stop_cluster(info)
        raise
    _LIVE.append(cluster)
    return cluster


def _close(server: ScratchServer) -> None:
    server.close()
    if isinstance(server, LocalCluster) and server in _LIVE:
        _LIVE.remove(server)


@contextlib.contextmanager
def scratch_server(
    *, major: int | None = None, scratch_url: str | None = None
) -> Iterator[ScratchServer]:
    """``with scratch_server(major=16) as server: url = server.create_database()``."""
    server = open_server(major=major, scratch_url=scratch_url)
    try:
        yield server
    finally:
        _close(server)


@contextlib.contextmanager
def scratch_server_soon(
    *,
    major: int | None = None,
    scratch_url: str | None = None,
    then: Callable[[ScratchServer], object] | None = None,
) -> Iterator[Future[ScratchServer]]:
    """:func:`scratch_server` opened on a thread of its own, so that a cold start (initdb, the
    server's start) or the look-up of a running one happens while the caller loads its project.
    ``result()`` gives the server, or raises what opening it raised. ``then(server)`` runs on
    that thread before the server is handed over (e.g. to have it create databases at once,
    with :meth:`ScratchServer.create_database_soon`). On exit — also on an error or an
    interrupt of the caller — the opening is waited for and the server closed (a cluster
    started here is stopped): nothing outlives the context."""
    future: Future[ScratchServer] = Future()

    def run() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            server = open_server(major=major, scratch_url=scratch_url)
        except BaseException as exc:  # handed to whoever asks for the server
            future.set_exception(exc)
            return
        try:
            if then is not None:
                then(server)
        except BaseException as exc:
            _close(server)
            future.set_exception(exc)
        else:
            future.set_result(server)

    thread = threading.Thread(target=run, name="ab-scratch-open", daemon=True)
    thread.start()
    try:
        yield future
    finally:
        thread.join()
        if future.exception() is None:
            _close(future.result())


class Scratch:
    """The scratch entry point of a feature: a server of ``major`` (None: the newest), started
    on first use only (a warm cache needs none). ``server``: one the caller already holds, used
    when its major is the one wanted and left open; otherwise one is opened, and closed on exit.
    """

    def __init__(
        self, major: int | None, scratch_url: str | None = None, server: ScratchServer | None = None
    ) -> None:
        self.major = major
        self.scratch_url = scratch_url
        fits = server is not None and (major is None or server.major == major)
        self._given = server if fits else None
        self._server = self._given

    def server(self) -> ScratchServer:
        if self._server is None:
            self._server = open_server(major=self.major, scratch_url=self.scratch_url)
        return self._server

    def wanted_major(self) -> int:
        """``major``, or that of the server used when none was asked for."""
        return self.major if self.major is not None else self.server().major

    def close(self) -> None:
        server, self._server = self._server, self._given
        if server is not None and server is not self._given:
            _close(server)

    def __enter__(self) -> Scratch:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
