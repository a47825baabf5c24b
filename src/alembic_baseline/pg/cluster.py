"""Local PostgreSQL clusters for scratch work: initdb, start, stop, reap, persistent ones.

``initdb --no-sync`` as an unprivileged account when we are root (initdb refuses root),
``fsync=off``, a private unix socket and no TCP unless a port is asked for. An ephemeral
cluster records its owner's pid, so one orphaned by ``kill -9`` is reaped by the next run.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from alembic_baseline import settings
from alembic_baseline.errors import ScratchError, ToolError
from alembic_baseline.pg import binaries, tools
from alembic_baseline.pg.url import DatabaseURL

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


RAM_DIR = Path("/dev/shm")
RAM_MIN_FREE_BYTES = 1 << 30


def _is_tmpfs(path: Path) -> bool:
    """Whether ``path`` is on a tmpfs (the longest matching mount point in /proc/self/mounts)."""
    try:
        mounts = Path("/proc/self/mounts").read_text()
    except OSError:
        return False
    resolved, best, fstype = path.resolve(), -1, ""
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point = Path(fields[1].replace("\\040", " "))
        if (point == resolved or point in resolved.parents) and len(point.parts) > best:
            best, fstype = len(point.parts), fields[2]
    return fstype == "tmpfs"


def ram_dir() -> Path | None:
    """``/dev/shm`` when it is a writable tmpfs with at least 1 GiB free, else None.

    A throwaway cluster keeps nothing worth a disk: in RAM, ``initdb`` and template clones do
    no file-system work a crash could care about. On a long-used ext4 disk every file a clone
    creates pays for the inodes freed by earlier scratch databases (ext4 skips recently deleted
    inodes), which made a 9 MB clone 130-160 ms instead of 8 ms (docs/benchmarks.md).
    """
    try:
        if not (RAM_DIR.is_dir() and os.access(RAM_DIR, os.W_OK | os.X_OK)):
            return None
        if shutil.disk_usage(RAM_DIR).free < RAM_MIN_FREE_BYTES:
            return None
    except OSError:
        return None
    return RAM_DIR if _is_tmpfs(RAM_DIR) else None


def scratch_root() -> Path:
    """Where new scratch clusters go.

    ``ALEMBIC_BASELINE_SCRATCH_DIR`` when set; else the temp dir when ``TMPDIR`` is set
    explicitly; else RAM (:func:`ram_dir`) when there is room; else the temp dir.
    """
    configured = settings.env("ALEMBIC_BASELINE_SCRATCH_DIR")
    if configured:
        return Path(configured)
    if not settings.env("TMPDIR"):
        ram = ram_dir()
        if ram is not None:
            return ram
    return Path(tempfile.gettempdir())


def _search_roots() -> list[Path]:
    """Where existing clusters may live: the current root first, then the other default one
    (free RAM or TMPDIR can change between two commands)."""
    roots = [scratch_root()]
    if not settings.env("ALEMBIC_BASELINE_SCRATCH_DIR"):
        for other in (RAM_DIR, Path(tempfile.gettempdir())):
            if other not in roots and other.is_dir():
                roots.append(other)
    return roots


def _user_dir(root: Path) -> Path:
    return root / f"alembic-baseline-{os.geteuid()}"


def _persistent_dir(major: int) -> Path:
    """The persistent cluster's directory: where one exists, else where a new one goes."""
    for root in _search_roots():
        candidate = _user_dir(root) / f"pg{major}"
        if (candidate / "cluster.json").exists():
            return candidate
    return _user_dir(scratch_root()) / f"pg{major}"


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
        stop_cluster(info)
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
        stop_cluster(info)
        raise
    return info


def _read_log(base: Path) -> str:
    try:
        return (base / "server.log").read_text(errors="replace")[-2000:]
    except OSError:
        return ""


def stop_cluster(info: ClusterInfo) -> None:
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
    bases = [base for root in _search_roots() for base in root.glob(f"{_EPHEMERAL_PREFIX}*")]
    for base in bases:
        try:
            owner = int((base / "owner.pid").read_text())
            info = json.loads((base / "cluster.json").read_text())
        except (OSError, ValueError):
            continue
        if owner == os.getpid() or tools.pid_alive(owner):
            continue
        stop_cluster(ClusterInfo(**info))
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
    return info if tools.pid_alive(pid) else None


def persistent_clusters() -> list[ClusterInfo]:
    dirs = {d.name for root in _search_roots() for d in _user_dir(root).glob("pg*")}
    found = []
    for d in sorted(dirs):
        with contextlib.suppress(ValueError):
            info = persistent_info(int(d[2:]))
            if info:
                found.append(info)
    return found


def start_persistent(major: int | None, port: int | None = None) -> ClusterInfo:
    installation = binaries.find_server(major)
    existing = persistent_info(installation.major)
    if existing:
        return existing
    stale = _persistent_dir(installation.major)
    if stale.exists():
        shutil.rmtree(stale)  # left over from a crash or reboot
    base = _user_dir(scratch_root()) / f"pg{installation.major}"
    base.parent.mkdir(parents=True, exist_ok=True)
    info = start_cluster(installation, base=base, port=port)
    write_state(info)
    return info


def stop_persistent(major: int) -> bool:
    base = _persistent_dir(major)
    try:
        info = ClusterInfo(**json.loads((base / "cluster.json").read_text()))
    except (OSError, ValueError, TypeError):
        if base.exists():
            shutil.rmtree(base, ignore_errors=True)
        return False
    stop_cluster(info)
    return True


# -- the one entry point ----------------------------------------------------------------------


def write_state(info: ClusterInfo) -> None:
    """Record how to find and stop the cluster again (reaping and ``scratch stop`` read it)."""
    (Path(info.base) / "cluster.json").write_text(json.dumps(asdict(info)))
