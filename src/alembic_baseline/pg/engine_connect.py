"""psycopg's early "connection timeout expired", handled for SQLAlchemy engines as well.

:func:`alembic_baseline.pg.connect.connect` retries psycopg 3's spurious ``ConnectionTimeout``
(raised long before ``connect_timeout``, see ``until_timeout``). Migrations do not connect
through it: the project's env.py builds its own SQLAlchemy engine, which calls
``psycopg.connect`` once — so under load a replay or an upgrade driven by the tool could still
fail with "connection timeout expired" at once. While :func:`retrying_engines` is active, every
engine of the psycopg (3) dialect connects through the same bounded retry; the time given
(``connect_timeout`` of the URL, ``PGCONNECT_TIMEOUT``, else psycopg's own default) is kept, and
a server that really does not answer still fails once it has passed. Other drivers (psycopg2,
asyncpg) do not have the fault and are left alone.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from alembic_baseline import settings
from alembic_baseline.pg.connect import until_timeout

PSYCOPG_DEFAULT_TIMEOUT_S = 130  # psycopg.conninfo._DEFAULT_CONNECT_TIMEOUT


def _timeout(cparams: dict[str, Any]) -> float:
    given = cparams.get("connect_timeout") or settings.env("PGCONNECT_TIMEOUT") or None
    try:
        value = float(given) if given is not None else 0.0
    except (TypeError, ValueError):
        value = 0.0
    return value if value > 0 else PSYCOPG_DEFAULT_TIMEOUT_S


def _do_connect(
    dialect: Any, conn_rec: Any, cargs: tuple[Any, ...], cparams: dict[str, Any]
) -> Any:
    if getattr(dialect, "driver", None) != "psycopg" or getattr(dialect, "is_async", False):
        return None  # SQLAlchemy connects as usual
    import psycopg

    def attempt(remaining: float) -> Any:
        params = {**cparams, "connect_timeout": str(max(2, math.ceil(remaining)))}
        return dialect.loaded_dbapi.connect(*cargs, **params)

    return until_timeout(attempt, _timeout(cparams), psycopg.errors.ConnectionTimeout)


@contextmanager
def retrying_engines() -> Iterator[None]:
    """Within the block, psycopg engines retry an early ConnectionTimeout (nestable)."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    installed = event.contains(Engine, "do_connect", _do_connect)
    if not installed:
        event.listen(Engine, "do_connect", _do_connect)
    try:
        yield
    finally:
        if not installed:
            event.remove(Engine, "do_connect", _do_connect)


def move_last() -> None:
    """Put the retry after every other ``do_connect`` listener, if it is registered.

    It connects by itself, which ends SQLAlchemy's chain of ``do_connect`` listeners: a check
    registered later (the replay sandbox's) would never run. (``insert=True`` does not order
    listeners registered on the Engine class for this dialect event.)"""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if event.contains(Engine, "do_connect", _do_connect):
        event.remove(Engine, "do_connect", _do_connect)
        event.listen(Engine, "do_connect", _do_connect)
