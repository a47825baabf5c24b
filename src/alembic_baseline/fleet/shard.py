"""A stable, disjoint share of the fleet for one of N copies of the runner.

Any engine that runs N copies of a container runs the fleet (a Kubernetes Indexed Job, an Argo
``withSequence`` step, a CI matrix): copy I keeps the targets whose name hashes to I modulo N.
The share of a target depends only on its name and N — not on the order of the targets or on
which others exist — so a target added or removed between two runs moves no other target, and
the N shares are disjoint and together cover the fleet. Nothing is shared between copies but the
target databases themselves (locks, version tables), so a copy can be rerun on its own.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from alembic_baseline.errors import ConfigError
from alembic_baseline.settings import env

INDEX_ENV = "JOB_COMPLETION_INDEX"
"""Set by Kubernetes in each pod of an Indexed Job (0 … completions-1)."""
COUNT_ENV = "ALEMBIC_BASELINE_SHARDS"
"""The number of shards, when the index comes from JOB_COMPLETION_INDEX."""

T = TypeVar("T")


@dataclass(frozen=True)
class Shard:
    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def owns(self, name: str) -> bool:
        return zlib.crc32(name.encode()) % self.count == self.index


def parse(text: str) -> Shard:
    """``I/N`` with 0 ≤ I < N."""
    index, sep, count = text.partition("/")
    try:
        shard = Shard(int(index), int(count))
    except ValueError:
        shard = None
    if not sep or shard is None or shard.count < 1 or not 0 <= shard.index < shard.count:
        raise ConfigError(
            f"--shard {text!r} is not I/N with 0 ≤ I < N.",
            hint="e.g. --shard 0/4 … --shard 3/4 for four copies.",
        )
    return shard


def chosen(
    given: str | None, count: int | None, environ: Mapping[str, str] | None = None
) -> Shard | None:
    """``--shard I/N``; else N from ``--shards`` or $ALEMBIC_BASELINE_SHARDS with I from
    $JOB_COMPLETION_INDEX; else None (the whole fleet)."""
    if given:
        return parse(given)
    shards = env(COUNT_ENV, environ)
    if count is None and shards:
        try:
            count = int(shards)
        except ValueError:
            raise ConfigError(f"${COUNT_ENV}={shards!r} is not a number.") from None
    if count is None:
        return None
    index = env(INDEX_ENV, environ)
    if not index:
        raise ConfigError(
            f"{count} shards, but ${INDEX_ENV} is not set: which one is this?",
            hint=f"Pass --shard I/{count}, or run as a Kubernetes Indexed Job (it sets "
            f"{INDEX_ENV}).",
        )
    return parse(f"{index}/{count}")


def share(items: Sequence[T], shard: Shard | None, name: str = "name") -> list[T]:
    """The items (with a ``name`` attribute) this shard owns, in their order."""
    if shard is None:
        return list(items)
    return [i for i in items if shard.owns(str(getattr(i, name)))]
