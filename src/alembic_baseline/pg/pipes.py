"""One program's output piped into psql, in one transaction that commits only at the end.

The rest of :mod:`alembic_baseline.pg.tools` runs one program at a time; a restore streams
pg_restore's SQL into psql (and a row count reads pg_restore's data lines) without holding it in
memory or on disk. Same rules: argv lists, secrets in ``PG*`` variables, stderr captured and
redacted.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from alembic_baseline.errors import ToolError
from alembic_baseline.pg.tools import PG_BIN, _clean_env, tool_failure
from alembic_baseline.pg.url import DatabaseURL


@dataclass
class Piped:
    """How far :func:`pipe_into_psql` got (read it after an exception too)."""

    commit_sent: bool = False
    """``COMMIT`` was written to psql: only from then on can the transaction have committed."""


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: the child is killed when this process dies (even by SIGKILL), so an orphaned psql
    never goes on executing what is left in its pipe."""
    import ctypes

    ctypes.CDLL(None).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL


def pipe_into_psql(
    bindir: Path,
    url: DatabaseURL,
    source: Sequence[str | Path],
    *,
    before: bytes,
    after: bytes,
    head: Callable[[bytes, bool], bytes | None],
    out_fd: int,
    env: Mapping[str, str] | None = None,
    state: Piped | None = None,
) -> None:
    """``source | psql``, wrapped: psql gets ``before``, then the source's output (its beginning
    through ``head(data, at_end)``, None while it needs more bytes), then ``after`` — but
    ``after`` only when the source exited 0. psql runs without ``-1`` so that nothing
    commits by itself: ``before`` opens a transaction and ``after`` commits it; when the source
    fails, or this process is interrupted or killed, psql's input just ends and the server rolls
    the open transaction back. psql's stdout goes to ``out_fd``; both programs' stderr is
    captured (redacted in the error)."""
    state = state or Piped()
    linux = sys.platform == "linux"
    errs = [tempfile.TemporaryFile(), tempfile.TemporaryFile()]  # noqa: SIM115
    psql_argv = [str(bindir / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-f", "-"]
    procs: list[subprocess.Popen[bytes]] = []
    try:
        src = subprocess.Popen(
            [str(a) for a in source],
            stdout=subprocess.PIPE,
            stderr=errs[0],
            env=_clean_env(None),
            start_new_session=True,
            preexec_fn=_die_with_parent if linux else None,
        )
        procs.append(src)
        psql = subprocess.Popen(
            psql_argv,
            stdin=subprocess.PIPE,
            stdout=out_fd,
            stderr=errs[1],
            env=_clean_env({**url.libpq_env(), **(env or {})}),
            start_new_session=True,
            preexec_fn=_die_with_parent if linux else None,
        )
        procs.append(psql)
        assert src.stdout is not None and psql.stdin is not None
        _pump(src.stdout, psql.stdin, before, head)
        source_code = src.wait()
        if source_code == 0 and psql.poll() is None:
            with contextlib.suppress(BrokenPipeError):
                state.commit_sent = True
                psql.stdin.write(after)
                psql.stdin.flush()
        with contextlib.suppress(BrokenPipeError):
            psql.stdin.close()
        psql_code = psql.wait()
        if source_code != 0:
            program = str(source[0])
            raise tool_failure(Path(program).name, program, source_code, _read(errs[0]))
        if psql_code != 0:
            raise tool_failure("psql", psql_argv[0], psql_code, _read(errs[1]))
    except FileNotFoundError as exc:
        raise ToolError(
            f"{exc.filename}: the program was not found.",
            hint=f"Install PostgreSQL's client programs, or {PG_BIN}.",
        ) from None
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            if proc.stdout:
                proc.stdout.close()
        for fh in errs:
            fh.close()


def _pump(
    out: IO[bytes], into: IO[bytes], before: bytes, head: Callable[[bytes, bool], bytes | None]
) -> None:
    """``before``, then ``out`` (its beginning through ``head``) into ``into``; until one ends."""
    buffered: bytes | None = b""  # None once the beginning went through ``head``
    try:
        into.write(before)
        while True:
            chunk = os.read(out.fileno(), 1 << 20)
            if buffered is not None:
                buffered += chunk
                filtered = head(buffered, not chunk)
                if filtered is None:
                    continue
                into.write(filtered)
                buffered = None
            elif chunk:
                into.write(chunk)
            if not chunk:
                break
        into.flush()
    except BrokenPipeError:  # psql stopped (an error with ON_ERROR_STOP): its code says why
        pass


def _read(fh: IO[bytes]) -> bytes:
    fh.seek(0)
    return fh.read()


def pg_restore_lines(bindir: Path, args: Sequence[str], sink: Callable[[bytes], None]) -> None:
    """``pg_restore ARGS`` (no database: ``-f -``), each line of its output to ``sink``."""
    argv = [str(bindir / "pg_restore"), *args]
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err, env=_clean_env(None))
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                sink(line)
            code = proc.wait()
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            if proc.stdout:
                proc.stdout.close()
        if code != 0:
            raise tool_failure("pg_restore", argv[0], code, _read(err))
