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

import zlib

NAMESPACE = 0x41426C6B  # "ABlk": alembic-baseline's guarded runs


def key(database: str, schema: str | None = None) -> tuple[int, int]:
    """``(namespace, CRC-32 of the target)``, both in int4 range.

    A database target (``schema`` None) keeps the key the guard has always used; a tenant
    schema's key covers database and schema (NUL-separated, so no two pairs collide by
    concatenation).
    """
    name = database if schema is None else f"{database}\0{schema}"
    return NAMESPACE & 0x7FFFFFFF, zlib.crc32(name.encode()) & 0x7FFFFFFF
