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
import json
import os
import secrets
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from alembic_baseline.errors import DatabaseError, ScratchError, ToolError
from alembic_baseline.pg import binaries, tools
from alembic_baseline.pg.connect import connect, server_version_num
from alembic_baseline.pg.url import DatabaseURL

if TYPE_CHECKING:
    import psycopg

SUPERUSER = "postgres"
MIN_FREE_BYTES = 200 * 1024 * 1024
_EPHEMERAL_PREFIX = "ab-scratch-"
_SERVER_SETTINGS = {
    "fsync": "off",
    "full_page_writes": "off",
    "synchronous_commit": "off",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "log_min_messages": "warning",
}


def _sql() -> object:
    from psycopg import sql

    return sql


def scratch_root() -> Path:
    """Where scratch clusters live (``ALEMBIC_BASELINE_SCRATCH_DIR`` or the temp dir)."""
    configured = os.environ.get("ALEMBIC_BASELINE_SCRATCH_DIR")
    return Path(configured) if configured else Path(tempfile.gettempdir())


def _persistent_dir(major: int) -> Path:
    return scratch_root() / f"alembic-baseline-{os.geteuid()}" / f"pg{major}"


class ScratchServer:
    """A server on which scratch databases can be created, cloned and dropped."""

    def __init__(self, admin_url: DatabaseURL, *, description: str) -> None:
        self.admin_url = admin_url
        self.description = description
        self._admin: psycopg.Connection[tuple[object, ...]] | None = None
        self._created: list[str] = []
        self.version_num = server_version_num(self.admin())

    @property
    def major(self) -> int:
        return self.version_num // 10000

    def admin(self) -> psycopg.Connection[tuple[object, ...]]:
        """A cached autocommit connection to the maintenance database."""
        if self._admin is None or self._admin.closed:
            self._admin = connect(self.admin_url)
        return self._admin

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
        from psycopg import sql

        name = name or self.new_name()
        conn = self.admin()
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
            self._created.append(name)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        from psycopg import sql

        conn = self.admin()
        stmt = sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name))
        if self.major >= 13:
            stmt = stmt + sql.SQL(" WITH (FORCE)")
        conn.execute(stmt)
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
        """Drop the databases this object created, then close the admin connection."""
        try:
            for name in list(reversed(self._created)):
                with contextlib.suppress(Exception):
                    self.drop_database(name)
        finally:
            if self._admin is not None:
                self._admin.close()
                self._admin = None


@dataclass(frozen=True)
class ClusterInfo:
    """What a local cluster needs to be found and stopped again (state.json of ``scratch``)."""

    major: int
    version: str
    bindir: str
    base: str
    port: int
    tcp: bool
    pid: int

    @property
    def data(self) -> Path:
        return Path(self.base) / "data"

    def admin_url(self) -> DatabaseURL:
        host = "127.0.0.1" if self.tcp else self.base
        return DatabaseURL(SUPERUSER, None, host, self.port, "postgres")


class LocalCluster(ScratchServer):
    """A PostgreSQL cluster this tool initialised; stopped and removed by :meth:`stop`."""

    def __init__(self, info: ClusterInfo, *, owned: bool) -> None:
        self.info = info
        self.owned = owned
        super().__init__(
            info.admin_url(), description=f"scratch PostgreSQL {info.version} ({info.base})"
        )

    def stop(self) -> None:
        super().close()
        _stop_cluster(self.info)

    def close(self) -> None:
        if self.owned:
            self.stop()
        else:
            super().close()


# -- cluster life cycle -----------------------------------------------------------------------


def _check_port_free(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            raise ScratchError(
                f"Port {port} on 127.0.0.1 is already in use.",
                hint="Pick another --port, or omit --port to use a private unix socket only.",
            ) from None


def _check_disk(base: Path) -> None:
    free = shutil.disk_usage(base).free
    if free < MIN_FREE_BYTES:
        raise ScratchError(
            f"Only {free // (1024 * 1024)} MB free in {base}; a scratch cluster needs about "
            f"{MIN_FREE_BYTES // (1024 * 1024)} MB.",
            hint="Free disk space, or set ALEMBIC_BASELINE_SCRATCH_DIR (or TMPDIR) to a "
            "directory on a disk with room.",
        )


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def start_cluster(
    installation: binaries.Installation,
    *,
    base: Path | None = None,
    port: int | None = None,
) -> ClusterInfo:
    """initdb + start a cluster; returns its info. Cleans up after itself when it fails."""
    account = tools.unprivileged_account()
    root = scratch_root()
    root.mkdir(parents=True, exist_ok=True)
    _check_disk(root)
    if port is not None:
        _check_port_free(port)
    if base is None:
        base = Path(tempfile.mkdtemp(prefix=_EPHEMERAL_PREFIX, dir=root))
    else:
        base.mkdir(parents=True, exist_ok=False)
    (base / "owner.pid").write_text(str(os.getpid()))
    if account is not None:
        os.chown(base, account.uid, account.gid)
    info = ClusterInfo(
        major=installation.major,
        version=installation.version,
        bindir=str(installation.bindir),
        base=str(base),
        port=port or 5432,
        tcp=port is not None,
        pid=os.getpid(),
    )
    try:
        tools.run(
            [
                installation.program("initdb"),
                "-D", info.data, "-U", SUPERUSER, "-A", "trust", "-E", "UTF8",
                "--locale=C", "--no-sync", "--no-instructions",
            ],
            what=f"initdb (PostgreSQL {installation.version})",
            run_as=account,
            timeout=120,
        )  # fmt: skip
        settings = dict(_SERVER_SETTINGS)
        settings["port"] = str(info.port)
        settings["unix_socket_directories"] = f"'{base}'"
        settings["listen_addresses"] = "'127.0.0.1'" if info.tcp else "''"
        with open(info.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("\n# alembic-baseline scratch settings\n")
            conf.writelines(f"{k} = {v}\n" for k, v in settings.items())
        tools.run(
            [installation.program("pg_ctl"), "-D", info.data, "-l", base / "server.log",
             "-w", "-t", "60", "start"],
            what=f"pg_ctl start (PostgreSQL {installation.version})",
            run_as=account,
            timeout=90,
        )  # fmt: skip
    except ToolError as exc:
        log = _read_log(base)
        _stop_cluster(info)
        if "No space left on device" in exc.message + log:
            raise ScratchError(
                f"The scratch cluster could not be created in {root}: the disk is full.",
                hint="Free space or set ALEMBIC_BASELINE_SCRATCH_DIR (or TMPDIR) elsewhere.",
            ) from None
        if "Address already in use" in log:
            raise ScratchError(
                f"The scratch server could not listen on port {info.port}: already in use.",
                hint="Pick another --port.",
            ) from None
        detail = log.strip().splitlines()[-1] if log.strip() else exc.message
        raise ScratchError(
            f"The scratch PostgreSQL {installation.version} server did not start: {detail}",
            hint=exc.hint or "Re-run with --traceback; the server log is shown above.",
        ) from None
    except BaseException:
        _stop_cluster(info)
        raise
    return info


def _read_log(base: Path) -> str:
    try:
        return (base / "server.log").read_text(errors="replace")[-2000:]
    except OSError:
        return ""


def _stop_cluster(info: ClusterInfo) -> None:
    """Stop (immediately: nothing in a scratch cluster is worth keeping) and delete."""
    pg_ctl = Path(info.bindir) / "pg_ctl"
    if (info.data / "postmaster.pid").exists():
        with contextlib.suppress(ToolError, OSError):
            tools.run(
                [pg_ctl, "-D", info.data, "-m", "immediate", "-w", "-t", "30", "stop"],
                what="pg_ctl stop",
                run_as=tools.unprivileged_account(),
                timeout=60,
            )
    shutil.rmtree(info.base, ignore_errors=True)


def reap_orphans() -> int:
    """Stop and delete ephemeral clusters whose owning process is gone (killed with -9)."""
    reaped = 0
    root = scratch_root()
    for base in root.glob(f"{_EPHEMERAL_PREFIX}*"):
        try:
            owner = int((base / "owner.pid").read_text())
            info = json.loads((base / "cluster.json").read_text())
        except (OSError, ValueError):
            continue
        if owner == os.getpid() or _pid_alive(owner):
            continue
        _stop_cluster(ClusterInfo(**info))
        reaped += 1
    return reaped


# -- persistent clusters (``alembic-baseline scratch start``) ---------------------------------


def persistent_info(major: int) -> ClusterInfo | None:
    """The running persistent cluster of ``major``, if any."""
    state = _persistent_dir(major) / "cluster.json"
    try:
        info = ClusterInfo(**json.loads(state.read_text()))
    except (OSError, ValueError, TypeError):
        return None
    pidfile = info.data / "postmaster.pid"
    try:
        pid = int(pidfile.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return info if _pid_alive(pid) else None


def persistent_clusters() -> list[ClusterInfo]:
    base = scratch_root() / f"alembic-baseline-{os.geteuid()}"
    found = []
    for d in sorted(base.glob("pg*")) if base.is_dir() else []:
        with contextlib.suppress(ValueError):
            info = persistent_info(int(d.name[2:]))
            if info:
                found.append(info)
    return found


def start_persistent(major: int | None, port: int | None = None) -> ClusterInfo:
    installation = binaries.find_server(major)
    existing = persistent_info(installation.major)
    if existing:
        return existing
    base = _persistent_dir(installation.major)
    if base.exists():
        shutil.rmtree(base)  # left over from a crash or reboot
    base.parent.mkdir(parents=True, exist_ok=True)
    info = start_cluster(installation, base=base, port=port)
    (base / "cluster.json").write_text(json.dumps(asdict(info)))
    return info


def stop_persistent(major: int) -> bool:
    base = _persistent_dir(major)
    try:
        info = ClusterInfo(**json.loads((base / "cluster.json").read_text()))
    except (OSError, ValueError, TypeError):
        if base.exists():
            shutil.rmtree(base, ignore_errors=True)
        return False
    _stop_cluster(info)
    return True


# -- the one entry point ----------------------------------------------------------------------

_LIVE: list[LocalCluster] = []


def _stop_all_at_exit() -> None:
    for cluster in list(_LIVE):
        with contextlib.suppress(Exception):
            cluster.stop()


atexit.register(_stop_all_at_exit)


def open_server(*, major: int | None = None, scratch_url: str | None = None) -> ScratchServer:
    """Provide a scratch server; the caller must ``close()`` it (see :func:`scratch_server`)."""
    scratch_url = scratch_url or os.environ.get("ALEMBIC_BASELINE_SCRATCH_URL") or None
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
    persistent = persistent_info(installation.major)
    if persistent is not None:
        return LocalCluster(persistent, owned=False)
    reap_orphans()
    info = start_cluster(installation)
    (Path(info.base) / "cluster.json").write_text(json.dumps(asdict(info)))
    try:
        cluster = LocalCluster(info, owned=True)
    except BaseException:
        _stop_cluster(info)
        raise
    _LIVE.append(cluster)
    return cluster


@contextlib.contextmanager
def scratch_server(
    *, major: int | None = None, scratch_url: str | None = None
) -> Iterator[ScratchServer]:
    """``with scratch_server(major=16) as server: url = server.create_database()``."""
    server = open_server(major=major, scratch_url=scratch_url)
    try:
        yield server
    finally:
        server.close()
        if isinstance(server, LocalCluster) and server in _LIVE:
            _LIVE.remove(server)


@contextlib.contextmanager
def use_server(
    existing: ScratchServer | None, *, major: int | None = None, scratch_url: str | None = None
) -> Iterator[ScratchServer]:
    """``existing`` when given and of the right major (left open), else a new scratch server."""
    if existing is not None and (major is None or existing.major == major):
        yield existing
        return
    with scratch_server(major=major, scratch_url=scratch_url) as server:
        yield server


def wait_ready(url: DatabaseURL, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            connect(url).close()
            return
        except DatabaseError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
