"""``[tool.alembic-baseline.baseline]``, parsed here only (each feature parses its own section:
deploy/options.py, lint/config.py; see settings.py)::

    [tool.alembic-baseline.baseline]
    reference_tables = ["public.kinds"]   # rows carried from production (--reference-table)
    min_pg_major = 14                      # oldest server the baseline SQL must load on
    chunk_size = 500                       # statements per op.execute() chunk
"""

from __future__ import annotations

from dataclasses import dataclass

from alembic_baseline.baseline.sanitize import DEFAULT_CHUNK_SIZE, DEFAULT_MIN_MAJOR
from alembic_baseline.settings import Settings


@dataclass(frozen=True)
class BaselineSection:
    reference_tables: tuple[str, ...] = ()
    min_major: int = DEFAULT_MIN_MAJOR
    chunk_size: int = DEFAULT_CHUNK_SIZE


def from_settings(settings: Settings) -> BaselineSection:
    conf = settings.section("baseline")
    return BaselineSection(
        reference_tables=tuple(str(t) for t in conf.get("reference_tables", ())),
        min_major=int(conf.get("min_pg_major", DEFAULT_MIN_MAJOR)),
        chunk_size=int(conf.get("chunk_size", DEFAULT_CHUNK_SIZE)),
    )
