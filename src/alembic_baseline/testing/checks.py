"""The built-in history checks, shared by ``pytest --alembic-baseline-checks`` and
``alembic-baseline check history``.

* **single-head**: the history has one head (two heads make ``upgrade head`` fail in deploys).
* **upgrade-from-empty**: ``upgrade heads`` on an empty scratch database succeeds (it is what
  builds the head template; a cached template proves it for the same history content).
* **up-down[R]**, for every revision R after the baseline (every revision without one): with the
  database at R's parent, upgrade to R, downgrade one step, upgrade again — the catalog after the
  downgrade must equal the one before R, and the one after the second upgrade the one after the
  first (the snapshot diff; column order is not compared). Revisions declared irreversible in
  ``[tool.alembic-baseline.check] irreversible = ["rev", …]`` are skipped, and so are the
  baseline and its bridge (a baseline's downgrade drops everything by design).
* **lint**: the tool's lint rules, with the project's lint settings and accepted findings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from alembic_baseline import compat
from alembic_baseline.baseline.manifest import find_manifest
from alembic_baseline.diff import CompareOptions, compare
from alembic_baseline.diff.render import describe
from alembic_baseline.errors import BaselineError, ConfigError
from alembic_baseline.expected import VersionTable, inspect_options
from alembic_baseline.history.graph import History, Revision
from alembic_baseline.history.sandbox import SandboxRefusal
from alembic_baseline.lint import baseline as accepted
from alembic_baseline.lint import config as lint_config
from alembic_baseline.lint.engine import Target, run
from alembic_baseline.lint.output import display_path, fails
from alembic_baseline.snapshot.sources import from_url
from alembic_baseline.testing import loading

if TYPE_CHECKING:
    from alembic_baseline.history.driver import AlembicProject
    from alembic_baseline.pg.url import DatabaseURL
    from alembic_baseline.settings import Settings
    from alembic_baseline.snapshot import InspectOptions, Snapshot
    from alembic_baseline.testing.template import Templates

PASS, FAIL, SKIP = "pass", "fail", "skipped"
CHECKS = ("single-head", "upgrade-from-empty", "up-down", "lint")
_DOWN_WORDS = {"added": "left behind by the downgrade", "removed": "missing after the downgrade",
               "changed": "differs after the downgrade"}  # fmt: skip
_UP_WORDS = {"added": "new on the second upgrade", "removed": "missing on the second upgrade",
             "changed": "differs on the second upgrade"}  # fmt: skip
Progress = Callable[[str], None]


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome (``up-down`` has one per revision)."""

    check: str
    status: str
    message: str
    revision: str | None = None
    details: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.check}[{self.revision}]" if self.revision else self.check

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "revision": self.revision,
            "status": self.status,
            "message": self.message,
            "details": list(self.details),
        }


def irreversible(settings: Settings) -> frozenset[str]:
    """Revisions declared irreversible once, in ``[tool.alembic-baseline.check]``."""
    return loading.revisions(settings, "irreversible")


def single_head(history: History) -> CheckResult:
    heads = history.heads()
    if len(heads) == 1:
        return CheckResult("single-head", PASS, f"one head: {heads[0]}")
    return CheckResult(
        "single-head",
        FAIL,
        f"{len(heads)} heads: {', '.join(heads) or '(none)'}",
        details=("merge them: alembic merge heads -m 'merge heads'",),
    )


def upgrade_from_empty(templates: Templates) -> tuple[CheckResult, str | None]:
    """``upgrade heads`` from empty (the head template); ``(result, template or None)``."""
    cached = bool(templates.existing("heads"))
    try:
        template = templates.ensure("heads")
    except SandboxRefusal:
        raise
    except BaselineError as exc:
        hint = (exc.hint,) if exc.hint else ()
        return CheckResult("upgrade-from-empty", FAIL, exc.message, details=hint), None
    how = "template of this exact history content found" if cached else "replayed"
    return CheckResult(
        "upgrade-from-empty", PASS, f"upgrade heads from empty: ok ({how})"
    ), template


def walk_start(project: AlembicProject) -> str | None:
    """The bridge of the project's baseline (checks start after it), None without a baseline."""
    try:
        return find_manifest(project.script_location).old_head
    except ConfigError:
        return None


def _role(project: AlembicProject, revision: str) -> str | None:
    module = getattr(project.script.get_revision(revision), "module", None)
    return getattr(module, "ALEMBIC_BASELINE_ROLE", None)


class _Derailed(Exception):
    """The round trip of a revision failed half-way: the walk's database is at no known state."""

    def __init__(self, after: Snapshot) -> None:
        self.after = after


@dataclass
class _Walk:
    project: AlembicProject
    url: DatabaseURL
    options: InspectOptions
    skip: frozenset[str]
    progress: Progress
    results: list[CheckResult] = field(default_factory=list)

    def snapshot(self) -> Snapshot:
        return from_url(self.url, self.options)

    def step(self, rev: Revision, before: Snapshot) -> Snapshot:
        """Upgrade to ``rev``, check its down/up round trip; the snapshot at ``rev``."""
        self.project.upgrade(self.url, rev.id, scratch=True)
        after = self.snapshot()
        reason = self._skip_reason(rev)
        if reason:
            self.results.append(CheckResult("up-down", SKIP, reason, rev.id))
            return after
        self.progress(f"up-down {rev.id}")
        problems: list[str] = []
        same = CompareOptions(ignore_column_order=True)
        try:
            self.project.downgrade_one(self.url, rev.id)
            down = compare(before, self.snapshot(), same)
            problems += describe(down, words=_DOWN_WORDS)
            self.project.upgrade(self.url, rev.id, scratch=True)
            up = compare(after, self.snapshot(), same)
            problems += describe(up, words=_UP_WORDS)
        except SandboxRefusal:
            raise
        except BaselineError as exc:
            message = "the round trip failed: " + exc.message
            self.results.append(CheckResult("up-down", FAIL, message, rev.id, tuple(problems)))
            raise _Derailed(after) from None
        if problems:
            message = f"{len(down)} difference(s) after downgrade, {len(up)} after re-upgrade"
            self.results.append(CheckResult("up-down", FAIL, message, rev.id, tuple(problems)))
        else:
            message = "downgrade restores the catalog, upgrade repeats it"
            self.results.append(CheckResult("up-down", PASS, message, rev.id))
        return after

    def _skip_reason(self, rev: Revision) -> str | None:
        role = _role(self.project, rev.id)
        if role in ("baseline", "bridge"):
            return f"the {role} revision (its downgrade is not meant to run)"
        if rev.id in self.skip:
            return "declared irreversible ([tool.alembic-baseline.check] irreversible)"
        return None


def up_down(
    project: AlembicProject,
    templates: Templates,
    skip: frozenset[str],
    progress: Progress = lambda line: None,
) -> list[CheckResult]:
    """The up/down round trip of every revision after the baseline, on one database; after a
    failed round trip the walk goes on from a clone of the template at that revision."""
    history = History(project)
    start = walk_start(project)
    url = templates.clone(templates.ensure(start)) if start else templates.empty()
    table = VersionTable(*project.version_table(url, scratch=True))
    walk = _Walk(project, url, inspect_options(table), skip, progress)
    try:
        before = walk.snapshot()
        revisions = history.pending([start] if start else [])
        for index, rev in enumerate(revisions):
            try:
                before = walk.step(rev, before)
            except SandboxRefusal:
                raise
            except _Derailed as derailed:
                templates.drop(walk.url)
                walk.url = templates.clone(templates.ensure(rev.id))
                before = derailed.after
            except BaselineError as exc:  # the upgrade itself failed: nothing after it runs
                hint = (exc.hint,) if exc.hint else ()
                walk.results.append(CheckResult("up-down", FAIL, exc.message, rev.id, hint))
                for later in revisions[index + 1 :]:
                    why = f"not checked: the upgrade to {rev.id} failed"
                    walk.results.append(CheckResult("up-down", FAIL, why, later.id))
                break
        return walk.results
    finally:
        templates.drop(walk.url)


def lint(settings: Settings, project: AlembicProject) -> CheckResult:
    """The tool's lint rules over the live revisions (settings and accepted findings honoured)."""
    config = lint_config.from_settings(settings)
    config = lint_config.with_file_template(config, str(project.script.file_template))
    root = settings.project_dir
    targets = [
        Target(p)
        for d in compat.version_locations(project.script)
        for p in sorted(d.glob("*.py"))
        if p.name != "__init__.py"
    ]
    result = run(targets, config, root=root, heads=project.heads(), sys_path=[str(root)])
    accepted_file = root / config.baseline
    findings, _hidden = accepted.apply(
        list(result.findings), accepted.read(accepted_file), accepted_file.parent
    )
    shown = tuple(f"{display_path(f.path, root)}:{f.line}: {f.code} {f.message}" for f in findings)
    if fails(findings, config.fail_on):
        return CheckResult("lint", FAIL, f"{len(findings)} finding(s)", details=shown)
    summary = f"{len(targets)} file(s), {len(findings)} finding(s) below {config.fail_on.label}"
    return CheckResult("lint", PASS, summary, details=shown)


def failed(results: Sequence[CheckResult]) -> bool:
    return any(r.status == FAIL for r in results)


def by_check(results: Sequence[CheckResult], check: str) -> Iterator[CheckResult]:
    return (r for r in results if r.check == check)
