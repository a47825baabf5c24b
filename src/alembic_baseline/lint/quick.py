"""A warm ``lint`` answered from its recorded output: the characters, written as they were.

A ``lint`` run from the console (the console script: :func:`start`) whose output went to a file
or a pipe leaves, beside the lint cache, the exact characters it wrote and its exit code
(:func:`remember`, :func:`save`), under the key of everything they depend on:

- a salted SHA-256 (:func:`_key`; nothing of it can be read back, an argument or a variable
  may hold a password) of the arguments, the working directory, which of stdin/stdout/stderr
  are terminals, the tool's and Python's versions, where Python finds Alembic, SQLAlchemy and
  pglast, and every environment variable (but ``_``, the shell's path of the command);
- the status (size, times, inode, mode) of every file and directory the run read or listed:
  the revision files, the sum files and what they point at, the version directories (a file
  added or removed changes them), the Alembic configuration, the baseline file, every
  ``pyproject.toml`` the settings could come from (absent ones recorded as absent), and the
  directories of the tool's package and of the libraries above (an upgrade or a reinstall
  replaces their files).

The next console run with the same arguments (:func:`answer`) reads that record first; when
the key is the same and no file it names changed later than :data:`RACY_NS` before the
recorded run started (the file system's clock is coarse: git's "racily clean" rule,
``engine.RACY_NS``), it writes the recorded output with one write and exits with the recorded
code, without importing the CLI, the settings or the linter (issue 18: a warm lint was mostly
imports and start-up). Anything else — a record missing, damaged or from another version, one
file changed — runs the command normally, which records again.

The console's record is kept only where the fast path can find it from the working directory
alone (``./.alembic-baseline/cache/lint/``, the project's default lint cache when run from the
project's directory), only for output that is not a terminal (a terminal's output depends on
its width and colours) and only for a run that wrote nothing to stderr. ``bundle`` keeps the
lint report of its range the same way (:func:`save` / :func:`load`, its own file and key:
``commands/bundle.py``), read in its own process in a few milliseconds.
"""

from __future__ import annotations

import os
import sys
import time

from alembic_baseline import __version__

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up)

if TYPE_CHECKING:  # start-up: the fast path imports neither typing's names nor collections
    from collections.abc import Iterable, Sequence
    from typing import IO, Any

RECORD = os.path.join(".alembic-baseline", "cache", "lint", "last-output.json")
"""Where the record is, relative to the working directory."""
FORMAT = "alembic-baseline lint output"
SCHEMA = 1
RACY_NS = 2_000_000_000
"""As ``engine.RACY_NS``: a file whose status changed this close before the recorded run
started (or later) may have changed again within one tick of the clock."""
_LIBRARIES = ("alembic", "sqlalchemy", "pglast")

console_argv: list[str] | None = None
"""The arguments of this console process (set by :func:`start`); None in-process (tests)."""
started_ns = 0
"""When this console process started (before any file was read)."""


def start(args: list[str]) -> int | None:
    """At the start of the console process (``alembic_baseline.__main__``): the recorded answer
    to ``args`` (written, its exit code returned) when there is one (:func:`answer`); else
    None, this run's output to be recorded (:func:`remember`)."""
    global console_argv, started_ns
    started_ns = time.time_ns()
    if "lint" in args:
        code = answer(args)
        if code is not None:
            return code
    console_argv = args
    return None


def answer(args: Sequence[str], cwd: str | None = None) -> int | None:
    """Write the recorded output of ``args`` and return its exit code when the record's key
    is this run's (module docstring); None, having written nothing, otherwise."""
    cwd = cwd or os.getcwd()
    found = load(os.path.join(cwd, RECORD), _console_identity(args, cwd))
    if found is None:
        return None
    out, code = found
    try:
        sys.stdout.write(out)
        sys.stdout.flush()
    except (OSError, ValueError):  # a closed pipe: nothing more to deliver
        return 120  # as Python when it cannot flush stdout at exit
    return code


def _console_identity(args: Sequence[str], cwd: str) -> list[str]:
    return ["lint-console", cwd, repr(_ttys()), *args]


def load(path: str, identity: Sequence[str]) -> tuple[str, int] | None:
    """The output and exit code recorded at ``path`` (:func:`save`) when its key is
    ``identity``'s now (with the environment and the tools) and no file it names changed since
    (the racy-clean rule); None otherwise (missing, damaged, another key, a file changed)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    import json

    try:
        record = json.loads(data)
        if not (
            isinstance(record, dict)
            and record.get("format") == FORMAT
            and record.get("schema") == SCHEMA
        ):
            return None
        out, code, checked = record["out"], record["code"], record["checked"]
        if type(out) is not str or type(code) is not int or type(checked) is not int:
            return None
        if record["key"] != _key(str(record["salt"]), identity):
            return None
        watched = record["watched"]
        sigs, newest = _status([str(p) for p, _ in watched])
        if [sig for _, sig in watched] != sigs or newest + RACY_NS >= checked:
            return None
    except (ValueError, KeyError, TypeError, AttributeError):
        return None  # damaged: computed again
    return out, code


def _key(salt: str, identity: Sequence[str]) -> str:
    """A salted digest of ``identity``, the tool's versions and places (:func:`_tool`) and
    every environment variable but ``_``: no part of it can be read back (an argument or a variable
    may hold a password)."""
    import hashlib

    digest = hashlib.sha256(salt.encode())
    for part in (*identity, "\0tool", *_tool(), "\0env"):
        data = part.encode("utf-8", "surrogateescape")
        digest.update(b"%d:" % len(data))
        digest.update(data)
    for name, value in sorted(os.environ.items()):  # (environb: not on Windows)
        if name == "_":  # the shell's: the path of the command run (strace's, env's…)
            continue
        pair = (name.encode("utf-8", "surrogateescape"), value.encode("utf-8", "surrogateescape"))
        digest.update(b"%d:%d:" % (len(pair[0]), len(pair[1])))
        digest.update(pair[0])
        digest.update(pair[1])
    return digest.hexdigest()


def _tool() -> list[str]:
    """The versions and places the output depends on besides the files."""
    places = sorted({os.path.dirname(_library_dir(name)) for name in _LIBRARIES})
    return [__version__, sys.version, sys.executable, *places]


def _library_dir(name: str) -> str:
    """The directory Python imports ``name`` from (without importing it): the first entry of
    ``sys.path`` holding it as a regular package (a directory of that name without
    ``__init__.py``, e.g. a project's ``alembic/``, is not what is imported)."""
    for entry in sys.path:
        candidate = os.path.join(entry or ".", name)
        if os.path.isfile(os.path.join(candidate, "__init__.py")):
            return os.path.abspath(candidate)
    return ""


def _ttys() -> list[bool]:
    found = []
    for fd in (0, 1, 2):
        try:
            found.append(os.isatty(fd))
        except OSError:
            found.append(False)
    return found


def _status(paths: Iterable[str]) -> tuple[list[str | None], int]:
    """Each path's status (None: absent) and the newest of their times (nanoseconds)."""
    sigs: list[str | None] = []
    newest = 0
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            sigs.append(None)
            continue
        sigs.append(f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}:{st.st_mode}")
        newest = max(newest, st.st_mtime_ns, st.st_ctime_ns)
    return sigs, newest


def settings_paths(config_file: str, cwd: str) -> list[str]:
    """What settings are read from: the Alembic configuration, and every ``pyproject.toml``
    looked for (``settings.find_pyproject``) up to the first found (the absent ones too: one
    created there would be read)."""
    start = os.path.dirname(config_file)
    start = start if os.path.isdir(start) else cwd
    found = [config_file]
    directory = os.path.abspath(start)
    while True:
        candidate = os.path.join(directory, "pyproject.toml")
        found.append(candidate)
        if os.path.isfile(candidate):
            break
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    return found


class Recorder:
    """A text stream that passes everything on to ``stream`` and keeps a copy."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return self.stream.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def remember(
    args: Sequence[str], out: str, code: int, watched: Iterable[str], cache_dir: str
) -> None:
    """Record ``out`` and ``code`` as the console's answer to ``args`` (module docstring) when
    the run's lint cache is the one :func:`answer` looks in and its output is not a terminal."""
    cwd = os.getcwd()
    record = os.path.join(cwd, RECORD)
    if os.path.realpath(cache_dir) != os.path.realpath(os.path.dirname(record)):
        return  # a state directory elsewhere: the fast path would not find it
    if _ttys()[1]:
        return  # a terminal: the output depends on its width and colours
    save(record, _console_identity(args, cwd), out, code, watched, started_ns)


def save(
    path: str,
    identity: Sequence[str],
    out: str,
    code: int,
    watched: Iterable[str],
    started: int,
) -> None:
    """Record ``out`` and ``code`` at ``path`` (in an existing directory: the lint cache) as
    what ``identity`` gives while the files and directories ``watched`` keep their status;
    ``started``: when the run that made them began reading (nanoseconds). Nothing is recorded
    when one of them changed less than :data:`RACY_NS` before (it may change again unseen:
    the next run computes, and records)."""
    # the tool's own files and the libraries' replaced (an upgrade, a reinstall): new times
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    libraries = [d for name in _LIBRARIES if (d := _library_dir(name))]
    places = {os.path.dirname(d) for d in libraries}
    paths = list(dict.fromkeys([*watched, package, *libraries, *sorted(places)]))
    sigs, newest = _status(paths)
    if newest + RACY_NS >= started:
        return
    import json
    import secrets

    salt = secrets.token_hex(16)
    document = {
        "format": FORMAT,
        "schema": SCHEMA,
        "salt": salt,
        "key": _key(salt, identity),
        "checked": started,
        "watched": [[p, s] for p, s in zip(paths, sigs, strict=True)],
        "code": code,
        "out": out,
    }
    _write(path, json.dumps(document, separators=(",", ":")))  # ASCII: any str survives


def _write(path: str, text: str) -> None:
    """``text`` as ``path``, whole: written aside, then renamed into place."""
    # lazy: start-up: the answering path writes nothing and imports no other lint module
    from alembic_baseline.lint.cache import write_text_whole

    # in the lint cache the run wrote (not made here: statedir makes it); none, a read-only
    # checkout, a full disk: no record
    try:
        write_text_whole(os.path.dirname(path), path, text, ".output-")
    except OSError:
        return
