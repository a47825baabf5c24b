"""Clones made ahead and dropped behind, off the tests' critical path.

A test waits for ``CREATE DATABASE … TEMPLATE`` (tens of ms) and its teardown for ``DROP
DATABASE`` (another ~20 ms). Both are server work: background threads with their own
connections make the next clones of a template while the current test runs and drop finished
databases after it, so a test usually finds its database ready. When none is ready (the first
test, a template asked for the first time) the clone is made in the foreground; when one is
being made, the test waits for it. Every database keeps the clone name of its process
(template.py), so the end-of-session sweep and the next session's reaper find anything left.
"""

from __future__ import annotations

import collections
import contextlib
import queue
import threading
import time
from typing import TYPE_CHECKING

from alembic_baseline.pg.scratch import ScratchServer

if TYPE_CHECKING:
    from alembic_baseline.pg.url import DatabaseURL
    from alembic_baseline.testing.template import Templates

AHEAD = 2
"""Clones kept ready per template, each made by its own thread (the server makes them at once)."""
_STOP = ("stop", "")
WAIT_S = 30.0
"""How long a test waits for a clone in the making before making its own (a stuck server)."""


class ClonePool:
    """Hands out clones of templates; drops returned ones in the background.

    Two threads, each with its own connection: one makes clones ahead, one drops — so a drop
    never delays the next clone (the server runs both at once)."""

    def __init__(self, templates: Templates, ahead: int = AHEAD) -> None:
        self.templates = templates
        self.ahead = ahead
        self._ready: dict[str, collections.deque[DatabaseURL]] = {}
        self._pending: collections.Counter[str] = collections.Counter()
        self._cond = threading.Condition()
        self._queues = {"clone": queue.Queue[tuple[str, str]](), "drop": queue.Queue()}
        self._threads: dict[str, list[threading.Thread]] = {}
        self.errors: list[str] = []

    def take(self, template: str) -> DatabaseURL:
        """A clone of ``template``: one made ahead (waiting for it when it is being made),
        else one made now."""
        deadline = time.monotonic() + WAIT_S
        with self._cond:
            ready = self._ready.setdefault(template, collections.deque())
            # A clone in the making is closer than a new one (unless the server is stuck).
            while not ready and self._pending[template] > 0:
                left = deadline - time.monotonic()
                if left <= 0 or not self._cond.wait(left):
                    break
            url = ready.popleft() if ready else None
        if url is None:
            url = self.templates.clone(template)
        self._refill(template)
        return url

    def give_back(self, url: DatabaseURL) -> None:
        """Drop ``url`` in the background."""
        self._submit("drop", url.database)

    def _refill(self, template: str) -> None:
        with self._cond:
            missing = self.ahead - len(self._ready[template]) - self._pending[template]
            self._pending[template] += max(missing, 0)
        for _ in range(missing):
            self._submit("clone", template)

    def _submit(self, action: str, name: str) -> None:
        if action not in self._threads:
            count = self.ahead if action == "clone" else 1
            self._threads[action] = [
                threading.Thread(
                    target=self._work,
                    args=(self._queues[action],),
                    name=f"alembic-baseline-{action}",
                    daemon=True,
                )
                for _ in range(count)
            ]
            for thread in self._threads[action]:
                thread.start()
        self._queues[action].put((action, name))

    def _work(self, tasks: queue.Queue[tuple[str, str]]) -> None:
        # Its own connection (a psycopg connection is not shared between threads).
        main = self.templates.server
        server = ScratchServer(main.admin_url, description=main.description)
        try:
            while True:
                action, name = tasks.get()
                if (action, name) == _STOP:
                    return
                try:
                    if action == "drop":
                        server.drop_database(name)
                    else:
                        url = self.templates.clone(name, server=server)
                        with self._cond:
                            self._ready[name].append(url)
                except Exception as exc:  # reported at close; the foreground path still works
                    self.errors.append(f"{action} {name}: {exc}")
                finally:
                    if action == "clone":
                        with self._cond:
                            self._pending[name] -= 1
                            self._cond.notify_all()
        finally:
            server.close()

    def close(self, timeout: float = 60.0) -> None:
        """Finish the queued drops, stop the threads, drop the clones nobody took."""
        for action, threads in self._threads.items():
            for _ in threads:
                self._queues[action].put(_STOP)
            for thread in threads:
                thread.join(timeout)
        self._threads.clear()
        with self._cond:
            unused = [url for ready in self._ready.values() for url in ready]
            self._ready.clear()
        for url in unused:
            with contextlib.suppress(Exception):
                self.templates.drop(url)
