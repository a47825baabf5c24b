"""``alembic-baseline lint``.

No ``from __future__ import annotations`` here: typer reads the options from the annotations,
and evaluated once at import they are not compiled and evaluated again per run."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from alembic_baseline.cli import _ending
from alembic_baseline.cli._app import app, operation, state
from alembic_baseline.cli._url import UrlEnvOpt, UrlFileOpt, chosen_url
from alembic_baseline.errors import ExitCode

if TYPE_CHECKING:
    from alembic_baseline.commands.lint import LintResult
    from alembic_baseline.report import Reporter

_EXTRA = ("github", "sarif")  # commands.lint.EXTRA (not imported: --help stays fast)


def _split(values: list[str] | None) -> tuple[str, ...]:
    """``--select PG1 --select AB101,AB2`` → ("PG1", "AB101", "AB2")."""
    return tuple(v.strip() for value in values or () for v in value.split(",") if v.strip())


@app.command("lint", **operation("alembic_baseline.commands.lint:lint"))
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
    output: Annotated[
        str | None,
        typer.Option(
            "--format",
            metavar="FMT",
            help="text, json, markdown, github (annotations) or sarif (as the global one).",
        ),
    ] = None,
    output_format: Annotated[
        str | None,
        typer.Option("--output-format", metavar="FMT", help="Deprecated alias of --format."),
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
    url = chosen_url(ctx, url, url_env, url_file)
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.commands import lint as op
    from alembic_baseline.lint import quick

    rep = state(ctx, extra=_EXTRA).reporter
    _choose_format(rep, output, output_format)
    st = state(ctx, extra=() if list_rules or write_docs is not None else _EXTRA)
    if list_rules:
        rep.show(op.rules())
        return ExitCode.OK
    if write_docs is not None:
        rep.show(op.write_docs(write_docs))
        return ExitCode.OK
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
    argv = quick.console_argv
    if argv is None or pending or output_format is not None or result.cache_dir is None:
        rep.show(result)
    else:  # the console's run, from files only: its output is recorded (lint.quick)
        _show_recorded(rep, result, argv, result.cache_dir)
    if result.baseline_written is not None:
        rep.step(f"[green]baseline written[/]: {result.hidden_by_baseline} finding(s) accepted "
                 f"in {result.baseline_written}")  # fmt: skip
    # Written (output, cache, baseline): the process ends without freeing the imported Alembic,
    # SQLAlchemy and pglast and the run's results one by one (~0.2 s of a cold run; _ending).
    _ending.keep(result)
    return result.exit_code


def _show_recorded(rep: "Reporter", result: "LintResult", argv: list[str], cache: Path) -> None:
    """``rep.show(result)``, the characters written kept as the answer to ``argv`` when
    nothing else was written (``lint.quick.remember``)."""
    from alembic_baseline.lint import quick  # lazy: start-up (--help)

    if rep.styled:  # printed through rich: not recorded
        rep.show(result)
        return
    out, err = quick.Recorder(rep.stdout), quick.Recorder(rep.stderr)
    rep.stdout, rep.stderr = out, err  # type: ignore[assignment]
    try:
        rep.show(result)
    finally:
        rep.stdout, rep.stderr = out.stream, err.stream
    if not err.parts and result.read is not None:
        quick.remember(argv, "".join(out.parts), int(result.exit_code), result.read, str(cache))


def _choose_format(rep: "Reporter", output: str | None, output_format: str | None) -> None:
    """``lint --format`` (or its deprecated alias ``--output-format``) over the global one."""
    if output_format is not None:
        rep.err.print(
            f"[yellow]note:[/] --output-format is deprecated: use `lint --format {output_format}`.",
            highlight=False,
        )
    chosen = output or output_format
    if chosen is not None:
        rep.output = chosen
