"""The ``lint`` operation: which files, which configuration, the baseline; returns a result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from alembic_baseline.errors import ConfigError, ExitCode
from alembic_baseline.lint import baseline as accepted
from alembic_baseline.lint import config as lint_config
from alembic_baseline.lint.engine import Target, run
from alembic_baseline.lint.graphs import RevisionGraph
from alembic_baseline.lint.model import Finding, RevisionSummary, Severity
from alembic_baseline.lint.output import fails
from alembic_baseline.settings import Settings

CACHE_DIR = Path(".alembic-baseline") / "cache" / "lint"


@dataclass(frozen=True)
class LintOptions:
    """Command-line choices layered over ``[tool.alembic-baseline.lint]``."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_on: str | None = None
    include_archive: bool | None = None
    target_version: int | None = None
    baseline: Path | None = None
    """Baseline file (default: the ``baseline`` setting, relative to the project)."""
    use_baseline: bool = True
    write_baseline: bool = False
    cache: bool = True
    cache_dir: Path | None = None
    jobs: int | None = None


@dataclass(frozen=True)
class LintResult:
    findings: tuple[Finding, ...]
    files: int
    cached: int
    hidden_by_baseline: int
    fail_on: Severity
    root: Path
    baseline_written: Path | None = None

    @property
    def failed(self) -> bool:
        return fails(self.findings, self.fail_on)

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.FINDINGS if self.failed else ExitCode.OK


def _project(settings: Settings) -> tuple[list[Path], tuple[str, ...] | None]:
    """(version directories, Alembic's heads) of the configured project."""
    from alembic_baseline.history.driver import AlembicProject

    script = AlembicProject(settings).script
    dirs = [Path(d) for d in (getattr(script, "_version_locations", None) or [script.versions])]
    try:
        heads: tuple[str, ...] | None = tuple(script.get_heads())
    except Exception:
        heads = None
    return dirs, heads


def _discover(directory: Path, include_archive: bool) -> list[Target]:
    targets = [Target(p) for p in sorted(directory.glob("*.py")) if p.name != "__init__.py"]
    archive = directory / "archive"
    if include_archive and archive.is_dir():
        targets += [
            Target(p, True) for p in sorted(archive.glob("*.py")) if p.name != "__init__.py"
        ]
    return targets


def _expand(paths: Sequence[Path], include_archive: bool) -> list[Target]:
    targets: list[Target] = []
    for path in paths:
        if path.is_dir():
            targets.extend(_discover(path, include_archive))
        elif path.is_file():
            targets.append(Target(path, archived=path.parent.name == "archive"))
        else:
            raise ConfigError(f"{path} does not exist.", hint="Pass revision files or directories.")
    return targets


def _only_revisions(
    findings: Sequence[Finding],
    summaries: Sequence[RevisionSummary],
    since: str | None,
    pending: Sequence[str] | None,
) -> tuple[list[Finding], int]:
    """Findings of the revisions after ``since`` and/or in ``pending``; how many files those are."""
    ids = set(pending or ())
    if since is not None:
        ids |= RevisionGraph(summaries).descendants(_resolve(since, summaries))
    paths = {s.path for s in summaries if s.revision in ids}
    return [f for f in findings if f.path in paths], len(paths)


def _resolve(revision: str, summaries: Sequence[RevisionSummary]) -> str:
    matches = sorted(
        {s.revision for s in summaries if s.revision and s.revision.startswith(revision)}
    )
    if revision in matches:
        return revision
    if len(matches) != 1:
        raise ConfigError(
            f"--since {revision}: {'no' if not matches else 'more than one'} revision matches.",
            hint="Give a revision id (or an unambiguous prefix) from `alembic history`.",
        )
    return matches[0]


def _config(settings: Settings, opts: LintOptions) -> lint_config.LintConfig:
    config = lint_config.from_section(settings.section("lint"), pg_major=settings.pg_major)
    return config.with_flags(
        select=opts.select,
        ignore=opts.ignore,
        fail_on=opts.fail_on,
        include_archive=opts.include_archive,
        target_version=opts.target_version,
    )


def _apply_baseline(
    findings: Sequence[Finding], path: Path, opts: LintOptions
) -> tuple[list[Finding], int]:
    if opts.write_baseline:
        accepted.write(path, findings)
        return [], len(findings)
    if opts.use_baseline:
        return accepted.apply(findings, accepted.read(path), path.parent)
    return list(findings), 0


def pending_revisions(settings: Settings, url: str | None = None) -> tuple[str, ...]:
    """Revisions the database at ``url`` has not applied yet (from its version table)."""
    from alembic_baseline.commands import common

    project = common.project(settings)
    current = project.current_heads(common.database_url(settings, url, project))
    lower: str | tuple[str, ...] = current or "base"
    revisions = project.script.iterate_revisions("heads", lower)
    return tuple(r.revision for r in revisions if r.revision not in current)


@dataclass(frozen=True)
class RuleInfo:
    code: str
    name: str
    severity: str
    summary: str
    history: bool


def rules() -> list[RuleInfo]:
    """Every rule: code, name, default severity, one-line summary."""
    from alembic_baseline.lint.registry import all_rules

    return [RuleInfo(r.code, r.name, r.severity.label, r.summary(), r.history) for r in all_rules()]


def lint(
    settings: Settings,
    paths: Sequence[Path] = (),
    since: str | None = None,
    pending: Sequence[str] | None = None,
    options: LintOptions | None = None,
) -> LintResult:
    """Lint revisions for the runbook's best practices and PostgreSQL lock safety.

    ``paths``: files or directories (default: the project's version directories). ``since``:
    only revisions after that one. ``pending``: only these revision ids (the caller computes
    them from the database's version table). Archived revisions are skipped unless
    ``include_archive``. Findings accepted in the baseline file are hidden;
    ``write_baseline`` accepts all current ones.
    """
    opts = options or LintOptions()
    config = _config(settings, opts)
    has_project = settings.config_file.is_file()
    root = settings.project_dir if has_project else Path.cwd()
    context: list[Target] = []
    heads: tuple[str, ...] | None = None
    if has_project:
        dirs, heads = _project(settings)
        context = [t for d in dirs for t in _discover(d, config.include_archive)]
    elif not paths:
        raise ConfigError(
            f"No Alembic configuration at {settings.config_file} and no paths given.",
            hint="Run from the directory with alembic.ini, pass -c FILE, or name revision files.",
        )
    targets = _expand(paths, config.include_archive) if paths else list(context)
    result = run(
        targets,
        config,
        root=root,
        context=context,
        heads=heads,
        cache_dir=(opts.cache_dir or root / CACHE_DIR) if opts.cache else None,
        jobs=opts.jobs,
        sys_path=[str(root)],
    )
    findings, files = list(result.findings), result.files
    if since is not None or pending is not None:
        findings, files = _only_revisions(findings, result.summaries, since, pending)
    baseline_path = opts.baseline or root / config.baseline
    findings, hidden = _apply_baseline(findings, baseline_path, opts)
    return LintResult(
        findings=tuple(findings),
        files=files,
        cached=result.cached,
        hidden_by_baseline=hidden,
        fail_on=config.fail_on,
        root=root,
        baseline_written=baseline_path if opts.write_baseline else None,
    )
