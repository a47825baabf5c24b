"""AB3xx: changing views the runbook's way — DROP VIEW IF EXISTS ... CASCADE, then re-create all."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from alembic_baseline.lint.graphs import RevisionGraph
from alembic_baseline.lint.lazy import lazy_module
from alembic_baseline.lint.model import Direction, Finding, RevisionSummary, Severity
from alembic_baseline.lint.registry import History, Rule
from alembic_baseline.lint.revision import RevisionFile, Statement

if TYPE_CHECKING:
    from pglast import ast

    from alembic_baseline.lint import sqlfacts as sf
else:
    # lazy: a warm lint (every result cached) parses no SQL: pglast is ~45 ms of start-up
    ast = lazy_module("pglast.ast", globals())
    sf = lazy_module("alembic_baseline.lint.sqlfacts", globals())


@functools.cache
def _view_kinds() -> tuple[Any, ...]:
    # a function, not a constant: the enum is pglast's, imported when SQL is first checked
    return (sf.OT.OBJECT_VIEW, sf.OT.OBJECT_MATVIEW)


class ViewChangeDropCascade(Rule):
    """A view is changed with ``DROP VIEW IF EXISTS ... CASCADE`` and a fresh ``CREATE VIEW``.

    Why
    ---
    The runbook: ビュー変更時は必ず ``DROP VIEW IF EXISTS ... CASCADE``. ``CREATE OR REPLACE
    VIEW`` fails as soon as a column is removed, renamed or retyped, and only works for
    appending columns — so the same revision behaves differently depending on the change. A
    ``DROP VIEW`` without ``IF EXISTS`` fails on databases built another way (from a baseline,
    say); without ``CASCADE`` it fails when another view depends on it.

    Flagged, in ``upgrade()`` and in ``downgrade()``: ``CREATE OR REPLACE VIEW``, and a
    ``DROP VIEW`` without ``IF EXISTS`` or without ``CASCADE`` of a view the same function then
    creates again (a view dropped for good is not a view change).

    Anti-pattern
    ------------
    ```python
    def upgrade() -> None:
        op.execute("CREATE OR REPLACE VIEW v_inventory_summary AS SELECT ...")
    ```

    Best practice
    -------------
    ```python
    def upgrade() -> None:
        op.execute("DROP VIEW IF EXISTS v_inventory_summary CASCADE")
        op.execute("CREATE VIEW v_inventory_summary AS SELECT ...")
        # ...and re-create every view the CASCADE dropped (AB302)
    ```

    References
    ----------
    - https://www.postgresql.org/docs/current/sql-createview.html
    - https://www.postgresql.org/docs/current/sql-dropview.html
    """

    code = "AB301"
    name = "view-change-drop-cascade"
    severity = Severity.WARNING

    def check(self, rev: RevisionFile) -> Iterator[Finding]:
        for direction in Direction:
            statements = rev.statements_of(direction)
            for st in statements:
                node = st.node
                if isinstance(node, ast.ViewStmt) and node.replace:
                    yield self._finding(st, f"CREATE OR REPLACE VIEW {sf.rel(node.view)}")
                elif isinstance(node, ast.DropStmt) and node.removeType in _view_kinds():
                    if node.missing_ok and sf.is_cascade(node):
                        continue
                    later = {sf.created_relation(o.node) for o in statements[st.index + 1 :]} - {
                        None
                    }
                    names = [
                        n
                        for n in sf.drop_objects(node)
                        if ("view", n) in later or ("matview", n) in later
                    ]
                    if names:
                        kind = (
                            "VIEW" if node.removeType == sf.OT.OBJECT_VIEW else "MATERIALIZED VIEW"
                        )
                        missing = " and ".join(
                            word
                            for word, ok in (
                                ("IF EXISTS", node.missing_ok),
                                ("CASCADE", sf.is_cascade(node)),
                            )
                            if not ok
                        )
                        yield self._finding(
                            st, f"DROP {kind} {', '.join(names)} without {missing}, then re-created"
                        )

    def _finding(self, st: Statement, what: str) -> Finding:
        return self.at(
            st,
            f"{what}: views are changed with DROP VIEW IF EXISTS ... CASCADE, then CREATE VIEW.",
            'op.execute("DROP VIEW IF EXISTS <view> CASCADE"), then op.execute("CREATE VIEW '
            '<view> AS ...") and re-create the views that depended on it.',
            subject=f"{st.direction.value}: {what}",
        )


Views = dict[str, tuple[tuple[str, ...], str]]
"""View name → (relations it reads, revision that defined it)."""


def _dependants(views: Mapping[str, tuple[tuple[str, ...], str]], name: str) -> set[str]:
    """Views that read ``name``, directly or through other views."""
    found: set[str] = set()
    frontier = {name}
    while frontier:
        nxt = {v for v, (refs, _) in views.items() if set(refs) & frontier and v not in found}
        found |= nxt
        frontier = nxt
    found.discard(name)
    return found


class ViewDependantsRecreated(Rule):
    """After ``DROP ... CASCADE``, every dependent view is re-created in the same revision.

    Why
    ---
    ``CASCADE`` silently drops every view that reads the dropped view or table, and the views
    reading those. The runbook's pattern is right only if the revision re-creates all of them:
    otherwise the deploy succeeds and the application fails later on a missing view. The
    linter knows the dependants from the ``CREATE VIEW`` statements of the earlier revisions
    (the baseline's SQL included) and checks that each is created again after the drop.

    Anti-pattern
    ------------
    ```python
    # v_lot_expiry reads v_inventory_summary (created in an earlier revision)
    def upgrade() -> None:
        op.execute("DROP VIEW IF EXISTS v_inventory_summary CASCADE")
        op.execute("CREATE VIEW v_inventory_summary AS SELECT ...")
        # v_lot_expiry is gone
    ```

    Best practice
    -------------
    ```python
    def upgrade() -> None:
        op.execute("DROP VIEW IF EXISTS v_inventory_summary CASCADE")
        op.execute("CREATE VIEW v_inventory_summary AS SELECT ...")
        op.execute("CREATE VIEW v_lot_expiry AS SELECT ... FROM v_inventory_summary ...")
    ```

    Re-create dependants in dependency order, from their latest definitions; the downgrade
    does the same with the old definitions.

    References
    ----------
    - https://www.postgresql.org/docs/current/sql-dropview.html
    - https://www.postgresql.org/docs/current/ddl-depend.html
    """

    code = "AB302"
    name = "view-dependants-recreated"
    severity = Severity.ERROR
    history = True

    def check_history(self, history: History) -> Iterator[Finding]:
        if not any(e.action == "drop_cascade" for s in history.revisions for e in s.view_events):
            return
        graph = RevisionGraph(history.revisions)
        states: dict[str, Views] = {}
        for summary in graph.ordered():
            views: Views = {}
            for parent in graph.parents(summary):
                views.update(states.get(parent, {}))
            yield from self._check_revision(summary, views)  # updates ``views`` as it goes
            states[summary.revision or summary.path] = views

    def _check_revision(self, summary: RevisionSummary, views: Views) -> Iterator[Finding]:
        events = summary.view_events
        for index, event in enumerate(events):
            if event.action == "drop_cascade":
                lost = _dependants(views, event.name)
                recreated = {e.name for e in events[index + 1 :] if e.action == "create"}
                missing = sorted(lost - recreated)
                if missing:
                    origin = ", ".join(f"{m} ({views[m][1]})" for m in missing)
                    yield self.finding(
                        summary.path,
                        event.line,
                        f"DROP ... CASCADE of {event.name} also drops {origin}, which this "
                        "revision does not re-create.",
                        f"Re-create {', '.join(missing)} after {event.name}, in dependency "
                        "order, from their latest definitions.",
                        subject=f"cascade {event.name}: {', '.join(missing)}",
                    )
            if event.action == "create":
                views[event.name] = (event.refs, summary.revision or "?")
            elif event.action == "drop_cascade":
                for dependant in _dependants(views, event.name):
                    views.pop(dependant, None)
                views.pop(event.name, None)
            else:
                views.pop(event.name, None)
