"""The ``lint`` operation: which files, which configuration, the baseline; returns a result."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic_baseline import compat, statedir
from alembic_baseline.errors import ConfigError, ExitCode
from alembic_baseline.lint import baseline as accepted
from alembic_baseline.lint import config as lint_config
from alembic_baseline.lint import output, quick
from alembic_baseline.lint.engine import EngineResult, Target, run
from alembic_baseline.lint.graphs import RevisionGraph
from alembic_baseline.lint.model import Finding, RevisionSummary, Severity
from alembic_baseline.lint.output import fails
from alembic_baseline.lint.paths import Resolver
from alembic_baseline.report import to_jsonable
from alembic_baseline.settings import Settings

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory

    from alembic_baseline.lint.docs import RuleList, WrittenDocs
    from alembic_baseline.report import Reporter

CACHE_DIR = statedir.layout(Path(), None, None).lint_cache  # the default, relative to the project


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
    resolve: Resolver | None = field(default=None, compare=False, repr=False)
    """The run's resolver (the output shows the paths it resolved)."""
    read: tuple[str, ...] | None = field(default=None, compare=False, repr=False)
    """Every file and directory the findings depend on (``lint.quick``); None: not known."""
    cache_dir: Path | None = field(default=None, compare=False, repr=False)
    """The lint cache the run used (None: none)."""

    @property
    def failed(self) -> bool:
        return fails(self.findings, self.fail_on)

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.FINDINGS if self.failed else ExitCode.OK

    @property
    def report(self) -> output.Report:
        return output.Report(self.root, self.files, self.hidden_by_baseline, self.resolve)

    def to_json(self) -> Any:
        return to_jsonable(output.json_document(self.findings, self.report))

    def text(self, out: Reporter) -> None:
        if out.styled:
            out.text(output.render_text(self.findings, self.report))
        else:
            out.raw(output.render_text(self.findings, self.report, markup=False))

    def markdown(self) -> str:
        return output.render_markdown(self.findings, self.report)

    def extra_formats(self) -> Mapping[str, Callable[[], str]]:
        """``--format github`` (workflow annotations) and ``sarif`` (code scanning)."""
        return {fmt: partial(output.render, fmt, self.findings, self.report) for fmt in EXTRA}


EXTRA = ("github", "sarif")
"""lint's formats besides text, JSON and markdown."""


def _script(settings: Settings) -> ScriptDirectory:
    # lazy: start-up: only the path that needs it pays for it
    from alembic_baseline.history.driver import AlembicProject

    return AlembicProject(settings).script


def _bare_script(settings: Settings) -> ScriptDirectory:
    """Where the versions are and how files are named: no revision file imported for it."""
    # lazy: start-up: only a cold cache pays for Alembic
    from alembic_baseline.history.driver import AlembicProject
    from alembic_baseline.lint.offline import without_template_highlighting

    # The driver imports Alembic when it reads the configuration, not when it is imported: the
    # block covers that call (Alembic imported without Mako's Pygments plugin).
    with without_template_highlighting():
        return AlembicProject(settings).bare_script()


def _version_dirs(settings: Settings, cache_dir: Path | None) -> tuple[list[Path], str]:
    """The project's version directories and ``file_template``, as Alembic reads them.

    Importing Alembic costs more than a warm lint run itself, so the answer is cached, keyed by
    the ini file's bytes, the section, pyproject.toml (``[tool.alembic]``) and the working
    directory (which relative paths depend on).
    """
    pyproject = settings.project_dir / "pyproject.toml"
    key = hashlib.sha256(
        b"\0".join(
            [
                settings.config_file.read_bytes(),
                settings.ini_section.encode(),
                pyproject.read_bytes() if pyproject.is_file() else b"",
                os.getcwdb(),
            ]
        )
    ).hexdigest()
    entry = cache_dir / "version-dirs.json" if cache_dir is not None else None
    if entry is not None and entry.is_file():
        try:
            data = json.loads(entry.read_text(encoding="utf-8"))
            if data["key"] == key and all(Path(d).is_dir() for d in data["dirs"]):
                return [Path(d) for d in data["dirs"]], str(data["file_template"])
        except (OSError, ValueError, KeyError, TypeError):
            pass  # recompute below
    script = _bare_script(settings)
    dirs = compat.version_locations(script)
    template = str(script.file_template)
    if entry is not None:
        with contextlib.suppress(OSError):
            statedir.makedirs(entry.parent)
            data = {"key": key, "dirs": [str(d) for d in dirs], "file_template": template}
            entry.write_text(json.dumps(data))
    return dirs, template


def _alembic_heads(settings: Settings) -> tuple[str, ...] | None:
    """Heads as Alembic computes them (it imports every revision module: ~1 ms each)."""
    try:
        return tuple(_script(settings).get_heads())
    except Exception:  # a broken graph is reported by AB402/AB403 instead
        return None


def _discover(directory: Path, include_archive: bool) -> list[Target]:
    targets = [Target(path) for path in _python_files(directory)]
    archive = directory / "archive"
    if include_archive and archive.is_dir():
        targets += [Target(path, True) for path in _python_files(archive)]
    return targets


def _python_files(directory: Path) -> list[Path]:
    """The files ``directory.glob("*.py")`` yields, sorted by name, but ``__init__.py`` (one
    listing, without glob's pattern matching; ``iterdir`` makes each path without parsing
    it again)."""
    try:
        paths = [p for p in directory.iterdir() if p.name.endswith(".py")]
    except OSError:  # as glob: a missing or unreadable directory has no files
        return []
    paths.sort(key=lambda p: p.name)
    return [p for p in paths if p.name != "__init__.py"]


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
    result: EngineResult,
    since: str | None,
    pending: Sequence[str] | None,
) -> tuple[list[Finding], int]:
    """Findings of the revisions after ``since`` and/or in ``pending``; how many files those are.
    ``pending`` alone needs only each file's revision id (which the last run's outcome keeps);
    ``since`` walks the graph of the summaries."""
    ids = set(pending or ())
    if since is not None:
        summaries = result.summaries
        ids |= RevisionGraph(summaries).descendants(_resolve(since, summaries))
    paths = {path for path, revision in result.revisions.items() if revision in ids}
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
    config = lint_config.from_settings(settings)
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
    # lazy: start-up: only the path that needs it pays for it
    from alembic_baseline.commands import common

    project = common.project(settings)
    current = project.current_heads(common.database_url(settings, url, project))
    lower: str | tuple[str, ...] = current or "base"
    revisions = project.script.iterate_revisions("heads", lower)
    return tuple(r.revision for r in revisions if r.revision not in current)


def rules() -> RuleList:
    """Every rule: code, name, default severity, one-line summary."""
    # lazy: start-up: only the path that needs it pays for it
    from alembic_baseline.lint.docs import RuleInfo, RuleList
    from alembic_baseline.lint.registry import all_rules

    return RuleList(
        tuple(
            RuleInfo(r.code, r.name, r.severity.label, r.summary(), r.history) for r in all_rules()
        )
    )


def write_docs(directory: Path) -> WrittenDocs:
    """Regenerate the rules' documentation pages (docs/rules/*.md) in ``directory``."""
    # lazy: start-up: only the path that needs it pays for it
    from alembic_baseline.lint.docs import WrittenDocs, write

    return WrittenDocs(tuple(write(directory)))


def lint(
    settings: Settings,
    paths: Sequence[Path] = (),
    since: str | None = None,
    pending: Sequence[str] | None = None,
    options: LintOptions | None = None,
) -> LintResult:
    """Check revisions for the runbook's best practices and PostgreSQL lock safety.

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
    state = statedir.layout(root, settings.state_dir, settings.backup_dir)
    cache_dir = (opts.cache_dir or state.lint_cache) if opts.cache else None
    context: list[Target] = []
    dirs: list[Path] = []
    if has_project:
        dirs, template = _version_dirs(settings, cache_dir)
        config = lint_config.with_file_template(config, template)
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
        alembic_heads=(lambda: _alembic_heads(settings)) if has_project else None,
        cache_dir=cache_dir,
        jobs=opts.jobs,
        sys_path=[str(root)],
        summaries=since is not None,  # else the last run's may do (with its revision ids)
        revisions=pending is not None,
    )
    findings, files = list(result.findings), result.files
    if since is not None or pending is not None:
        findings, files = _only_revisions(findings, result, since, pending)
    baseline_path = opts.baseline or root / config.baseline
    findings, hidden = _apply_baseline(findings, baseline_path, opts)
    read = None
    if result.read is not None and not opts.write_baseline:
        listed = [d for directory in dirs for d in (directory, directory / "archive")]
        read = (
            *quick.settings_paths(str(settings.config_file), os.getcwd()),
            *map(str, (*listed, *paths, baseline_path)),
            *result.read,
        )
    return LintResult(
        findings=tuple(findings),
        files=files,
        cached=result.cached,
        hidden_by_baseline=hidden,
        fail_on=config.fail_on,
        root=root,
        baseline_written=baseline_path if opts.write_baseline else None,
        resolve=result.resolve,
        read=read,
        cache_dir=cache_dir if config.cache else None,
    )
