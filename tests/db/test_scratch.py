"""Throwaway clusters: unprivileged, private socket, clones, always cleaned up, clear errors."""

from __future__ import annotations

import io
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from alembic_baseline.cli import main
from alembic_baseline.errors import ScratchError
from alembic_baseline.pg import binaries, cluster, scratch
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.scratch import ScratchServer, scratch_server


@pytest.fixture
def scratch_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep this test's clusters (and its persistent-server state) in a private directory."""
    short = Path("/tmp") / f"abt-{os.getpid()}-{tmp_path.name[-6:]}"  # socket paths stay short
    short.mkdir()
    monkeypatch.setenv("ALEMBIC_BASELINE_SCRATCH_DIR", str(short))
    yield short
    for major in binaries.majors():
        cluster.stop_persistent(major)
    import shutil

    shutil.rmtree(short, ignore_errors=True)


def _postmaster_pid(base: Path) -> int:
    return int((base / "data" / "postmaster.pid").read_text().split()[0])


def _alive(pid: int, wait: float = 0.0) -> bool:
    """Whether ``pid`` still runs (a zombie counts as gone), after waiting up to ``wait`` s."""
    deadline = time.monotonic() + wait
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return False
        if state == "Z":
            return False
        if time.monotonic() >= deadline:
            return True
        time.sleep(0.05)


def test_cluster_is_unprivileged_private_and_removed(scratch_dir: Path) -> None:
    major = binaries.majors()[-1]
    with scratch_server(major=major) as server:
        assert isinstance(server, scratch.LocalCluster)
        base = Path(server.info.base)
        pid = _postmaster_pid(base)
        owner = pwd.getpwuid(os.stat(f"/proc/{pid}").st_uid).pw_name
        if os.geteuid() == 0:
            assert owner != "root"  # initdb refuses root: the server runs as an unprivileged user
        with connection(server.admin_url) as conn:
            settings = dict(
                conn.execute(
                    "SELECT name, setting FROM pg_settings "
                    "WHERE name IN ('fsync', 'listen_addresses')"
                ).fetchall()
            )
        assert settings == {"fsync": "off", "listen_addresses": ""}
        assert server.major == major
    assert not base.exists()
    assert not _alive(pid, wait=10)


def test_error_inside_context_still_cleans_up(scratch_dir: Path) -> None:
    bases: list[Path] = []
    with pytest.raises(RuntimeError), scratch_server() as server:
        assert isinstance(server, scratch.LocalCluster)
        bases.append(Path(server.info.base))
        raise RuntimeError("boom")
    assert not bases[0].exists()


def test_template_clone_copies_schema_and_rows(pg: ScratchServer) -> None:
    src = pg.create_database()
    with connection(src) as conn:
        conn.execute("CREATE TABLE lots (id int PRIMARY KEY, code text)")
        conn.execute("INSERT INTO lots VALUES (1, 'L-1'), (2, 'L-2')")
    start = time.perf_counter()
    clone = pg.create_database(template=src.database)
    elapsed = time.perf_counter() - start
    with connection(clone) as conn:
        assert conn.execute("SELECT count(*) FROM lots").fetchone() == (2,)
    assert elapsed < 2.0
    pg.drop_database(clone.database)
    pg.drop_database(src.database)
    assert not pg.database_exists(src.database)


def test_clone_while_template_is_in_use(pg_default: ScratchServer) -> None:
    src = pg_default.create_database()
    with connection(src) as busy:  # an open session on the template must not block the clone
        busy.execute("SELECT 1")
        clone = pg_default.create_database(template=src.database)
    assert pg_default.database_exists(clone.database)


def test_scratch_url_server_drops_only_what_it_created(pg_default: ScratchServer) -> None:
    keep = pg_default.create_database()
    external = scratch.open_server(scratch_url=pg_default.admin_url.render())
    made = external.create_database()
    assert external.database_exists(made.database)
    external.close()
    assert not pg_default.database_exists(made.database)
    assert pg_default.database_exists(keep.database)


def test_a_database_created_in_the_background_never_outlives_its_server(
    pg_default: ScratchServer,
) -> None:
    external = scratch.open_server(scratch_url=pg_default.admin_url.render())
    asked = external.create_database_soon(external.new_name("soon"))
    unasked = external.new_name("soon")
    external.create_database_soon(unasked)  # nobody waits for this one
    made = asked.result(timeout=60)
    assert pg_default.database_exists(made.database)
    external.close()  # at once: the second CREATE DATABASE may still be running
    assert not [t for t in threading.enumerate() if t.name == "ab-scratch-create"]
    assert not pg_default.database_exists(made.database)
    assert not pg_default.database_exists(unasked)


def test_scratch_url_of_wrong_major_is_refused(pg_default: ScratchServer) -> None:
    with pytest.raises(ScratchError, match="is needed"):
        scratch.open_server(major=pg_default.major - 1, scratch_url=pg_default.admin_url.render())


def test_missing_major_says_what_exists() -> None:
    with pytest.raises(ScratchError) as info:
        scratch.open_server(major=9)
    assert "found:" in info.value.message
    assert info.value.hint and "--scratch-url" in info.value.hint


def test_port_in_use_is_a_clear_error(scratch_dir: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ScratchError, match=f"Port {port}"):
            cluster.start_persistent(None, port=port)


def test_disk_without_room_is_refused_before_initdb(
    scratch_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cluster, "MIN_FREE_BYTES", 1 << 62)
    with pytest.raises(ScratchError) as info:
        scratch.open_server()
    assert "free" in info.value.message
    assert info.value.hint and "ALEMBIC_BASELINE_SCRATCH_DIR" in info.value.hint
    assert not list(scratch_dir.glob("ab-scratch-*"))


_CHILD = """
import sys, time
from alembic_baseline.pg.scratch import scratch_server
with scratch_server() as s:
    print(s.info.base, flush=True)
    time.sleep(60)
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_interrupted_or_killed_process_leaves_nothing_running(
    scratch_dir: Path, sig: signal.Signals
) -> None:
    child = subprocess.Popen([sys.executable, "-c", _CHILD], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    base = Path(child.stdout.readline().strip())
    pid = _postmaster_pid(base)
    child.send_signal(sig)
    child.wait(timeout=30)
    if sig == signal.SIGKILL:
        assert _alive(pid)  # nobody could clean up a SIGKILL...
        with scratch_server():  # ...so the next run reaps the orphan
            pass
    assert not _alive(pid, wait=10)
    assert not base.exists()


def test_persistent_server_through_the_cli(scratch_dir: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main(["scratch", "start"], out, err) == 0, err.getvalue()
    url_out = io.StringIO()
    assert main(["scratch", "url"], url_out, err) == 0
    url = url_out.getvalue().strip()
    assert url.startswith("postgresql+psycopg://postgres@/postgres?host=")
    # a command needing a scratch server reuses the running one instead of starting its own
    with scratch_server() as server:
        assert isinstance(server, scratch.LocalCluster) and not server.owned
        made = server.create_database()
    assert not server.database_exists(made.database)  # its databases are still dropped
    status = io.StringIO()
    assert main(["--json", "scratch", "status"], status, err) == 0
    assert '"running"' in status.getvalue() and url.split("host=")[1].split("&")[0] in (
        status.getvalue()
    )
    assert main(["scratch", "stop"], io.StringIO(), err) == 0
    assert main(["scratch", "url"], io.StringIO(), err) == 2
    assert "scratch start" in err.getvalue()


@pytest.fixture
def default_roots(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Path]]:
    """The default roots (RAM and the temp dir), redirected to private directories."""
    if not cluster._is_tmpfs(Path("/dev/shm")):
        pytest.skip("/dev/shm is not a tmpfs on this machine")
    ram = Path("/dev/shm") / f"abt-{os.getpid()}-ram"
    disk = Path("/tmp") / f"abt-{os.getpid()}-disk"
    ram.mkdir()
    disk.mkdir()
    monkeypatch.delenv("ALEMBIC_BASELINE_SCRATCH_DIR", raising=False)
    monkeypatch.delenv("TMPDIR", raising=False)
    monkeypatch.setattr(cluster, "RAM_DIR", ram)
    monkeypatch.setattr(tempfile, "tempdir", str(disk))
    yield ram, disk
    for major in binaries.majors():
        cluster.stop_persistent(major)
    shutil.rmtree(ram, ignore_errors=True)
    shutil.rmtree(disk, ignore_errors=True)


def test_clusters_live_in_ram_by_default(default_roots: tuple[Path, Path]) -> None:
    ram, disk = default_roots
    with scratch_server() as server:
        assert isinstance(server, scratch.LocalCluster)
        assert Path(server.info.base).parent == ram
        data = server.admin().execute("SHOW data_directory").fetchone()
        assert data is not None and str(data[0]).startswith(str(ram))
    assert not list(ram.glob("ab-scratch-*")) and not list(disk.glob("ab-scratch-*"))


def test_persistent_server_is_found_when_the_default_root_changed(
    default_roots: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    ram, disk = default_roots
    monkeypatch.setenv("TMPDIR", str(disk))  # started while TMPDIR pointed at the disk
    started = cluster.start_persistent(None)
    assert Path(started.base).is_relative_to(disk)
    monkeypatch.delenv("TMPDIR")  # a later command runs without it: new clusters go to RAM
    assert cluster.scratch_root() == ram
    assert cluster.start_persistent(started.major) == started  # found, not started twice
    assert [i.base for i in cluster.persistent_clusters()] == [started.base]
    with scratch_server(major=started.major) as server:
        assert isinstance(server, scratch.LocalCluster) and not server.owned
    out, err = io.StringIO(), io.StringIO()
    assert main(["scratch", "stop", "--major", str(started.major)], out, err) == 0, err.getvalue()
    assert cluster.persistent_info(started.major) is None
    assert not Path(started.base).exists()
