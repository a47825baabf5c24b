"""After a revision failed during apply/rollback: where the database really is, and who is to
blame (see :mod:`alembic_baseline.history.blame`).

A lost connection (server restart, failover, a terminated session) is not the revision's fault,
and "where is the database now" must be answered by the database, not guessed: the version table
is read again on a new connection, waiting (bounded) for a restarting server to accept one.
"""

from __future__ import annotations

import time

from alembic_baseline.deploy.state import Deployment, read_state
from alembic_baseline.errors import BaselineError
from alembic_baseline.history.blame import ConnectionLost, EnvPyFailed, ImportFailed
from alembic_baseline.history.graph import Revision

RECONNECT_WAIT_S = 30.0
"""How long to wait for the server to accept connections again after a lost connection."""
_POLL_S = 0.5


def stopped_at(
    dep: Deployment, exc: BaselineError | None = None, *, wait_s: float | None = None
) -> tuple[str, ...] | None:
    """The revisions the version table records now; None when it cannot be read.

    After a lost connection, retries for up to ``wait_s`` (default :data:`RECONNECT_WAIT_S`).
    """
    if wait_s is None:
        wait_s = RECONNECT_WAIT_S if isinstance(exc, ConnectionLost) else 0.0
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return read_state(dep.project, dep.url).current
        except BaselineError:
            if time.monotonic() >= deadline:
                return None
            time.sleep(_POLL_S)


def unknown_where(exc: BaselineError) -> str:
    if isinstance(exc, ConnectionLost):
        return (
            f"(unknown: the server did not accept a connection again within "
            f"{RECONNECT_WAIT_S:.0f} s)"
        )
    return "(unknown: the database could not be read)"


def step_status(rev: Revision, direction: str, stopped: tuple[str, ...] | None) -> str:
    """``done`` when the version table shows the revision's step took effect (a connection lost
    during its COMMIT may have come after the commit), else ``failed``."""
    if stopped is None:
        return "failed"
    took_effect = (rev.id in stopped) == (direction == "upgrade")
    return "done" if took_effect else "failed"


def first_step(
    rev: Revision,
    exc: BaselineError,
    where: str,
    direction: str = "upgrade",
    stopped: tuple[str, ...] | None = None,
) -> str | None:
    """The record's first next step when the revision is not to blame (else None)."""
    if isinstance(exc, ConnectionLost):
        took_effect = None if stopped is None else step_status(rev, direction, stopped) == "done"
        if took_effect:
            outcome = "its transaction had committed before (the version table says so)"
        elif took_effect is False:
            outcome = "the server rolled back its transaction"
        else:
            outcome = "what it left cannot be read yet"
        return (
            f"The connection was lost while revision {rev.id} ran; {outcome}. Read again on a "
            f"new connection: the database is at {where}."
        )
    if isinstance(exc, EnvPyFailed):
        return (
            f"Revision {rev.id} did not run: env.py failed before it. The database is at {where}."
        )
    if isinstance(exc, ImportFailed):
        return (
            f"Revision {rev.id} was not applied: a module that env.py or the revision imports "
            f"is missing from this Python environment. The database is at {where}."
        )
    return None


def hint(rev: Revision, exc: BaselineError) -> str | None:
    """The way out when the revision is not to blame (else None: "fix the revision")."""
    if isinstance(exc, ConnectionLost | EnvPyFailed | ImportFailed):
        return exc.hint
    return None
