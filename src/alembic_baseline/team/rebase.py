"""``revision rebase``: move a branch nobody applied onto the other head (docs/team.md).

Two developers each add revisions on top of the same parent; after both merge, the history has
two heads. When one branch has not been applied to any database the tool can see (the databases
given, and the run records of the state directory), its first revision's ``down_revision`` can
point at the other head instead: one file edited, the history linear again, no merge revision.
What then runs in a new order is compared: a table or column the moved revisions touch that the
revisions they now follow also touch is reported (they were written without knowing each other).

Refused (exit 3, with the reason): a branch applied somewhere; a branch that contains a merge or
starts at a base of its own (several bases: independent on purpose, ``alembic merge`` is the way);
more or fewer than two heads; a ``down_revision`` that is not a plain string literal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from alembic_baseline.errors import ConfigError, UnsafeError
from alembic_baseline.history.graph import History, Revision, ancestors


@dataclass(frozen=True)
class RebasePlan:
    moved_head: str
    onto: str
    fork: str
    """The revision both branches started from (the root's ``down_revision`` before)."""
    root: Revision
    """The first revision of the moved branch: the only file that changes."""
    moved: tuple[str, ...]
    """The moved branch, root first."""
    other: tuple[str, ...]
    """The revisions of the other branch (after the fork), that the moved ones now follow."""


def _downs(history: History) -> dict[str, tuple[str, ...]]:
    return {rev.id: rev.down_revisions for rev in history.live.values()}


def run_record_revisions(runs_dir: Path) -> tuple[set[str], int]:
    """Revisions run records show as applied somewhere (any step that started counts: a failed
    step of an autocommit block may have left work behind), and how many records were read."""
    found: set[str] = set()
    count = 0
    for path in sorted(runs_dir.glob("*/record.json")) if runs_dir.is_dir() else ():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # a damaged record: doctor reports it
        count += 1
        found.update(data.get("from_revisions") or ())
        found.update(data.get("stopped_at") or ())
        for step in data.get("steps") or ():
            if step.get("direction") == "upgrade" and step.get("status") != "pending":
                found.add(str(step.get("revision")))
    return found, count


def _resolve_head(heads: tuple[str, ...], given: str) -> str:
    matches = [h for h in heads if h.startswith(given)]
    if len(matches) != 1:
        raise ConfigError(
            f"--move {given}: {'no' if not matches else 'more than one'} head matches.",
            hint=f"Heads: {', '.join(heads)}.",
        )
    return matches[0]


def plan(history: History, applied: set[str], move: str | None = None) -> RebasePlan:
    """Which branch moves onto which head; refuses what cannot be done safely."""
    heads = history.heads()
    if len(heads) != 2:
        raise ConfigError(
            f"revision rebase needs exactly two heads; the history has {len(heads)}"
            + (f" ({', '.join(heads)})." if heads else "."),
            hint="With more heads, merge some first (alembic merge); with one there is "
            "nothing to rebase.",
        )
    downs = _downs(history)
    lines = {h: ancestors(downs, [h]) for h in heads}
    branch = {h: lines[h] - lines[other] for h, other in zip(heads, reversed(heads), strict=True)}
    unapplied = [h for h in heads if not branch[h] & applied]
    if move is not None:
        head = _resolve_head(heads, move)
        if head not in unapplied:
            raise _applied_refusal(head, branch[head] & applied)
    elif len(unapplied) == 1:
        head = unapplied[0]
    elif not unapplied:
        seen = sorted(branch[heads[0]] & applied) + sorted(branch[heads[1]] & applied)
        raise UnsafeError(
            f"Refused: both branches are applied somewhere ({', '.join(seen)}). Moving either "
            "would change what those databases ran. Nothing was changed.",
            hint=f'Merge the heads instead: alembic merge -m "merge heads" {" ".join(heads)}',
        )
    else:
        raise ConfigError(
            "Neither branch is applied anywhere the tool can see: say which one moves.",
            hint=f"--move {heads[0]} or --move {heads[1]} (the branch that merged last, "
            "usually); give the databases with --url/--url-env so they are checked.",
        )
    onto = heads[1] if head == heads[0] else heads[0]
    return _checked_plan(history, head, onto, branch[head], branch[onto])


def _applied_refusal(head: str, where: set[str]) -> UnsafeError:
    return UnsafeError(
        f"Refused: the branch of {head} is applied somewhere ({', '.join(sorted(where))}); "
        "moving it would change the history those databases ran. Nothing was changed.",
        hint="Merge the heads instead (alembic merge heads), or move the other branch.",
    )


def _checked_plan(
    history: History, head: str, onto: str, moved: set[str], other: set[str]
) -> RebasePlan:
    revs = [history.live[r] for r in moved]
    merges = sorted(r.id for r in revs if r.is_merge)
    if merges:
        raise UnsafeError(
            f"Refused: the branch of {head} contains merge revision(s) {', '.join(merges)}; "
            "rebase moves a single line of revisions only. Nothing was changed.",
            hint=f'Merge the heads instead: alembic merge -m "merge heads" {head} {onto}',
        )
    roots = [r for r in revs if not (set(r.down_revisions) & moved)]
    if len(roots) != 1 or roots[0].is_base:
        what = "starts at a base of its own" if roots and roots[0].is_base else "has no single root"
        raise UnsafeError(
            f"Refused: the branch of {head} {what} (several bases are independent on purpose). "
            "Nothing was changed.",
            hint=f'Join them with a merge revision: alembic merge -m "join" {head} {onto}',
        )
    root = roots[0]
    order = _chain(history, root, moved)
    later = sorted(other, key=lambda r: len(ancestors(_downs(history), [r])))
    return RebasePlan(head, onto, root.down_revisions[0], root, tuple(order), tuple(later))


def _chain(history: History, root: Revision, moved: set[str]) -> list[str]:
    children: dict[str, list[str]] = {}
    for rev_id in moved:
        for down in history.live[rev_id].down_revisions:
            children.setdefault(down, []).append(rev_id)
    order, current = [root.id], root.id
    while children.get(current):
        (current,) = children[current]  # no merge inside, one head: a single line
        order.append(current)
    return order
