"""The revision graph from the summaries: order, parents, heads, descendants.

Built from each file's ``revision`` / ``down_revision`` / ``depends_on`` as read from source, so it
costs nothing on a warm cache. Archived revisions (``versions/archive/``) are outside the graph
Alembic sees; they are used only when no live revision has their id.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from alembic_baseline.lint.model import RevisionSummary


class RevisionGraph:
    def __init__(self, summaries: Iterable[RevisionSummary]) -> None:
        self.all = tuple(summaries)
        self.by_id: dict[str, RevisionSummary] = {}
        for summary in sorted(self.all, key=lambda s: (not s.archived, s.path)):
            if summary.revision:
                self.by_id[summary.revision] = summary  # live ones win over archived ones
        self.live = tuple(s for s in self.all if not s.archived)

    def key(self, summary: RevisionSummary) -> str:
        return summary.revision or summary.path

    def parents(self, summary: RevisionSummary) -> list[str]:
        """Ids of the parents (down revisions and dependencies) that exist."""
        refs = (*summary.down_revisions, *summary.depends_on)
        return [r for r in refs if r in self.by_id]

    def ordered(self) -> list[RevisionSummary]:
        """Every revision in the graph, parents before children (ties by path)."""
        nodes = sorted(self.by_id.values(), key=lambda s: s.path)
        children: dict[str, list[RevisionSummary]] = {}
        waiting: dict[str, int] = {}
        for node in nodes:
            parents = self.parents(node)
            waiting[self.key(node)] = len(parents)
            for parent in parents:
                children.setdefault(parent, []).append(node)
        ready = [n for n in nodes if waiting[self.key(n)] == 0]
        order: list[RevisionSummary] = []
        while ready:
            node = ready.pop(0)
            order.append(node)
            for child in children.get(self.key(node), []):
                waiting[self.key(child)] -= 1
                if waiting[self.key(child)] == 0:
                    ready.append(child)
        return order  # a cycle leaves its members out; Alembic refuses such a graph anyway

    def heads(self) -> tuple[str, ...]:
        """Live revisions no live revision names as its down_revision (as Alembic counts)."""
        ids = {s.revision for s in self.live if s.revision}
        used = {d for s in self.live for d in s.down_revisions}
        return tuple(sorted(ids - used))

    def descendants(self, revision: str) -> set[str]:
        """Revisions after ``revision`` (not including it)."""
        children: dict[str, set[str]] = {}
        for summary in self.by_id.values():
            for parent in (*summary.down_revisions, *summary.depends_on):
                children.setdefault(parent, set()).add(self.key(summary))
        found: set[str] = set()
        frontier = [revision]
        while frontier:
            for child in children.get(frontier.pop(), ()):
                if child not in found:
                    found.add(child)
                    frontier.append(child)
        return found

    def duplicates(self) -> Iterator[Sequence[RevisionSummary]]:
        groups: dict[str, list[RevisionSummary]] = {}
        for summary in self.live:
            if summary.revision:
                groups.setdefault(summary.revision, []).append(summary)
        for group in groups.values():
            if len(group) > 1:
                yield group
