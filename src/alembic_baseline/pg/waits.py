"""Bounded waits: the timeouts of the tool's own sessions, and who a waiting session waits for.

Every connection :func:`alembic_baseline.pg.connect.connect` opens carries ``lock_timeout`` and
``statement_timeout`` (startup ``options``), so a catalog read behind an application's ACCESS
EXCLUSIVE lock ends with an error instead of hanging. Defaults (defined in settings.py):
``DEFAULT_READ_LOCK_TIMEOUT``, ``DEFAULT_READ_STATEMENT_TIMEOUT``; settings
``read_lock_timeout`` / ``read_statement_timeout`` (pyproject) or
``ALEMBIC_BASELINE_READ_LOCK_TIMEOUT`` / ``…_READ_STATEMENT_TIMEOUT``.

While a watched session runs a statement, one background thread (the *watcher*) asks the server,
on a separate connection, whom it waits for (``pg_blocking_pids``). After about a second blocked
a progress line names the holder (pid, application_name, state, since when), and a lock timeout
error names it too. The watcher is best effort: if it cannot connect, it stays silent.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from alembic_baseline import settings
from alembic_baseline.errors import ConfigError, DatabaseError

if TYPE_CHECKING:
    from alembic_baseline.pg.url import DatabaseURL

SHOW_AFTER_S = 1.0
"""A session blocked this long gets a progress line naming the holder."""
POLL_S = 0.25
FIRST_POLL_S = 0.5
"""A watched session is first looked at this late (earlier when lock_timeout is short: by two
thirds of it), so that the statements that end sooner — most catalog reads — never cost the
watcher its own connection; progress still shows about a second into a wait."""
VERSION_TABLE_READ = "reading the version table"
"""What every path calls its read of the version table (and of the applied-revisions table
beside it) in progress lines and timeout errors."""
E = TypeVar("E", bound=DatabaseError)
_DURATION = re.compile(r"^\d+(?:us|ms|s|min|h|d)?$")


def duration(value: object, what: str) -> str:
    """A PostgreSQL duration such as ``500ms``, ``5s`` or ``0`` (validated: it is sent as SQL)."""
    text = str(value).strip().replace(" ", "")
    if not _DURATION.match(text):
        raise ConfigError(
            f"{what} must be a duration like 500ms, 5s, 2min or 0 (no limit), not {value!r}.",
            hint=f"Pass --{what.replace('_', '-')} 5s.",
        )
    return text


def seconds(value: str) -> float:
    """``duration`` text in seconds (``0`` means no limit and gives 0.0)."""
    match = re.match(r"^(\d+)(us|ms|s|min|h|d)?$", value)
    if not match:
        return 0.0
    unit = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
    return int(match.group(1)) * unit[match.group(2) or "ms"]


@dataclass(frozen=True)
class Waits:
    """``lock_timeout`` / ``statement_timeout`` of a session (``"0"``: no limit)."""

    lock_timeout: str = settings.DEFAULT_READ_LOCK_TIMEOUT
    statement_timeout: str = settings.DEFAULT_READ_STATEMENT_TIMEOUT

    def __post_init__(self) -> None:
        duration(self.lock_timeout, "lock_timeout")
        duration(self.statement_timeout, "statement_timeout")

    def startup_options(self) -> str:
        """For libpq's ``options`` / ``PGOPTIONS``."""
        return f"-c lock_timeout={self.lock_timeout} -c statement_timeout={self.statement_timeout}"


NO_LIMITS = Waits("0", "0")
_configured = Waits()
_notify: Callable[[str], None] | None = None


def configure(waits: Waits | None = None, notify: Callable[[str], None] | None = None) -> None:
    """Set the process's read waits and where "still waiting" lines go (the CLI does this)."""
    global _configured, _notify
    _configured = waits or Waits()
    _notify = notify


def current() -> Waits:
    return _configured


# -- who blocks whom ---------------------------------------------------------------------------

_BLOCKERS = """
SELECT w.pid, b.pid, coalesce(b.application_name, ''), coalesce(b.usename::text, ''),
       coalesce(b.state, ''), coalesce(b.xact_start, b.query_start)::timestamp(0)::text,
       left(regexp_replace(coalesce(b.query, ''), '\\s+', ' ', 'g'), 120),
       (SELECT string_agg(DISTINCT l.mode || coalesce(' on ' || l.relation::regclass::text,
                                                      ' (' || l.locktype || ')'), ', ')
          FROM pg_locks l WHERE l.pid = w.pid AND NOT l.granted)
  FROM unnest(%s::int[]) AS w(pid)
 CROSS JOIN LATERAL unnest(pg_blocking_pids(w.pid)) AS bp(pid)
  JOIN pg_stat_activity b ON b.pid = bp.pid
 ORDER BY 1, 2
"""


@dataclass(frozen=True)
class Blocker:
    """A session that holds (or waits ahead for) a lock a watched session wants."""

    pid: int
    application_name: str
    user: str
    state: str
    since: str
    query: str
    wanted: str  # e.g. "AccessShareLock on items"

    def describe(self) -> str:
        app = f"application_name {self.application_name!r}, " if self.application_name else ""
        query = f", last query: {self.query}" if self.query else ""
        return (
            f"pid {self.pid} ({app}user {self.user}, {self.state or 'unknown state'} since "
            f"{self.since}{query})"
        )


def describe(blockers: tuple[Blocker, ...]) -> str:
    if not blockers:
        return ""
    wanted = blockers[0].wanted or "a lock"
    return f"{wanted}, held by " + "; ".join(b.describe() for b in blockers)


@dataclass
class _Entry:
    url: DatabaseURL
    label: str
    every: float
    """Seconds between polls: a third of lock_timeout (so a short one is seen), at most POLL_S."""
    next_poll: float
    blocked_since: float | None = None
    blockers: tuple[Blocker, ...] = ()
    shown: str = ""


class _Watcher:
    """One daemon thread for the process; polls only while something is watched."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[int, _Entry] = {}
        self._last: dict[int, tuple[Blocker, ...]] = {}
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, pid: int, url: DatabaseURL, label: str, lock_timeout: str = "0") -> None:
        limit = seconds(lock_timeout)
        every = min(POLL_S, max(0.05, limit / 3)) if limit else POLL_S
        first = max(every, min(FIRST_POLL_S, limit * 2 / 3)) if limit else FIRST_POLL_S
        with self._lock:
            self._entries[pid] = _Entry(url, label, every, time.monotonic() + first)
            self._last.pop(pid, None)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="ab-waits", daemon=True)
                self._thread.start()
        self._wake.set()

    def remove(self, pid: int) -> tuple[Blocker, ...]:
        """Stop watching ``pid``; the blockers last seen for it."""
        with self._lock:
            entry = self._entries.pop(pid, None)
            last = self._last.pop(pid, ())
        return entry.blockers if entry and entry.blockers else last

    def _due(self) -> tuple[dict[int, _Entry], float]:
        """Entries to poll now, and seconds until the next one is due."""
        now = time.monotonic()
        with self._lock:
            due = {p: e for p, e in self._entries.items() if e.next_poll <= now}
            for e in due.values():
                e.next_poll = now + e.every
            later = [e.next_poll - now for e in self._entries.values()]
        return due, min(later, default=POLL_S)

    def _run(self) -> None:
        conns: dict[str, Any] = {}
        try:
            pause = POLL_S
            while True:
                self._wake.wait(max(0.01, pause))
                self._wake.clear()
                due, pause = self._due()
                with self._lock:
                    idle = not self._entries
                if idle:
                    for conn in conns.values():  # never keep a session open while idle
                        conn.close()
                    with self._lock:
                        if not self._entries:
                            self._thread = None
                            return
                    conns.clear()
                    continue
                if due:
                    self._poll(due, conns)
        except Exception:  # best effort: a watcher never breaks the work it watches
            with self._lock:
                self._thread = None

    def _poll(self, due: dict[int, _Entry], conns: dict[str, Any]) -> None:
        from alembic_baseline.pg.connect import connect  # lazy: cycle, see pyproject TODO(layers)

        by_url: dict[str, list[int]] = {}
        for pid, entry in due.items():
            by_url.setdefault(entry.url.render(hide_password=False), []).append(pid)
        for key, pids in by_url.items():
            try:
                conn = conns.get(key)
                if conn is None or conn.closed:
                    conn = conns[key] = connect(
                        due[pids[0]].url, waits=Waits("1s", "5s"), watch=False
                    )
                rows = conn.execute(_BLOCKERS, (pids,)).fetchall()
            except Exception:
                conns.pop(key, None)
                continue
            found: dict[int, list[Blocker]] = {}
            for row in rows:
                texts = [str(v or "") for v in row[2:]]
                found.setdefault(int(str(row[0])), []).append(Blocker(int(str(row[1])), *texts))
            self._report(due, found)

    def _report(self, due: dict[int, _Entry], found: dict[int, list[Blocker]]) -> None:
        now = time.monotonic()
        for pid, entry in due.items():
            blockers = tuple(found.get(pid, ()))
            with self._lock:
                if not blockers:
                    entry.blocked_since = None
                    continue
                entry.blockers = blockers
                self._last[pid] = blockers
                entry.blocked_since = entry.blocked_since or now
            text = describe(blockers)
            if now - entry.blocked_since >= SHOW_AFTER_S and text != entry.shown:
                entry.shown = text
                if _notify is not None:
                    _notify(f"{entry.label} is waiting for {text}")


WATCHER = _Watcher()


class Watch:
    """What a watched session last waited for (filled in when the watch ends)."""

    def __init__(self) -> None:
        self.blockers: tuple[Blocker, ...] = ()

    @property
    def blocked_by(self) -> str:
        return describe(self.blockers)


@contextmanager
def watching(pid: int, url: DatabaseURL, label: str, lock_timeout: str = "0") -> Iterator[Watch]:
    """Watch session ``pid`` meanwhile (progress lines after about a second blocked)."""
    watch = Watch()
    WATCHER.add(pid, url, label, lock_timeout)
    try:
        yield watch
    finally:
        watch.blockers = WATCHER.remove(pid)


def lock_timeout_error(
    cls: type[E], url: DatabaseURL, what: str, waits: Waits, blocked_by: str, detail: str = ""
) -> E:
    """The one-paragraph error of a session that gave up waiting for a lock."""
    held = f" It waited for {blocked_by}." if blocked_by else ""
    return cls(
        f"{what} on {url.redacted} gave up after lock_timeout ({waits.lock_timeout}): another "
        f"session holds a lock it needs.{held}{(' ' + detail) if detail else ''}",
        hint="Wait until that session's transaction ends (or end it: SELECT "
        "pg_terminate_backend(PID) — only if it is safe), then run the command again; a longer "
        "wait: read_lock_timeout in [tool.alembic-baseline] or "
        "ALEMBIC_BASELINE_READ_LOCK_TIMEOUT=30s.",
    )


def statement_timeout_error(cls: type[E], url: DatabaseURL, what: str, waits: Waits) -> E:
    return cls(
        f"{what} on {url.redacted} was cancelled after statement_timeout "
        f"({waits.statement_timeout}).",
        hint="Is the server overloaded? Raise the limit with read_statement_timeout in "
        "[tool.alembic-baseline] or ALEMBIC_BASELINE_READ_STATEMENT_TIMEOUT=30min.",
    )


# -- a program's session: cancel it after lock_timeout -----------------------------------------

_WAITING = """
SELECT pid, query_start::text FROM pg_stat_activity
 WHERE application_name = %s AND wait_event_type = 'Lock'
"""


class LockGuard:
    """Cancels the statement of a program's session (found by its unique application_name)
    that waits for one lock longer than ``lock_timeout``: for programs that reset the setting
    themselves (pg_restore's archive starts with ``SET lock_timeout = 0``)."""

    def __init__(self, url: DatabaseURL, application_name: str, lock_timeout: str) -> None:
        self.url = url
        self.application_name = application_name
        self.limit = seconds(lock_timeout)
        self.cancelled = False
        self.blockers: tuple[Blocker, ...] = ()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ab-lock-guard", daemon=True)

    @property
    def blocked_by(self) -> str:
        return describe(self.blockers)

    def _run(self) -> None:
        from alembic_baseline.pg.connect import connect  # lazy: cycle, see pyproject TODO(layers)

        every = min(POLL_S, max(0.05, self.limit / 3))
        first_seen: dict[tuple[int, str], float] = {}
        conn: Any = None
        try:
            while not self._stop.wait(every):
                conn = conn or connect(self.url, waits=Waits("1s", "5s"), watch=False)
                now = time.monotonic()
                rows = conn.execute(_WAITING, (self.application_name,)).fetchall()
                for pid, started in rows:
                    since = first_seen.setdefault((int(pid), str(started)), now)
                    found = conn.execute(_BLOCKERS, ([int(pid)],)).fetchall()
                    if found:
                        texts = [[str(v or "") for v in r[2:]] for r in found]
                        self.blockers = tuple(
                            Blocker(int(str(r[1])), *t) for r, t in zip(found, texts, strict=True)
                        )
                    if now - since >= self.limit:
                        self.cancelled = True  # first: the program may end at once
                        conn.execute("SELECT pg_cancel_backend(%s)", (int(pid),))
        except Exception:
            return  # best effort: the program's own timeout still bounds it
        finally:
            if conn is not None:
                conn.close()

    def __enter__(self) -> LockGuard:
        if self.limit > 0:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
