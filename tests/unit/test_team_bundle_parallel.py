"""``bundle``'s rollback helper process (team/forked.py): the same files as without it, its
failures in one paragraph with an exit code, and no process left behind (Ctrl-C included)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from alembic_baseline.errors import BaselineError, ConfigError, ExitCode
from alembic_baseline.team import bundle as team_bundle
from alembic_baseline.team import forked
from tests.helpers.projects import FIXTURES, add_revision, cli, copy_project, project

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork on this platform")

LINEAR = [
    ("4d5e6f7a8b9c", "op.execute('CREATE VIEW customer_emails AS SELECT id, email FROM customers')",
     "op.execute('DROP VIEW customer_emails')"),
    ("5e6f7a8b9c0d", "op.alter_column('customers', 'note', new_column_name='remark')", "pass"),
    ("6f7a8b9c0d1e", "op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True))",
     "op.drop_table('orders')"),
]  # fmt: skip
HEAD = LINEAR[-1][0]
BRANCH = "9b8a7f6e5d4c"  # a second branch from the mini project's head, HEAD depends on
OTHER = "8c7b6a5f4e3d"  # and a third, independent


def grown(tmp_path: Path, *, branch: bool = False, downgrade: str = "") -> Path:
    ini = copy_project(FIXTURES / "mini", tmp_path / "proj")
    versions = ini.parent / "migrations" / "versions"
    down = "3c4d5e6f7a8b"
    for rev, up, undo in LINEAR:
        add_revision(versions, rev, down, up, downgrade if rev == HEAD and downgrade else undo)
        down = rev
    if branch:  # and the head depends on it: the version table ends with both
        add_revision(versions, BRANCH, "3c4d5e6f7a8b", "op.execute('SELECT 1')", "pass")
        head = versions / f"{HEAD}_added_in_test.py"
        text = head.read_text().replace("depends_on = None", f'depends_on = "{BRANCH}"')
        head.write_text(text)
        add_revision(versions, OTHER, "3c4d5e6f7a8b", "op.execute('SELECT 2')", "pass")
    return ini


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


_OTHERS: set[int] = set()


def children() -> list[int]:
    """This process's child processes (Linux: /proc), zombies included, but for those other
    tests of the session left (a process pool's idle workers)."""
    while True:  # a thread that ends while its tasks are read (a watcher's): read them again
        found: list[int] = []
        try:
            for task in Path(f"/proc/{os.getpid()}/task").iterdir():
                found += [int(pid) for pid in (task / "children").read_text().split()]
        except FileNotFoundError:  # (its children are handed to another thread)
            continue
        return [pid for pid in found if pid not in _OTHERS]


@pytest.fixture(autouse=True)
def _others() -> None:
    _OTHERS.clear()
    _OTHERS.update(children())


@pytest.fixture
def helpers(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The helpers bundle starts, recorded with whether their result was used. The command
    forks only while it runs one thread; the test session may run others (idle server
    watchers), so that check is bypassed here (test_the_helper_needs_one_thread covers it)."""
    started: list[Any] = []
    real = forked.Helper

    class Recorded(real):  # type: ignore[misc,valid-type]
        used = False

        def result(self) -> Any:
            self.used = True
            return super().result()

    def record(*args: Any, **kwargs: Any) -> Any:
        helper = Recorded(*args, **kwargs)
        started.append(helper)
        return helper

    monkeypatch.setattr(forked, "Helper", record)
    monkeypatch.setattr(forked, "available", lambda: True)
    return started


def test_the_helper_needs_one_thread() -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    before = forked.available()
    other.start()
    try:
        assert not forked.available()
    finally:
        stop.set()
        other.join()
    assert forked.available() == before


@pytest.mark.parametrize(
    ("revision_range", "branch", "helped"),
    [
        ("base:head", False, "used"),
        ("2b3c4d5e6f7a:" + HEAD, False, "used"),
        ("base:5e6f7a8b9c0d", False, "used"),
        (f"base:{HEAD}", True, "used"),  # a dependency on another branch
        # the helper assumed another end (never seen for a target naming one revision, so
        # forced here): it is stopped and the rollback rendered again, as without it
        ("base:head", False, "stopped"),
        ("base:heads", True, None),  # several revisions named: no helper
    ],
)
def test_the_helper_writes_the_same_bundle(
    tmp_path: Path,
    revision_range: str,
    branch: bool,
    helped: str | None,
    helpers: list[Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ini = grown(tmp_path, branch=branch)
    if helped == "stopped":
        monkeypatch.setattr(team_bundle, "_guess_end", lambda project, target: "5e6f7a8b9c0d")

    def lint() -> str:
        return "# lint\n"

    one = team_bundle.build(project(ini), revision_range, tmp_path / "seq", lint, parallel=False)
    assert helpers == []
    two = team_bundle.build(project(ini), revision_range, tmp_path / "par", lint, parallel=True)
    rollbacks = [h for h in helpers if h.what == "rendering the rollback"]
    assert [h.what for h in helpers if h not in rollbacks] == ["running lint"]
    assert len(rollbacks) == (helped is not None) and children() == []
    if rollbacks:  # its files used, or it was stopped when it guessed wrong
        assert rollbacks[0].used == (helped == "used") and rollbacks[0].pid is None
    assert tree(tmp_path / "seq") == tree(tmp_path / "par")
    assert {**one.__dict__, "directory": None} == {**two.__dict__, "directory": None}
    assert (tmp_path / "par" / "rollback" / "rollback.sql").exists() == bool(one.rollback)
    assert branch or one.rollback  # with two heads the rollback is listed as not rendered


def test_the_helper_is_stopped_when_the_upgrade_is_incomplete(
    tmp_path: Path, helpers: list[Any]
) -> None:
    ini = grown(tmp_path)
    versions = ini.parent / "migrations" / "versions"
    reads = 'op.get_bind().execute(sa.text("SELECT 1")).scalar()'
    add_revision(versions, "7a8b9c0d1e2f", HEAD, reads, "pass")
    result = team_bundle.build(project(ini), "base:7a8b9c0d1e2f", tmp_path / "b", None)
    assert [h.what for h in helpers] == ["rendering the rollback"]
    assert helpers[0].pid is None and children() == []
    assert result.missing and not result.rollback
    assert not (tmp_path / "b" / "rollback").exists()


def test_a_helper_that_dies_is_one_paragraph_and_nothing_is_written(
    tmp_path: Path, helpers: list[Any]
) -> None:
    """The rollback's rendering kills its process (as the out-of-memory killer would)."""
    ini = grown(tmp_path, downgrade="import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    out = tmp_path / "b"
    code, _, stderr = cli("-c", str(ini), "bundle", "base:head", "-o", str(out), "--no-lint")
    assert code == ExitCode.USAGE
    assert "helper process rendering the rollback was killed by signal 9" in stderr
    assert "--no-rollback" in stderr and "Traceback" not in stderr
    assert not out.exists() and children() == [] and len(helpers) == 1  # --no-lint


def test_lint_in_its_helper_fails_first_as_before(tmp_path: Path, helpers: list[Any]) -> None:
    """Lint runs in a helper while the upgrade renders; its error still comes first (before the
    rendering's own), and nothing is written."""
    ini = grown(tmp_path)

    def lint() -> str:
        raise ConfigError("lint cannot run", hint="fix lint")

    out = tmp_path / "b"
    with pytest.raises(ConfigError, match="lint cannot run"):
        team_bundle.build(project(ini), "base:head", out, lint)
    with pytest.raises(ConfigError, match="lint cannot run"):  # a range that holds nothing
        team_bundle.build(project(ini), f"{HEAD}:{HEAD}", out, lint)
    with pytest.raises(ConfigError, match="lint cannot run"):  # the rendering raises
        team_bundle.build(project(ini), "base:ffffffffffff", out, lint)
    assert not out.exists() and children() == []
    assert "running lint" in [h.what for h in helpers]
    with pytest.raises(ConfigError, match="holds no revision"):  # lint fine: the range's error
        team_bundle.build(project(ini), f"{HEAD}:{HEAD}", out, lambda: "# lint\n")


def _boom() -> None:
    raise ConfigError("the rollback cannot render", hint="do this")


class Unpicklable(Exception):
    def __reduce__(self) -> Any:
        raise TypeError("no")


def _unpicklable() -> None:
    raise Unpicklable("odd")


def test_helper_answers_and_its_errors_are_raised_in_the_parent() -> None:
    with forked.Helper("adding", lambda: 40, lambda state, n: state + n) as helper:
        helper.ready()
        helper.go(2)
        assert helper.result() == 42
    assert helper.pid is None and children() == []

    def failing(prepare: Callable[[], None]) -> BaselineError:
        with (
            forked.Helper("failing", prepare, lambda s, a: None) as helper,
            pytest.raises(BaselineError) as caught,
        ):
            helper.ready()
        assert children() == []
        return caught.value

    error = failing(_boom)
    assert type(error) is ConfigError and error.hint == "do this"
    assert str(failing(_unpicklable)) == "Unpicklable: odd"

    def finish(state: None, arg: str) -> None:
        raise ConfigError(arg)

    with forked.Helper("finishing", lambda: None, finish) as helper:
        helper.ready()
        helper.go("late")
        with pytest.raises(ConfigError, match="late"):
            helper.result()
    assert children() == []


def test_a_helper_left_waiting_is_ended() -> None:
    with forked.Helper("waiting", lambda: None, lambda s, a: time.sleep(60)) as helper:
        helper.ready()
        pid = helper.pid
        assert pid is not None and children() == [pid]
    assert helper.pid is None and children() == []


def test_an_interrupt_before_the_caller_holds_the_helper_still_ends_it() -> None:
    # Ctrl-C landing after the helper is made but before the caller's `with` / enter_context
    # (the window left by the fork fix): with the caller's stack given, the helper is already
    # in it, and the stack's unwinding stops the child
    with pytest.raises(KeyboardInterrupt), contextlib.ExitStack() as stack:
        helper = forked.Helper("waiting", lambda: None, lambda s, a: time.sleep(60), stack=stack)
        assert helper.pid is not None and children() == [helper.pid]
        raise KeyboardInterrupt
    assert helper.pid is None and children() == []


def test_an_interrupt_right_after_the_fork_ends_the_helper() -> None:
    """Ctrl-C (or SIGTERM) landing in the parent between ``fork()`` and the helper being known
    (under load that window can last): the helper is ended and reaped before the interrupt goes
    on — it was left running, and the caller never stopped it. In a new process: a helper is
    forked only from a process running one thread (as the tool's commands do), which a pytest
    worker is not."""
    program = (
        "import os, signal, sys, time\n"
        "from alembic_baseline.team import forked\n"
        "real_fork = os.fork\n"
        "def fork_then_interrupted():\n"
        "    pid = real_fork()\n"
        "    if pid:\n"
        "        os.kill(os.getpid(), signal.SIGINT)\n"
        "    return pid\n"
        "os.fork = fork_then_interrupted\n"
        "try:\n"
        "    forked.Helper('interrupted', lambda: time.sleep(30), lambda s, a: None)\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted')\n"
        "listing = f'/proc/{os.getpid()}/task/{os.getpid()}/children'\n"
        "print(repr(open(listing).read().strip()))\n"
        "print(signal.pthread_sigmask(signal.SIG_BLOCK, set()) == set())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60
    )
    assert done.stdout.split("\n")[:3] == ["interrupted", "''", "True"], done.stdout + done.stderr


def test_ctrl_c_leaves_no_process(tmp_path: Path) -> None:
    """Ctrl-C (SIGINT to the terminal's process group) while the helper renders: the command
    exits 130 and the helper is gone."""
    ini = grown(tmp_path, downgrade="import time\ntime.sleep(60)")
    argv = [sys.executable, "-m", "alembic_baseline", "-c", str(ini), "bundle", "base:head"]
    proc = subprocess.Popen(
        [*argv, "-o", str(tmp_path / "b"), "--no-lint"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    listing = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    deadline = time.monotonic() + 60
    helper = ""
    while not helper and time.monotonic() < deadline and proc.poll() is None:
        helper = listing.read_text().strip()
        time.sleep(0.05)
    assert helper, proc.communicate()
    time.sleep(0.5)  # the helper is inside the revision's downgrade()
    os.killpg(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == ExitCode.INTERRUPTED, stderr
    assert b"Traceback" not in stderr
    assert not Path(f"/proc/{helper}").exists()


def test_the_loaded_revisions_are_frozen_while_the_bundle_is_built(tmp_path: Path) -> None:
    """gc.freeze() while building (the collections skip the loaded revisions), undone after."""
    import gc

    ini = grown(tmp_path)
    seen: list[int] = []

    def lint() -> str:
        seen.append(gc.get_freeze_count())
        return "# lint\n"

    before = gc.get_freeze_count()
    team_bundle.build(project(ini), "base:head", tmp_path / "b", lint, parallel=False)
    assert seen[0] > before == gc.get_freeze_count() == 0


def test_without_fork_the_bundle_is_built_in_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """fork failing (out of processes) or missing: the same bundle, from this process."""
    ini = grown(tmp_path)

    def lint() -> str:
        return "# lint\n"

    team_bundle.build(project(ini), "base:head", tmp_path / "seq", lint, parallel=False)
    monkeypatch.setattr(forked, "available", lambda: True)

    def no_fork() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    before = set(os.listdir("/proc/self/fd"))
    team_bundle.build(project(ini), "base:head", tmp_path / "par", lint)
    assert set(os.listdir("/proc/self/fd")) <= before  # the pipes closed
    assert tree(tmp_path / "seq") == tree(tmp_path / "par") and children() == []


def test_an_unknown_revision_is_a_range_error(tmp_path: Path) -> None:
    ini = grown(tmp_path)
    out = tmp_path / "b"
    code, _, stderr = cli("-c", str(ini), "bundle", "base:ffffffffffff", "-o", str(out))
    assert code == ExitCode.USAGE and "Cannot resolve the range base:ffffffffffff" in stderr
    assert "internal error" not in stderr and not out.exists() and children() == []


def test_a_warm_bundle_reads_its_lint_report_recorded_without_a_lint_helper(
    tmp_path: Path, helpers: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lint report of the range, recorded by the bundle that made it (commands/bundle.py,
    lint/quick.py), is read again in the bundle's own process while nothing it depends on
    changed: no lint run, no helper for it; the same files. A revision edited: linted again."""
    from alembic_baseline.commands import lint as lint_op
    from alembic_baseline.lint import quick

    monkeypatch.setattr(quick, "RACY_NS", 0)  # the files were written an instant ago
    ini = grown(tmp_path)

    def bundle(name: str) -> tuple[dict[str, bytes], list[str]]:
        helpers.clear()
        code, _, err = cli("-c", str(ini), "bundle", "base:head", "-o", str(tmp_path / name))
        assert code == ExitCode.OK, err
        return tree(tmp_path / name), [h.what for h in helpers]

    first, started = bundle("one")
    assert "running lint" in started
    bundle("two")  # (the first may have written bytecode beside the revisions: recorded now)
    real = lint_op.lint

    def no_lint(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("lint ran")

    monkeypatch.setattr(lint_op, "lint", no_lint)
    warm, started = bundle("three")
    assert started == ["rendering the rollback"] and warm == first
    monkeypatch.setattr(lint_op, "lint", real)
    head = ini.parent / "migrations" / "versions" / f"{HEAD}_added_in_test.py"
    text = head.read_text()
    assert LINEAR[-1][1] in text
    head.write_text(text.replace(LINEAR[-1][1], "op.create_index('ix_edited', 'customers', ['a'])"))
    edited, started = bundle("four")
    assert "running lint" in started and b"ix_edited" in edited["lint.md"]
