"""AB4xx: the revision graph — one head, no dangling or duplicated revision ids."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from alembic_baseline.lint.graphs import RevisionGraph
from alembic_baseline.lint.model import Finding, Severity
from alembic_baseline.lint.registry import History, Rule


class SingleHead(Rule):
    """The history has a single head (branches are merged).

    Why
    ---
    Two developers who each add a revision on top of the same parent create two heads.
    ``alembic upgrade head`` then stops with "Multiple head revisions are present", and the
    runbook's ``alembic current`` / ``upgrade head`` steps no longer mean one thing. The merge
    must be a deliberate revision, reviewed like any other, before the deploy — not discovered
    during it.

    Anti-pattern
    ------------
    ```text
    a1b2c3 -> d4e5f6 (head)
           -> 0a9b8c (head)
    ```

    Best practice
    -------------
    ```bash
    alembic merge -m "merge shipping and invoicing" d4e5f6 0a9b8c
    ```

    then check the merged order of the two branches (their operations must not conflict).
    Projects with intentional independent branches raise ``max-heads``.

    References
    ----------
    - https://alembic.sqlalchemy.org/en/latest/branches.html#merging-branches
    """

    code = "AB401"
    name = "single-head"
    severity = Severity.ERROR
    history = True
    options: ClassVar[Mapping[str, Any]] = {"max-heads": 1}

    def check_history(self, history: History) -> Iterator[Finding]:
        graph = RevisionGraph(history.revisions)
        heads = history.heads if history.heads is not None else graph.heads()
        if len(heads) <= int(self.opts["max-heads"]):
            return
        for head in heads:
            summary = graph.by_id.get(head)
            if summary is None or summary.archived:
                continue
            yield self.finding(
                summary.path,
                summary.revision_line,
                f"The history has {len(heads)} heads ({', '.join(heads)}); this is one of them.",
                f'Merge them: alembic merge -m "merge heads" {" ".join(heads)}',
                subject=f"head {head}",
            )


class DownRevisionExists(Rule):
    """Every ``down_revision`` names a revision of the script directory.

    Why
    ---
    A ``down_revision`` that names no revision — a file deleted, renamed, or archived without
    a baseline — makes Alembic refuse to build the graph: every command fails, including the
    ``alembic current`` of the runbook's first step.

    Anti-pattern
    ------------
    ```python
    revision = "c3d4e5f6a7b8"
    down_revision = "bd41467bfaf6"  # moved to versions/archive/
    ```

    Best practice
    -------------
    Archive old revisions only behind a baseline: the baseline revision recreates the schema
    and a bridge revision carrying the old head's id continues the chain. Otherwise restore
    the missing file.

    ```bash
    alembic-baseline baseline create     # baseline + bridge, then archive the old revisions
    git restore alembic/versions/bd41467bfaf6_*.py   # or bring the parent back
    ```

    References
    ----------
    - https://alembic.sqlalchemy.org/en/latest/api/script.html
    """

    code = "AB402"
    name = "down-revision-exists"
    severity = Severity.ERROR
    history = True

    def check_history(self, history: History) -> Iterator[Finding]:
        live = {s.revision for s in history.revisions if not s.archived and s.revision}
        every = {s.revision for s in history.revisions if s.revision}
        for summary in history.revisions:
            known = every if summary.archived else live
            for down in summary.down_revisions:
                if down not in known:
                    yield self.finding(
                        summary.path,
                        summary.revision_line,
                        f"down_revision {down!r} names no revision in the script directory.",
                        "Restore the missing revision file, or baseline the history "
                        "(alembic-baseline baseline) before archiving revisions.",
                        subject=f"down {down}",
                    )


class UniqueRevisionId(Rule):
    """No two revision files declare the same revision id.

    Why
    ---
    Alembic keys revisions by id; with two files declaring one id it refuses to load the
    script directory ("Revision X is present more than once"). It usually comes from copying a
    revision file as a template.

    Anti-pattern
    ------------
    ```text
    versions/a1b2c3d4e5f6_add_shipping_date.py     revision = "a1b2c3d4e5f6"
    versions/a1b2c3d4e5f6_add_invoice_date.py      revision = "a1b2c3d4e5f6"
    ```

    Best practice
    -------------
    Create revisions with Alembic (a fresh id every time); never copy a revision file:

    ```bash
    alembic revision -m "add invoice date"
    ```

    References
    ----------
    - https://alembic.sqlalchemy.org/en/latest/api/script.html
    """

    code = "AB403"
    name = "unique-revision-id"
    severity = Severity.ERROR
    history = True

    def check_history(self, history: History) -> Iterator[Finding]:
        for group in RevisionGraph(history.revisions).duplicates():
            paths = ", ".join(s.path.rsplit("/", 1)[-1] for s in group)
            for summary in group:
                yield self.finding(
                    summary.path,
                    summary.revision_line,
                    f"Revision id {summary.revision!r} is declared by {len(group)} files: {paths}.",
                    'Give this revision a fresh id (alembic revision -m "..." generates one) '
                    "and fix the down_revision of its children.",
                    subject=f"duplicate {summary.revision}",
                )
