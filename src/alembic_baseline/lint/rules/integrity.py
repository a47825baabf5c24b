"""AB4xx (integrity): revision files against the sum file committed beside them.

``alembic-baseline history sum`` writes ``alembic-baseline.sum`` in each version directory (see
:mod:`alembic_baseline.history.checksums`). These rules compare it with the files: an applied
revision that was edited or deleted is an error; a sum file that is merely behind (a new revision,
the newest revision still being written) is a warning. Without a sum file they say nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from alembic_baseline.history.checksums import (
    SUM_FILE,
    SumFile,
    archived_candidates,
    file_checksum,
    parse,
    version_dir,
)
from alembic_baseline.lint.model import Finding, RevisionSummary, Severity
from alembic_baseline.lint.registry import History, Rule

SUM_HINT = "alembic-baseline history sum"


@dataclass(frozen=True)
class Change:
    """One difference between a sum file and the files."""

    kind: str  # edited | deleted | unsummed | damaged
    revision: str
    newest: bool
    """Nothing revises it (a head): editing it before anyone applied it is normal work."""
    at: RevisionSummary
    """The revision file the finding is reported on."""
    detail: str = ""


def _version_dir(summary: RevisionSummary) -> str:
    return version_dir(summary.path, summary.archived)


def _referenced(history: History) -> set[str]:
    return {d for s in history.revisions for d in (*s.down_revisions, *s.depends_on)}


def _archived_file(versions: Path, recorded: str) -> Path | None:
    """A revision not linted this run may sit in the archive (moved there by a baseline)."""
    for candidate in archived_candidates(versions, recorded):
        if candidate.is_file():
            return candidate
    return None


def changes(history: History) -> Iterator[Change]:
    """Every difference between each version directory's sum file and its revision files."""
    by_dir: dict[str, list[RevisionSummary]] = {}
    for summary in history.revisions:
        if summary.revision:
            by_dir.setdefault(_version_dir(summary), []).append(summary)
    dirs = sorted((Path(d), d) for d in by_dir)
    present = [(versions, d) for versions, d in dirs if (versions / SUM_FILE).is_file()]
    if not present:  # the common case: no sum file, nothing to compare
        return
    referenced = _referenced(history)
    for versions, d in present:
        text = (versions / SUM_FILE).read_text(encoding="utf-8")
        yield from _compare(parse(text), versions, by_dir[d], referenced)


_last: list[tuple[History, tuple[Change, ...]]] = []


def _changes_once(history: History) -> tuple[Change, ...]:
    """:func:`changes` for both rules of a run, computed once (the last history's is kept)."""
    if _last and _last[0][0] is history:
        return _last[0][1]
    found = tuple(changes(history))
    _last[:] = [(history, found)]
    return found


def _compare(
    sums: SumFile, versions: Path, summaries: list[RevisionSummary], referenced: set[str]
) -> Iterator[Change]:
    heads = sorted(
        (s for s in summaries if not s.archived and s.revision not in referenced),
        key=lambda s: s.path,
    )
    if not sums.intact:
        why = "; ".join(sums.problems) or "its first line's total does not match its lines"
        for head in heads[:1] or summaries[:1]:
            yield Change("damaged", head.revision or "", False, head, why)
    recorded = sums.by_revision()
    files: dict[str, list[RevisionSummary]] = {}
    for s in summaries:
        files.setdefault(s.revision or "", []).append(s)
    for revision, entry in sorted(recorded.items()):
        newest = revision not in referenced
        found = files.get(revision, [])
        if found:
            if all(file_checksum(Path(s.path)) != entry.checksum for s in found):
                yield Change("edited", revision, newest, found[0], entry.path)
            continue
        elsewhere = _archived_file(versions, entry.path)
        if elsewhere is not None:
            if file_checksum(elsewhere) != entry.checksum:
                shown = _child(summaries, revision) or (heads or summaries)[0]
                yield Change("edited", revision, False, shown, elsewhere.name)
            continue
        child = _child(summaries, revision)
        yield Change(
            "deleted", revision, child is None, child or (heads or summaries)[0], entry.path
        )
    for revision, found in sorted(files.items()):
        if revision not in recorded and not all(s.archived for s in found):
            yield Change("unsummed", revision, True, found[0])


def _child(summaries: list[RevisionSummary], revision: str) -> RevisionSummary | None:
    for s in sorted(summaries, key=lambda s: s.path):
        if revision in s.down_revisions or revision in s.depends_on:
            return s
    return None


class HistorySumIntact(Rule):
    """No revision recorded in the sum file was edited or deleted once something followed it.

    Why
    ---
    A revision that ran in production and was changed afterwards no longer describes the
    database: a fresh environment built from the history differs from production, and the
    difference surfaces weeks later in a deploy that fails or, worse, succeeds differently.
    Alembic itself never looks at a revision again once it is recorded in ``alembic_version``.
    ``alembic-baseline history sum`` writes ``alembic-baseline.sum`` beside the revisions: one
    SHA-256 per file (line endings normalised, every other byte counts) and, on its first line,
    a hash over the whole file, so that two branches that add revisions conflict in git instead
    of merging silently. This rule compares the files with it: a revision that is not the newest
    (another revision follows it) and whose content changed or that disappeared is an error; a
    sum file with conflict markers or whose first line does not match its lines is an error too.

    Anti-pattern
    ------------
    ```text
    $ git diff --stat
     alembic/versions/3f2a1c_add_lot_expiry.py | 2 +-      # applied in production last month
    ```

    Best practice
    -------------
    Leave applied revisions alone; change the schema with a new revision:

    ```bash
    git restore alembic/versions/3f2a1c_add_lot_expiry.py
    alembic revision -m "widen lot expiry"
    alembic-baseline history sum          # record the new revision; commit the sum file
    ```

    A deliberate change (a comment, a fix for fresh databases only) is accepted by writing the
    sum again — reviewed like the edit itself — and, for databases that applied it, with
    ``alembic-baseline repair --accept-checksums REV``. After a merge conflict in the sum file,
    resolve the revisions first, then run ``history sum`` again instead of editing the sum.

    References
    ----------
    - https://atlasgo.io/concepts/migration-directory-integrity
    - https://documentation.red-gate.com/fd/validate-184127464.html
    """

    code = "AB404"
    name = "history-sum-intact"
    severity = Severity.ERROR
    history = True

    def check_history(self, history: History) -> Iterator[Finding]:
        for change in _changes_once(history):
            if change.kind == "damaged":
                yield self._finding(
                    change,
                    f"{SUM_FILE} is damaged: {change.detail}.",
                    "Resolve the revisions first (keep both branches' revisions, merge heads), "
                    f"then rewrite it: {SUM_HINT}. Never edit the sum file by hand.",
                )
            elif change.kind == "edited" and not change.newest:
                yield self._finding(
                    change,
                    f"Revision {change.revision} ({change.detail}) changed after it was summed, "
                    "and other revisions follow it: databases that applied it ran other code.",
                    f"Restore it (git restore) and make the change in a new revision. If the "
                    f"change is deliberate: {SUM_HINT} --accept-changes, and for databases "
                    "that applied it alembic-baseline repair --accept-checksums "
                    f"{change.revision}.",
                )
            elif change.kind == "deleted" and not change.newest:
                yield self._finding(
                    change,
                    f"Revision {change.revision} ({change.detail}) is in {SUM_FILE} but no "
                    "file declares it any more, and this revision follows it.",
                    "Restore the file (git restore); to drop old revisions use a baseline "
                    "(alembic-baseline baseline create), which archives them.",
                )

    def _finding(self, change: Change, message: str, hint: str) -> Finding:
        return self.finding(
            change.at.path,
            change.at.revision_line,
            message,
            hint,
            subject=f"{change.kind} {change.revision}",
        )


class HistorySumCurrent(Rule):
    """The sum file lists every revision, as it is now.

    Why
    ---
    The sum file only protects what it records. A revision added without running ``history
    sum`` is not protected, and without the sum file changing, two branches that both add a
    revision merge without the conflict that makes the team notice a second head. The newest
    revision of a branch may still be edited or deleted (nobody has applied it yet, nothing
    follows it): the sum file is then merely behind — a warning, until the branch is merged.

    Anti-pattern
    ------------
    ```text
    versions/9c1d2e_add_invoice_status.py     # new, not in alembic-baseline.sum
    ```

    Best practice
    -------------
    Run it with every new or changed revision, and commit the sum file with the revision:

    ```bash
    alembic-baseline history sum
    git add alembic/versions/alembic-baseline.sum
    ```

    A pre-commit hook or CI running ``alembic-baseline lint`` catches a forgotten one.

    References
    ----------
    - https://atlasgo.io/concepts/migration-directory-integrity
    """

    code = "AB405"
    name = "history-sum-current"
    severity = Severity.WARNING
    history = True

    def check_history(self, history: History) -> Iterator[Finding]:
        for change in _changes_once(history):
            if not change.newest or change.kind not in ("edited", "deleted", "unsummed"):
                continue
            what = {
                "edited": "changed since the sum file was written",
                "deleted": f"is in {SUM_FILE} but no file declares it any more",
                "unsummed": f"is not in {SUM_FILE}",
            }[change.kind]
            yield self.finding(
                change.at.path,
                change.at.revision_line,
                f"Revision {change.revision} {what}.",
                f"Run {SUM_HINT} and commit {SUM_FILE} with the revision.",
                subject=f"{change.kind} {change.revision}",
            )
