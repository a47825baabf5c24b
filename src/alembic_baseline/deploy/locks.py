"""Which pending statements hold a lock for long, attributed to their revisions.

The decisions are lint's (:mod:`alembic_baseline.lint.locks`: the PG rules' lock metadata, made
on pglast's parse tree); this module only cuts Alembic's offline SQL at the ``-- Running upgrade
a -> b`` comments, parses each revision's part and keeps the locks held while a table is
rewritten or scanned (or until commit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from alembic_baseline.lint.locks import created_names
from alembic_baseline.lint.statement_locks import statement_locks

_RUNNING = re.compile(r"^-- Running (?:upgrade|downgrade) (?P<src>.*?) -> (?P<dst>\S+)\s*$", re.M)


@dataclass(frozen=True)
class LockFinding:
    """One statement that holds a strong lock for as long as it runs."""

    revision: str
    statement: str
    relation: str
    lock: str
    blocks: str
    reason: str
    hint: str
    rule: str = ""
    """The lint rule that reports it too (empty when no rule checks that statement)."""


def split_by_revision(sql: str) -> list[tuple[str, str]]:
    """``[(revision, sql chunk)]`` in order; text before the first marker is dropped."""
    marks = list(_RUNNING.finditer(sql))
    chunks = []
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(sql)
        chunks.append((m.group("dst"), sql[m.end() : end]))
    return chunks


def analyse(sql: str, *, server_major: int = 13) -> list[LockFinding]:
    """Long-held locks of every statement in Alembic's offline SQL, in execution order.

    ``server_major`` decides what depends on the version (a default rewrites before 11, a
    validated CHECK spares SET NOT NULL its scan from 12).
    """
    from pglast import parse_sql
    from pglast.parser import ParseError

    findings: list[LockFinding] = []
    before: list[Any] = []  # statements of earlier revisions: tables they create are new
    for revision, chunk in split_by_revision(sql):
        try:
            raws = parse_sql(chunk)
        except ParseError as exc:
            findings.append(
                LockFinding(
                    revision,
                    _short(chunk),
                    "?",
                    "unknown",
                    "unknown",
                    f"the SQL could not be parsed ({exc})",
                    "Read this revision's SQL in migration_plan.sql yourself.",
                )
            )
            continue
        prefix = _created_only(before)
        nodes = [*prefix, *(r.stmt for r in raws)]
        per_statement = statement_locks(nodes, target_version=server_major)[len(prefix) :]
        for raw, hits in zip(raws, per_statement, strict=True):
            for hit in hits:
                if hit.effect.long_held:
                    findings.append(
                        LockFinding(
                            revision,
                            _statement_text(chunk, raw),
                            hit.relation,
                            hit.effect.mode,
                            hit.effect.blocks,
                            hit.reason,
                            hit.hint,
                            hit.code,
                        )
                    )
        before.extend(r.stmt for r in raws)
    return findings


def _created_only(nodes: list[Any]) -> list[Any]:
    """Earlier revisions matter only for the relations they create (a transaction ends there)."""
    return [n for n in nodes if created_names(n)]


def _statement_text(chunk: str, raw: Any) -> str:
    start = raw.stmt_location or 0
    length = raw.stmt_len or len(chunk) - start
    return _short(chunk[start : start + length])  # pglast reports character offsets


def _short(text: str, limit: int = 160) -> str:
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 1] + "…"
