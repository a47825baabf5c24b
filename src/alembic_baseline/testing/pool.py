"""Clones made ahead and dropped behind, off the tests' critical path.

A test waits for ``CREATE DATABASE … TEMPLATE`` (tens of ms) and its teardown for ``DROP
DATABASE`` (another ~20 ms). Both are server work: a background thread with its own connection
makes the next clone of a template while the current test runs and drops finished databases
after it, so a test usually finds its database ready. When none is ready (the first test, a
template asked for the first time, tests faster than the server) the clone is made in the
foreground as before. Every database keeps the clone name of its process (template.py), so the
end-of-session sweep and the next session's reaper still find anything left behind.
"""

from __future__ import annotations

import collections
import contextlib
import queue
import threading
from typing import TYPE_CHECKING

from alembic_baseline.pg.scratch import ScratchServer

if TYPE_CHECKING:
    from alembic_baseline.pg.url import DatabaseURL
    from alembic_baseline.testing.template import Templates

AHEAD = 1
"""Clones kept ready per template (more only queue up behind the server's own speed)."""
_STOP = ("stop", "")


class ClonePool:
    """Hands out clones of templates; drops returned ones in the background."""

    def __init__(self, templates: Templates, ahead: int = AHEAD) -> None:
        self.templates = templates
        self.ahead = ahead
        self._ready: dict[str, collections.deque[DatabaseURL]] = {}
        self._pending: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()
        self._tasks: queue.Queue[tuple[str, str]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self.errors: list[str] = []

    def take(self, template: str) -> DatabaseURL:
        """A clone of ``template``: one made ahead when ready, else made now."""
        with self._lock:
            ready = self._ready.setdefault(template, collections.deque())
            url = ready.popleft() if ready else None
        if url is None:
            url = self.templates.clone(template)
        self._refill(template)
        return url

    def give_back(self, url: DatabaseURL) -> None:
        """Drop ``url`` in the background."""
        self._start()
        self._tasks.put(("drop", url.database))

    def _refill(self, template: str) -> None:
        with self._lock:
            missing = self.ahead - len(self._ready[template]) - self._pending[template]
            self._pending[template] += max(missing, 0)
        for _ in range(missing):
            self._start()
            self._tasks.put(("clone", template))

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._work, name="alembic-baseline-clones", daemon=True
            )
            self._thread.start()

    def _work(self) -> None:
        # Its own connection (a psycopg connection is not shared between threads).
        main = self.templates.server
        server = ScratchServer(main.admin_url, description=main.description)
        try:
            while True:
                action, name = self._tasks.get()
                if (action, name) == _STOP:
                    return
                try:
                    if action == "drop":
                        server.drop_database(name)
                    else:
                        url = self.templates.clone(name, server=server)
                        with self._lock:
                            self._pending[name] -= 1
                            self._ready[name].append(url)
                except Exception as exc:  # reported at close; the foreground path still works
                    self.errors.append(f"{action} {name}: {exc}")
                    if action == "clone":
                        with self._lock:
                            self._pending[name] -= 1
        finally:
            server.close()

    def close(self, timeout: float = 60.0) -> None:
        """Finish the queued drops, stop the thread, drop the clones nobody took."""
        if self._thread is not None:
            self._tasks.put(_STOP)
            self._thread.join(timeout)
            self._thread = None
        with self._lock:
            unused = [url for ready in self._ready.values() for url in ready]
            self._ready.clear()
        for url in unused:
            with contextlib.suppress(Exception):
                self.templates.drop(url)
