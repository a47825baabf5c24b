"""Alembic's offline SQL for a range, cut into one part per revision, with guards (pure text).

``alembic upgrade A:B --sql`` writes, per step, a ``-- Running upgrade a -> b`` comment, the
revision's statements and the version-table update (INSERT / UPDATE / DELETE of ``version_num``),
wrapped in ``BEGIN;`` / ``COMMIT;`` once for the whole range or once per revision
(``transaction_per_migration``), with ``COMMIT; … BEGIN;`` around autocommit blocks. This module
keeps each step's own text as Alembic wrote it, moves the boundary ``BEGIN;``/``COMMIT;`` out (the
bundle's ``apply.sql`` puts them back where Alembic had them), and replays the version-table
statements to know which revisions the table holds before each step: the guard's expectation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_RUNNING = re.compile(
    r"^-- Running (?P<dir>upgrade|downgrade) (?P<src>.*?) -> (?P<dst>.*?)\s*$", re.M
)
_CONTROL = ("BEGIN;", "COMMIT;")
_Q = r"'(?P<{}>(?:[^']|'')*)'"
_INSERT = re.compile(
    r"^INSERT INTO (?P<table>\S+) \(version_num\) VALUES \(" + _Q.format("new") + r"\)", re.M
)
_UPDATE = re.compile(
    r"^UPDATE (?P<table>\S+) SET version_num="
    + _Q.format("new")
    + r" WHERE \S+\.version_num = "
    + _Q.format("old"),
    re.M,
)
_DELETE = re.compile(
    r"^DELETE FROM (?P<table>\S+) WHERE \S+\.version_num = " + _Q.format("old"), re.M
)
_CREATE = re.compile(r"^CREATE TABLE (?P<table>\S+) \(\s*version_num ", re.M)

TRANSACTION_MODES = ("per-revision", "single", "none")
"""How Alembic wrapped the range: BEGIN/COMMIT per revision, once, or not at all (env.py's
``transactional_ddl=False``)."""


@dataclass(frozen=True)
class Step:
    """One revision's part of the offline SQL."""

    revision: str
    """The revision this step applies (upgrade) or undoes (downgrade)."""
    label: str
    """``a -> b`` as Alembic logged it."""
    sql: str
    """The step's statements and its version-table update, without boundary BEGIN/COMMIT."""
    heads_before: tuple[str, ...]
    """What the version table holds before the step (sorted; empty: no table or no row)."""
    heads_after: tuple[str, ...]
    autocommit: bool
    """The step leaves the transaction (``COMMIT; … BEGIN;`` of an autocommit block)."""


@dataclass(frozen=True)
class Split:
    """A whole offline rendering, cut into steps."""

    prelude: str
    """SQL before the first step other than BEGIN (``CREATE TABLE alembic_version`` from base)."""
    steps: tuple[Step, ...]
    mode: str
    """One of :data:`TRANSACTION_MODES`."""
    version_table: str | None
    """The version table as Alembic's SQL names it (``alembic_version``, ``ops.versions``)."""


def _strip_trailing_control(text: str) -> tuple[str, list[str]]:
    lines = text.rstrip().split("\n")
    removed: list[str] = []
    while lines and lines[-1].strip() in _CONTROL:
        removed.insert(0, lines.pop().strip())
        while lines and not lines[-1].strip():
            lines.pop()
    return "\n".join(lines).strip("\n") + "\n", removed


def _unquote(text: str) -> str:
    return text.replace("''", "'")


def replay_versions(sql: str, heads: set[str]) -> set[str]:
    """Apply the version-table statements of ``sql`` to ``heads`` (as PostgreSQL would)."""
    events: list[tuple[int, str, str | None, str | None]] = []
    for m in _INSERT.finditer(sql):
        events.append((m.start(), "insert", None, _unquote(m.group("new"))))
    for m in _UPDATE.finditer(sql):
        events.append((m.start(), "update", _unquote(m.group("old")), _unquote(m.group("new"))))
    for m in _DELETE.finditer(sql):
        events.append((m.start(), "delete", _unquote(m.group("old")), None))
    result = set(heads)
    for _, kind, old, new in sorted(events):
        if old is not None and kind != "insert":
            result.discard(old)
        if new is not None:
            result.add(new)
    return result


def version_table(sql: str) -> str | None:
    """The version table's name (schema-qualified when configured) in Alembic's SQL."""
    for pattern in (_CREATE, _INSERT, _UPDATE, _DELETE):
        m = pattern.search(sql)
        if m:
            return m.group("table")
    return None


def split(sql: str, start_heads: tuple[str, ...]) -> Split:
    """Cut Alembic's offline output into steps; ``start_heads``: the version table's rows the
    rendering assumed (the range's start, nothing from base)."""
    marks = list(_RUNNING.finditer(sql))
    head = sql[: marks[0].start()] if marks else sql
    prelude_lines = [ln for ln in head.strip().split("\n") if ln.strip() not in _CONTROL]
    prelude = "\n".join(prelude_lines).strip()
    began = "BEGIN;" in (ln.strip() for ln in head.split("\n"))
    heads = set(start_heads)
    steps: list[Step] = []
    boundaries = 0
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(sql)
        body, removed = _strip_trailing_control(sql[m.start() : end])
        if i + 1 < len(marks) and removed:
            boundaries += 1
        after = replay_versions(body, heads)
        revision = m.group("dst") if m.group("dir") == "upgrade" else m.group("src")
        own_lines = {ln.strip() for ln in body.split("\n")}
        steps.append(
            Step(
                revision=revision.strip(),
                label=f"{m.group('src')} -> {m.group('dst')}".strip(),
                sql=body,
                heads_before=tuple(sorted(heads)),
                heads_after=tuple(sorted(after)),
                autocommit="COMMIT;" in own_lines and "BEGIN;" in own_lines,
            )
        )
        heads = after
    mode = "none" if not began else ("per-revision" if boundaries else "single")
    return Split(prelude, tuple(steps), mode, version_table(sql))


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def guard(table: str, expected: tuple[str, ...], where: str) -> str:
    """A DO block that raises unless ``table`` holds exactly ``expected`` (none: no table or no
    row). ``where`` names the step in the message."""
    want = "ARRAY[" + ", ".join(_literal(r) for r in sorted(expected)) + "]::text[]"
    shown = ", ".join(expected) or "no revision (empty or missing version table)"
    query = _literal(f"SELECT array_agg(version_num::text ORDER BY version_num) FROM {table}")
    return (
        f"-- guard: stop unless {table} holds exactly: {shown}\n"
        "DO $alembic_baseline_guard$\n"
        "DECLARE found text[];\n"
        "BEGIN\n"
        f"    IF to_regclass({_literal(table)}) IS NOT NULL THEN\n"
        f"        EXECUTE {query} INTO found;\n"
        "    END IF;\n"
        f"    IF found IS DISTINCT FROM {want if expected else 'NULL'} THEN\n"
        "        RAISE EXCEPTION 'alembic-baseline bundle: % expects the database at %, found %',\n"
        f"            {_literal(where)}, {_literal(shown)},\n"
        "            coalesce(array_to_string(found, ', '), 'no revision');\n"
        "    END IF;\n"
        "END\n"
        "$alembic_baseline_guard$;\n"
    )
