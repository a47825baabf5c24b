"""A forked helper process: work started before the caller needs it, finished on its word.

``report`` runs lint in one while it loads the history and draws the graph; ``bundle`` runs lint
in one, and renders the rollback in another (while the parent renders the
upgrade); once the parent has checked that the upgrade ended where the rollback assumed, that one
writes ``rollback/`` while the parent writes ``upgrade/``: two cores, and two directories whose
files the kernel creates in parallel (0.1-0.5 ms per file on ext4 under load). The revision map
is loaded before the fork, so the children inherit it.

The protocol, over two pipes (pickled messages with a length prefix): the child runs ``prepare()``
and answers ``ready`` (or the error); it then waits for ``go`` with an argument, runs
``finish(state, argument)`` and answers ``done`` with the result (or the error). End of input
instead of ``go`` (the parent stopped it, or died): the child exits. The child always leaves with
``os._exit`` (no atexit handlers, no buffered output of the parent flushed twice). The parent
stops it (SIGKILL, then reaps it) whenever it leaves the ``with`` block, on error or Ctrl-C too: no
process is left behind. An error the child raised is raised again in the parent (one paragraph, as
if the parent had done the work); a child that dies without answering (killed, out of memory, a
crash in code a revision runs) is a one-paragraph error with a hint (exit 2).

Why not ``multiprocessing``'s ``fork`` context (tried): its ``Process.start()`` opens two pipes of
its own before ``os.fork()`` and leaks them when the fork fails (out of processes), the very case
where the caller must go on in its own process; the framing here is a length prefix and pickle,
as its ``Connection`` has.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import struct
import sys
import threading
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any, Generic, TypeVar

from alembic_baseline.errors import BaselineError

S = TypeVar("S")
A = TypeVar("A")
R = TypeVar("R")

_HEADER = struct.Struct("!Q")
_HELD = frozenset({signal.SIGINT, signal.SIGTERM})


@contextlib.contextmanager
def frozen() -> Iterator[None]:
    """The objects alive now (the loaded revisions, the imported modules) left out of the
    garbage collector's passes while inside (``gc.freeze``): the collections that follow skip
    them (measured at 1,000 revisions: ~0.2-0.3 s CPU of a bundle; ``report``, warm: 0.96×
    CPU per pair), and, after a helper is forked, this process does not write to (and so copy)
    the pages of objects only the collector would visit. Unfrozen after, unless the caller had
    frozen objects itself."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def available() -> bool:
    """Whether a helper can be forked here: ``os.fork`` exists (not on Windows) and this process
    runs one thread (forking a threaded process can copy a lock another thread holds)."""
    return hasattr(os, "fork") and threading.active_count() == 1


def _send(fd: int, message: object) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks: list[bytes] = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _receive(fd: int) -> tuple[str, Any] | None:
    """The next message, or None at end of input (the other side is gone)."""
    header = _read_exactly(fd, _HEADER.size)
    if header is None:
        return None
    data = _read_exactly(fd, _HEADER.unpack(header)[0])
    if data is None:
        return None
    kind, payload = pickle.loads(data)
    return str(kind), payload


def _portable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling; else a BaselineError with its text and exit code."""
    with contextlib.suppress(Exception):
        pickle.loads(pickle.dumps(exc))
        return exc
    if isinstance(exc, BaselineError):
        copy = BaselineError(exc.message, hint=exc.hint, context=exc.context)
        copy.exit_code = exc.exit_code
        return copy
    return BaselineError(f"{type(exc).__name__}: {exc}")


def _child(
    out: int, inp: int, prepare: Callable[[], S], finish: Callable[[S, A], R], share: bool
) -> None:  # pragma: no cover - runs in the forked process (its effects are tested)
    try:
        state = prepare()
    except BaseException as exc:
        _send(out, ("error", _portable(exc)))
        return
    _send(out, ("ready", state if share else None))
    message = _receive(inp)
    if message is None or message[0] != "go":
        return
    try:
        result = finish(state, message[1])
    except BaseException as exc:
        _send(out, ("error", _portable(exc)))
        return
    _send(out, ("done", result))


def start(
    what: str,
    prepare: Callable[[], S],
    finish: Callable[[S, A], R],
    *,
    share: bool = False,
    hint: str = "",
    stack: contextlib.ExitStack | None = None,
) -> Helper[S, A, R] | None:
    """A :class:`Helper`, or None where none can be forked (:func:`available`, or ``fork``
    itself failed): the caller then does the work in its own process. ``stack``: the helper is
    entered into it before an interrupt can land (see :class:`Helper`)."""
    if not available():
        return None
    try:
        return Helper(what, prepare, finish, share=share, hint=hint, stack=stack)
    except OSError:
        return None


class Helper(Generic[S, A, R]):
    """A forked child running ``prepare`` now and ``finish`` when told (see the module doc)."""

    def __init__(
        self,
        what: str,
        prepare: Callable[[], S],
        finish: Callable[[S, A], R],
        *,
        share: bool = False,
        hint: str = "",
        stack: contextlib.ExitStack | None = None,
    ) -> None:
        """``share``: :meth:`ready` returns what ``prepare`` returned (pickled), not None.
        ``hint``: what to do when the child dies before it answers (the error's hint).
        ``stack``: this helper is entered into it while the signals are still held back, so an
        interrupt landing right after the constructor returns (before a ``with`` or
        ``enter_context`` of the caller's) still stops the child when the stack unwinds."""
        self.what = what
        self.hint = hint or (
            "If it was not the out-of-memory killer (see the system log), run the command "
            "again; if it dies again, the cause is in code the project runs (a revision)."
        )
        from_child, to_parent = os.pipe()
        from_parent, to_child = os.pipe()
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        # Ctrl-C or SIGTERM held back from the fork until this object knows its child: one that
        # landed in between left the child running, with nobody to stop it. (The mask is this
        # thread's: it holds the signals back because a helper is forked only from a process
        # running one thread, see available.)
        held = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
        try:
            pid = os.fork()
        except OSError:  # out of processes or memory: the caller does the work itself
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
            for fd in (from_child, to_parent, from_parent, to_child):
                os.close(fd)
            raise
        if pid == 0:  # pragma: no cover - the child
            code = 0
            try:
                signal.pthread_sigmask(signal.SIG_SETMASK, held)
                os.close(from_child)
                os.close(to_child)
                _child(to_parent, from_parent, prepare, finish, share)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        try:
            self.pid: int | None = pid
            self._in = from_child
            self._out: int | None = to_child
            self.status: int | None = None
            os.close(to_parent)
            os.close(from_parent)
            if stack is not None:
                stack.push(self)
        finally:  # the signals are never left held back (a child process would inherit that)
            try:  # one held back is raised here (pthread_sigmask runs the handlers): the child
                # is known by now, and ended before the interrupt goes on
                signal.pthread_sigmask(signal.SIG_SETMASK, held)
            except BaseException:
                self.stop()
                raise

    def __enter__(self) -> Helper[S, A, R]:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def ready(self) -> S | None:
        """Wait until ``prepare`` is done; its error is raised here. Its result with ``share``."""
        state: S | None = self._expect("ready")
        return state

    def go(self, argument: A) -> None:
        """Let the child run ``finish(state, argument)``."""
        if self._out is not None:
            _send(self._out, ("go", argument))

    def result(self) -> R:
        """``finish``'s result (its error raised here); the child has then exited."""
        result: R = self._expect("done")
        self._reap()
        return result

    def stop(self) -> None:
        """End the child if it still runs, and reap it (idempotent)."""
        if self._out is not None:
            os.close(self._out)
            self._out = None
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError):  # exited, not reaped yet: fine
                os.kill(self.pid, signal.SIGKILL)
            self._reap()
        if self._in >= 0:
            os.close(self._in)
            self._in = -1

    def _reap(self) -> None:
        if self.pid is not None:
            _, status = os.waitpid(self.pid, 0)
            self.status = status
            self.pid = None

    def _expect(self, kind: str) -> Any:
        message = _receive(self._in)
        if message is None:
            self._reap()
            raise self._died()
        found, payload = message
        if found == "error":
            raise payload
        if found != kind:  # pragma: no cover - a protocol error: a bug here
            raise BaselineError(f"The {self.what} process answered {found!r}, not {kind!r}.")
        return payload

    def _died(self) -> BaselineError:
        status = self.status
        how = "ended"
        if status is not None and os.WIFSIGNALED(status):
            how = f"was killed by signal {os.WTERMSIG(status)}"
        elif status is not None:
            how = f"exited with status {os.waitstatus_to_exitcode(status)}"
        return BaselineError(
            f"The helper process {self.what} {how} before it answered (killed, out of memory, "
            "or a crash in code that a revision runs when it is rendered offline); the command "
            "was not finished.",
            hint=self.hint,
        )
