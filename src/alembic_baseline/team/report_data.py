"""What ``report -o report.html`` shows, as plain values: the graph, databases, findings, drift.

The graph joins what the tool knows and Alembic does not: revisions archived by a baseline
(``versions/archive/``), the baseline revision and its bridge (the baseline manifest), and where
each known database stands (a database given on the command line, and the run records of
``apply`` / ``rollback`` in the state directory).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic_baseline.baseline.manifest import Manifest, find_manifest
from alembic_baseline.errors import ConfigError
from alembic_baseline.history.graph import History, Revision
from alembic_baseline.pg.url import redact

ARCHIVED = "archived:"
"""Prefix of archived nodes' ids (the bridge carries the archived old head's id)."""


@dataclass(frozen=True)
class Node:
    id: str
    revision: str
    message: str
    kinds: tuple[str, ...]
    """base, head, merge, branchpoint, baseline, bridge, archived."""
    file: str


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: str
    """parent, merge (one of a merge revision's parents) or archive (archived old head → bridge)."""


@dataclass(frozen=True)
class DatabaseView:
    name: str
    """Redacted URL or the run record's database name."""
    origin: str
    """``--url`` or ``run record <id>``."""
    revisions: tuple[str, ...]
    when: str = ""
    outcome: str = ""
    pending: tuple[str, ...] = ()
    drift: tuple[str, ...] = ()
    schema: str = ""
    """How the schema compares (``schema equals revision …``, ``3 difference(s)…``, why not)."""


@dataclass(frozen=True)
class FindingView:
    code: str
    severity: str
    revision: str
    file: str
    line: int
    message: str


@dataclass(frozen=True)
class ReportData:
    project: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    databases: tuple[DatabaseView, ...] = ()
    findings: tuple[FindingView, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """What ``report.dataclass_json`` gives (every string redacted), built for these few
        record types directly: the generic walk took 0.13 s CPU for 1,000 revisions."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, tuple) and value and dataclasses.is_dataclass(value[0]):
                names = [g.name for g in dataclasses.fields(value[0])]
                out[f.name] = [{n: _plain(getattr(v, n)) for n in names} for v in value]
            else:
                out[f.name] = _plain(value)
        return out


_MAY_HOLD_SECRET = re.compile(r"@|(?i:password)")
"""Text :func:`redact` can change holds one of these (its patterns: ``user:secret@``,
``password=…``, ``PASSWORD '…'``); other text skips its four substitutions."""


def _text(value: str) -> str:
    return redact(value) if _MAY_HOLD_SECRET.search(value) else value


def _plain(value: Any) -> Any:
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def _manifest(history: History) -> Manifest | None:
    try:
        return find_manifest(Path(history.script.dir))
    except ConfigError:
        return None


def _node(rev: Revision, kinds: list[str], children: Counter[str], base: Path) -> Node:
    node_id = (ARCHIVED if rev.archived else "") + rev.id
    if rev.is_base:
        kinds.append("base")
    if rev.is_merge:
        kinds.append("merge")
    if children[node_id] > 1:
        kinds.append("branchpoint")
    with contextlib.suppress(ValueError):
        return Node(node_id, rev.id, rev.message, tuple(kinds), str(rev.path.relative_to(base)))
    return Node(node_id, rev.id, rev.message, tuple(kinds), rev.path.name)


def graph(
    history: History, base: Path
) -> tuple[tuple[Node, ...], tuple[Edge, ...], tuple[str, ...]]:
    """Nodes and edges of the live and archived revisions; notes on what was found."""
    manifest = _manifest(history)
    heads = set(history.heads())
    revisions = [*history.archived.values(), *history.live.values()]
    edges: list[Edge] = []
    for rev in revisions:
        prefix = ARCHIVED if rev.archived else ""
        kind = "merge" if rev.is_merge else "parent"
        edges += [Edge(prefix + p, prefix + rev.id, kind) for p in rev.down_revisions]
    notes: list[str] = []
    if (
        manifest is not None
        and manifest.old_head in history.live
        and manifest.old_head in history.archived
    ):
        edges.append(Edge(ARCHIVED + manifest.old_head, manifest.old_head, "archive"))
    if manifest is not None:
        notes.append(
            f"baseline {manifest.revision} (bridge {manifest.old_head}, "
            f"{len(manifest.archived)} revision(s) archived)"
        )
    children = Counter(e.source for e in edges if e.kind != "archive")
    nodes = []
    for rev in revisions:
        kinds = ["archived"] if rev.archived else []
        if not rev.archived and rev.id in heads:
            kinds.append("head")
        if manifest is not None and not rev.archived:
            if rev.id == manifest.revision:
                kinds.append("baseline")
            if rev.id == manifest.old_head:
                kinds.append("bridge")
        nodes.append(_node(rev, kinds, children, base))
    known = {n.id for n in nodes}
    return (
        tuple(nodes),
        tuple(e for e in edges if e.source in known and e.target in known),
        tuple(notes),
    )


def run_records(runs_dir: Path) -> list[DatabaseView]:
    """The newest run record of each database: where that run left it."""
    newest: dict[str, DatabaseView] = {}
    names = (
        sorted((p.name for p in runs_dir.iterdir() if p.is_dir()), reverse=True)
        if runs_dir.is_dir()
        else []
    )
    for name in names:
        try:
            data = json.loads((runs_dir / name / "record.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        database = str(data.get("database", ""))
        if not database or database in newest:
            continue
        ok = data.get("outcome") == "ok"
        revisions = (
            data.get("to_revisions") if ok else data.get("stopped_at") or data.get("from_revisions")
        )
        newest[database] = DatabaseView(
            name=database,
            origin=f"run record {name}",
            revisions=tuple(str(r) for r in revisions or ()),
            when=str(data.get("finished_at") or data.get("started_at") or ""),
            outcome=f"{data.get('command', '')} {data.get('outcome', '')}".strip(),
        )
    return list(newest.values())
