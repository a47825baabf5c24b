"""The advisory-lock key of one migration target: a database, or one tenant schema in it.

Everything that migrates a target takes this key first — ``apply``/``rollback``/``repair``
(deploy's guard), ``fleet apply`` and the env.py start-up helper — so two of them never migrate
the same target at once, while different targets (other databases, other tenant schemas of the
same database) never wait for each other: there is no global lock.

The key is two int4 numbers for ``pg_advisory_lock(int, int)``: a fixed namespace for this tool
and a CRC-32 of the target's name (advisory locks are per database already; the name in the key
also keeps the lock apart from a same-numbered lock the application might take).
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

NAMESPACE = 0x41426C6B  # "ABlk": alembic-baseline's guarded runs

HELD_ENV = "ALEMBIC_BASELINE_HELD_LOCK"
"""Set by a runner that holds a target's key for the ``alembic`` process it starts on that
target (value ``k1:k2``, :func:`env_for`): the env.py helper then does not wait for its own
runner's lock. In-process runs use :func:`holding` instead."""

_HELD: set[tuple[int, int]] = set()


def key(database: str, schema: str | None = None) -> tuple[int, int]:
    """``(namespace, CRC-32 of the target)``, both in int4 range.

    A database target (``schema`` None) keeps the key the guard has always used; a tenant
    schema's key covers database and schema (NUL-separated, so no two pairs collide by
    concatenation).
    """
    name = database if schema is None else f"{database}\0{schema}"
    return NAMESPACE & 0x7FFFFFFF, zlib.crc32(name.encode()) & 0x7FFFFFFF


@contextmanager
def holding(k: tuple[int, int]) -> Iterator[None]:
    """Tell env.py helpers run in this process meanwhile that their runner holds ``k``
    (``alembic_baseline.tenant.run_migrations_once`` would otherwise wait for it until its
    timeout). The lock itself is taken by the caller."""
    _HELD.add(k)
    try:
        yield
    finally:
        _HELD.discard(k)


def held_by_runner(k: tuple[int, int]) -> bool:
    """Whether the process that runs this env.py (or the runner that started it) holds ``k``."""
    return k in _HELD or os.environ.get(HELD_ENV) == f"{k[0]}:{k[1]}"


def env_for(k: tuple[int, int]) -> dict[str, str]:
    """The environment variable that tells a child ``alembic`` process its runner holds ``k``."""
    return {HELD_ENV: f"{k[0]}:{k[1]}"}
