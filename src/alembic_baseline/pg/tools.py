"""The one place that runs external programs (initdb, pg_ctl, pg_dump, pg_restore, psql); its
sibling :mod:`.pipes` pipes one program's output into psql with the same rules.

Commands are argv lists (never shell strings); connection secrets travel in ``PG*`` environment
variables (never argv); stderr is captured, redacted and put into the error a person reads.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from alembic_baseline.errors import ToolError
from alembic_baseline.pg import waits
from alembic_baseline.pg.url import DatabaseURL, redact

DEFAULT_TIMEOUT_S = 600.0
_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+(?:\.\d+)?)")
PG_BIN = "set ALEMBIC_BASELINE_PG_BIN=DIR (the bin directory of the right PostgreSQL)"


@dataclass(frozen=True)
class RunAs:
    """An unprivileged OS account to run server programs as (initdb refuses root)."""

    uid: int
    gid: int
    name: str


def unprivileged_account() -> RunAs | None:
    """The account that server programs must run as, or None when we are not root."""
    if os.geteuid() != 0:
        return None
    import grp
    import pwd

    for name in ("nobody", "daemon"):
        try:
            pw = pwd.getpwnam(name)
        except KeyError:
            continue
        gid = pw.pw_gid
        with contextlib.suppress(KeyError):
            gid = grp.getgrnam("nogroup").gr_gid if name == "nobody" else gid
        return RunAs(pw.pw_uid, gid, name)
    raise ToolError(
        "Running as root, and no unprivileged account (nobody) exists to run PostgreSQL as.",
        hint="Create one (useradd --system nobody) or run alembic-baseline as a normal user.",
    )


def _clean_env(extra: Mapping[str, str] | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = env.get("LC_ALL", "C.UTF-8") or "C.UTF-8"
    if extra:
        env.update(extra)
    return env


def run(
    argv: Sequence[str | Path],
    *,
    what: str,
    env: Mapping[str, str] | None = None,
    run_as: RunAs | None = None,
    timeout: float | None = DEFAULT_TIMEOUT_S,
    stdin: bytes | None = None,
    stdout_path: Path | None = None,
    check: bool = True,
    stdout_fd: int | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run one program; raise :class:`ToolError` (with redacted stderr) when it fails.

    ``stdout_fd``: an open file descriptor the program writes its output into (the caller
    created the file, e.g. with ``O_EXCL``, and keeps ownership of the descriptor)."""
    args = [str(a) for a in argv]
    out_file = open(stdout_path, "wb") if stdout_path else None  # noqa: SIM115
    try:
        proc = subprocess.run(
            args,
            input=stdin,
            stdout=stdout_fd if stdout_fd is not None else out_file or subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_clean_env(env),
            timeout=timeout,
            user=run_as.uid if run_as else None,
            group=run_as.gid if run_as else None,
            extra_groups=[] if run_as else None,
            check=False,
        )
    except FileNotFoundError:
        raise ToolError(
            f"{what}: the program {args[0]!r} was not found.",
            hint=f"Install PostgreSQL's client/server programs, or {PG_BIN}.",
        ) from None
    except PermissionError:
        who = f" as {run_as.name}" if run_as else ""
        raise ToolError(
            f"{what}: the program {args[0]!r} could not be run{who} (permission denied).",
            hint="Check the permissions of the program and of every folder above it.",
        ) from None
    except subprocess.TimeoutExpired:
        raise ToolError(
            f"{what}: {Path(args[0]).name} did not finish within {timeout:.0f} s.",
            hint="Check that the server is reachable and not blocked by locks.",
        ) from None
    finally:
        if out_file:
            out_file.close()
    if check and proc.returncode != 0:
        if interrupted(proc.returncode, proc.stderr):
            # Ctrl-C reaches the whole process group: when the program dies of it before
            # Python notices, the run is still interrupted, not failed.
            raise KeyboardInterrupt
        raise tool_failure(what, args[0], proc.returncode, proc.stderr)
    return proc


def interrupted(code: int, stderr: bytes | None) -> bool:
    """The program ended because of SIGINT/SIGTERM (pg_dump and pg_restore catch them and say
    "terminated by user")."""
    import signal

    return code in (-signal.SIGINT, -signal.SIGTERM) or b"terminated by user" in (stderr or b"")


def tool_failure(what: str, program: str, code: int, stderr: bytes) -> ToolError:
    text = redact(stderr.decode("utf-8", "replace")).strip()
    lines = [ln for ln in text.splitlines() if ln.strip()]
    tail = " ".join(lines[-3:]) if lines else "(no error output)"
    hint = "Re-run with --traceback for details."
    if "No space left on device" in text:
        hint = "The disk is full: free space or point TMPDIR / --backup-dir elsewhere."
    elif (
        "lock timeout" in text
        or "could not obtain lock" in text
        or ("statement timeout" in text and "LOCK TABLE" in text)
    ):
        hint = (
            "Another session holds a lock on a table it needs (see pg_stat_activity / "
            "pg_locks); run it again when that transaction has ended, or wait longer with "
            "read_lock_timeout in [tool.alembic-baseline] (ALEMBIC_BASELINE_READ_LOCK_TIMEOUT)."
        )
    elif "server version mismatch" in text or "aborting because of server version" in text:
        hint = f"Use a pg_dump at least as new as the server: {PG_BIN}."
    return ToolError(f"{what}: {Path(program).name} exited with {code}: {tail}", hint=hint)


# -- libpq programs --------------------------------------------------------------------------


def pg_dump(
    bindir: Path,
    url: DatabaseURL,
    args: Sequence[str],
    *,
    out: Path | None = None,
    timeout: float | None = DEFAULT_TIMEOUT_S,
    out_fd: int | None = None,
) -> bytes:
    """Run pg_dump against ``url``; returns stdout unless ``out`` / ``out_fd`` is given.

    pg_dump locks every table it dumps (ACCESS SHARE) before reading: ``--lock-wait-timeout``
    (the read lock timeout, :mod:`alembic_baseline.pg.waits`) bounds that wait."""
    lock = waits.current().lock_timeout
    if lock != "0" and not any(a.startswith("--lock-wait-timeout") for a in args):
        args = [f"--lock-wait-timeout={lock}", *args]
    proc = run(
        [bindir / "pg_dump", *args],
        what="pg_dump",
        env=url.libpq_env(),
        timeout=timeout,
        stdout_path=out,
        stdout_fd=out_fd,
    )
    return proc.stdout or b""


def pg_restore(
    bindir: Path, url: DatabaseURL | None, args: Sequence[str], *, timeout: float | None = None
) -> bytes:
    """Run pg_restore (into ``url`` when given). ``--clean`` drops what it restores, so it must
    not queue behind the application without end; the archive sets ``lock_timeout = 0`` itself
    (PGOPTIONS cannot help), so a guard cancels a lock wait longer than the read lock timeout."""
    if url is None:
        proc = run([bindir / "pg_restore", *args], what="pg_restore", timeout=timeout)
        return proc.stdout or b""
    lock = waits.current().lock_timeout
    env = {**url.libpq_env(), "PGAPPNAME": f"alembic-baseline pg_restore {secrets.token_hex(4)}"}
    failure: ToolError | None = None
    with waits.LockGuard(url, env["PGAPPNAME"], lock) as guard:
        try:
            proc = run([bindir / "pg_restore", *args], what="pg_restore", env=env, timeout=timeout)
        except ToolError as exc:
            failure = exc
    if failure is not None and not guard.cancelled:  # the guard has stopped: read it now
        raise failure
    if failure is not None:
        held = f" It waited for {guard.blocked_by}." if guard.blocked_by else ""
        raise ToolError(
            f"pg_restore gave up after lock_timeout ({lock}): another session holds a lock on a "
            f"table it restores.{held} ({failure.message})",
            hint="Wait until that session's transaction ends (see pg_stat_activity), then run "
            "it again; wait longer with read_lock_timeout in [tool.alembic-baseline] "
            "(ALEMBIC_BASELINE_READ_LOCK_TIMEOUT).",
        )
    return proc.stdout or b""


def psql_file(
    bindir: Path, url: DatabaseURL, path: Path, *, single_transaction: bool = False
) -> None:
    """Load a SQL file with psql, stopping at the first error."""
    args: list[str | Path] = [bindir / "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", path]
    if single_transaction:
        args.insert(2, "-1")
    run(args, what=f"psql -f {path.name}", env=url.libpq_env())


def program_version(program: Path, *, run_as: RunAs | None = None) -> str:
    """``X.Y`` from ``program --version`` (e.g. ``postgres (PostgreSQL) 16.4`` → ``16.4``);
    ``run_as`` proves that account can run it (server programs run as it when we are root)."""
    proc = run([program, "--version"], what=f"{program.name} --version", run_as=run_as, timeout=30)
    match = _VERSION.search(proc.stdout.decode())
    return match.group(1) if match else ""


def pip_download(
    requirement: str, directory: Path, *, platform: str, python_version: str
) -> tuple[int, str]:
    """``pip download`` one binary wheel (no dependencies) into ``directory``; pip checks the
    file against the hash the package index publishes. Returns pip's exit code and its
    redacted output (stdout + stderr) for the caller to explain a failure."""

    proc = run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
         "--python-version", python_version, "--platform", platform,
         "--disable-pip-version-check", "--no-input", "--retries", "1", "--timeout", "20",
         "-d", directory, requirement],
        what=f"pip download {requirement}", timeout=300, check=False,
    )  # fmt: skip
    output = (proc.stdout or b"") + b"\n" + (proc.stderr or b"")
    return proc.returncode, redact(output.decode("utf-8", "replace")).strip()


# -- git (moves of revision files keep their history) ------------------------------------------


def in_git_worktree(directory: Path) -> bool:
    proc = run(
        ["git", "-C", directory, "rev-parse", "--is-inside-work-tree"],
        what="git rev-parse",
        check=False,
        timeout=30,
    )
    return proc.returncode == 0 and proc.stdout.strip() == b"true"


_GIT_BATCH = 400  # file names per git command (argv stays far below the system's limit)


def git_tracked_names(directory: Path, names: Sequence[str]) -> set[str]:
    """Which of the files ``names`` in ``directory`` git tracks: one ``git ls-files`` per
    batch, not one process per file."""
    tracked: set[str] = set()
    for i in range(0, len(names), _GIT_BATCH):
        batch = names[i : i + _GIT_BATCH]
        proc = run(
            ["git", "-C", directory, "ls-files", "-z", "--", *batch],
            what="git ls-files",
            check=False,
            timeout=60,
        )
        if proc.returncode == 0:
            tracked.update(n.decode("utf-8", "surrogateescape") for n in proc.stdout.split(b"\0"))
    return tracked & set(names)


def git_mv_into(sources: Sequence[Path], target_dir: Path) -> None:
    """``git mv`` files of one directory into ``target_dir``, keeping their names, in batches."""
    for i in range(0, len(sources), _GIT_BATCH):
        batch = sources[i : i + _GIT_BATCH]
        run(["git", "-C", batch[0].parent, "mv", "--", *batch, target_dir], what="git mv",
            timeout=120)  # fmt: skip


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (signal 0 probes, sends nothing).

    A zombie — a killed process its parent has not reaped, common in containers whose PID 1
    does not reap orphans — answers signal 0 but is dead: it counts as gone.
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    try:  # /proc/PID/stat: "pid (comm) state …"; comm may hold spaces and parentheses
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False  # no /proc (macOS): trust signal 0
    fields = stat.rsplit(")", 1)[-1].split()
    return bool(fields) and fields[0] == "Z"
