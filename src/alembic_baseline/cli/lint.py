"""``alembic-baseline lint``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from alembic_baseline.cli._app import app, state
from alembic_baseline.cli._url import UrlEnvOpt, UrlFileOpt, chosen_url
from alembic_baseline.errors import ConfigError, ExitCode

if TYPE_CHECKING:
    from alembic_baseline.commands.lint import RuleInfo
    from alembic_baseline.report import Reporter

_FORMATS = ("text", "json", "sarif", "github")


def _split(values: list[str] | None) -> tuple[str, ...]:
    """``--select PG1 --select AB101,AB2`` → ("PG1", "AB101", "AB2")."""
    return tuple(v.strip() for value in values or () for v in value.split(",") if v.strip())


@app.command("lint")
def lint_cmd(
    ctx: typer.Context,
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Revision files or directories (default: the project's versions)."),
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", metavar="REV", help="Only revisions after REV.")
    ] = None,
    pending: Annotated[
        bool,
        typer.Option(
            "--pending",
            help="Only revisions the database (--url or the project's) has not applied.",
        ),
    ] = False,
    url: Annotated[
        str | None, typer.Option("--url", help="Database for --pending (default: the project's).")
    ] = None,
    url_env: UrlEnvOpt = None,
    url_file: UrlFileOpt = None,
    select: Annotated[
        list[str] | None,
        typer.Option("--select", metavar="CODES", help="Only these rules/prefixes."),
    ] = None,
    ignore: Annotated[
        list[str] | None,
        typer.Option("--ignore", metavar="CODES", help="Skip these rules/prefixes."),
    ] = None,
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on", metavar="SEVERITY", help="Exit 1 at this severity: error, warning, info."
        ),
    ] = None,
    output_format: Annotated[
        str | None,
        typer.Option(
            "--output-format", metavar="FMT", help="text, json, sarif or github (annotations)."
        ),
    ] = None,
    include_archive: Annotated[
        bool, typer.Option("--include-archive", help="Lint versions/archive/ too.")
    ] = False,
    target_version: Annotated[
        int | None,
        typer.Option(
            "--target-version", metavar="N", help="Oldest PostgreSQL major to be safe on."
        ),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option("--baseline", metavar="FILE", help="Baseline of accepted findings."),
    ] = None,
    no_baseline: Annotated[
        bool, typer.Option("--no-baseline", help="Report accepted findings too.")
    ] = False,
    write_baseline: Annotated[
        bool,
        typer.Option("--write-baseline", help="Accept every current finding (adopt the linter)."),
    ] = False,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Do not read or write the cache.")
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", metavar="N", help="Worker processes (default: CPUs)."),
    ] = None,
    list_rules: Annotated[
        bool, typer.Option("--list-rules", help="List the rules and exit.")
    ] = False,
    write_docs: Annotated[
        Path | None,
        typer.Option("--write-docs", metavar="DIR", help="Regenerate docs/rules/*.md and exit."),
    ] = None,
) -> int:
    """Check revisions for the runbook's best practices and PostgreSQL lock safety."""
    url = chosen_url(ctx, url, url_env, url_file)
    from alembic_baseline.commands import lint as op
    from alembic_baseline.lint.output import Report, render

    st = state(ctx)
    rep = st.reporter
    if list_rules:
        return _list_rules(st.reporter, op.rules())
    if write_docs is not None:
        from alembic_baseline.lint.docs import write

        for path in write(write_docs):
            rep.text(f"wrote {path}")
        return ExitCode.OK
    fmt = output_format or ("json" if rep.output == "json" else "text")
    if fmt not in _FORMATS:
        raise ConfigError(f"--output-format {fmt!r}: use one of {', '.join(_FORMATS)}.")
    options = op.LintOptions(
        select=_split(select),
        ignore=_split(ignore),
        fail_on=fail_on,
        include_archive=include_archive or None,
        target_version=target_version,
        baseline=baseline,
        use_baseline=not no_baseline,
        write_baseline=write_baseline,
        cache=not no_cache,
        jobs=jobs,
    )
    todo = op.pending_revisions(st.settings, url) if pending else None
    result = op.lint(st.settings, tuple(paths or ()), since=since, pending=todo, options=options)
    report = Report(root=result.root, files=result.files, hidden=result.hidden_by_baseline)
    output = render(fmt, result.findings, report)
    if fmt == "text":
        rep.text(output)
    elif output:
        rep.raw(output)
    if result.baseline_written is not None:
        rep.step(f"[green]baseline written[/]: {result.hidden_by_baseline} finding(s) accepted "
                 f"in {result.baseline_written}")  # fmt: skip
    return result.exit_code


def _list_rules(rep: Reporter, rules: list[RuleInfo]) -> int:
    from rich.markup import escape

    if rep.quiet:
        rep.json(rules)
        return ExitCode.OK
    for rule in rules:
        rep.text(f"{rule.code}  {rule.name:<34} [dim]{rule.severity:<8}[/] {escape(rule.summary)}")
    return ExitCode.OK
