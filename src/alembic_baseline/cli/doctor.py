"""``alembic-baseline doctor | repair | check pre-baseline|pre-patch|post-apply``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from alembic_baseline.cli._app import app, state
from alembic_baseline.cli._url import UrlEnvOpt, UrlFileOpt, chosen_url

if TYPE_CHECKING:
    from alembic_baseline.commands.doctor import RepairResult
    from alembic_baseline.doctor.checklists import Checklist
    from alembic_baseline.doctor.model import DoctorReport
    from alembic_baseline.report import Reporter

UrlOpt = Annotated[
    str | None,
    typer.Option(
        "--url", metavar="URL", help="Database (default: $DATABASE_URL or sqlalchemy.url)."
    ),
]
RunsDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--runs-dir", metavar="DIR", help="Run records (default: STATE_DIR/runs, see --state-dir)."
    ),
]
_SEVERITY = {"error": "[red]✗[/]", "warning": "[yellow]![/]", "info": "[blue]i[/]"}
_MARK = {
    "pass": "[green]✓[/]",
    "fail": "[red]✗[/]",
    "warn": "[yellow]![/]",
    "manual": "[blue]?[/]",
    "skipped": "[dim]-[/]",
}


def _progress(rep: Reporter) -> Any:
    from rich.markup import escape

    return lambda line: rep.step(f"[dim]{escape(line)}[/]")


# -- doctor ------------------------------------------------------------------------------------


@app.command("doctor")
def doctor_cmd(
    ctx: typer.Context,
    url: UrlOpt = None,
    url_env: UrlEnvOpt = None,
    url_file: UrlFileOpt = None,
    identify: Annotated[
        bool | None,
        typer.Option(
            "--identify/--no-identify",
            help="Always / never replay the history to identify the schema's real revision "
            "(default: when the version table or the schema calls for it).",
            show_default=False,
        ),
    ] = None,
    no_schema_check: Annotated[
        bool, typer.Option("--no-schema-check", help="Do not compare the schema (no scratch).")
    ] = False,
) -> int:
    """Diagnose the version table and the schema; every problem with its exact fix."""
    url = chosen_url(ctx, url, url_env, url_file)
    from alembic_baseline.commands.doctor import doctor

    st = state(ctx)
    mode = "auto" if identify is None else ("always" if identify else "never")
    report = doctor(
        st.settings,
        url=url,
        identify=mode,
        schema_check=not no_schema_check,
        progress=_progress(st.reporter),
    )
    _render_report(st.reporter, report)
    return report.exit_code


def _render_report(rep: Reporter, r: DoctorReport) -> None:
    from rich.markup import escape

    from alembic_baseline.doctor.render import (
        extra_differences,
        identification_line,
        no_problem_line,
        report_markdown,
    )

    if rep.output == "json":
        rep.json(r)
        return
    if rep.output == "markdown":
        rep.raw(report_markdown(r))
        return
    rep.text(f"database       {escape(r.database)} (PostgreSQL {r.server_version})")
    rep.text(f"version table  {escape(r.version_table)}: {', '.join(r.recorded) or '(no row)'}")
    rep.text(f"heads          {', '.join(r.heads)}")
    if r.identification is not None:
        rep.text(f"schema         {escape(identification_line(r.identification))}")
    for d in r.diagnoses:
        rep.text(f"\n{_SEVERITY[d.severity.value]} [bold]{d.code} {d.name}[/] ({d.severity.value})")
        rep.text(f"  {escape(d.message)}")
        for key, value in d.context.items():
            rep.text(f"  [dim]{escape(key)}: {escape(value)}[/]")
        for line in d.details:
            rep.text(f"  - {escape(line)}")
        for line in extra_differences(d):
            rep.text(f"  - differs: {escape(line)}")
        rep.text(f"  [bold]fix:[/] {escape(d.fix)}")
    if not r.diagnoses:
        colour = "green" if r.schema_compared else "yellow"
        rep.text(f"\n[{colour}]{escape(no_problem_line(r))}[/]")
    elif any(d.repair for d in r.diagnoses):
        rep.text("\n[dim]Run the fixes with the same -c/--url options as this command.[/]")


# -- repair ------------------------------------------------------------------------------------


@app.command("repair")
def repair_cmd(
    ctx: typer.Context,
    url: UrlOpt = None,
    url_env: UrlEnvOpt = None,
    url_file: UrlFileOpt = None,
    fix: Annotated[
        str | None,
        typer.Option(
            "--fix",
            metavar="FIX",
            help="restamp, dedupe, bridge, drop-invalid-index or rebuild-index "
            "(default: the one the diagnosis offers).",
        ),
    ] = None,
    to: Annotated[
        list[str] | None,
        typer.Option("--to", metavar="REV", help="Revision to stamp (repeatable for branches)."),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", help="Do it (without: show the plan only).")
    ] = False,
    lock_timeout: Annotated[
        str | None, typer.Option("--lock-timeout", metavar="DUR", help="lock_timeout (5s).")
    ] = None,
    runs_dir: RunsDirOpt = None,
    accept_checksums: Annotated[
        list[str] | None,
        typer.Option(
            "--accept-checksums",
            metavar="REV",
            help="Accept the changed file of an applied revision (repeatable; docs/team.md).",
        ),
    ] = None,
) -> int:
    """Apply one diagnosed fix in one transaction, after showing it; recorded like apply."""
    url = chosen_url(ctx, url, url_env, url_file)
    if accept_checksums:
        from alembic_baseline.cli.history import accept_checksums_cmd

        return accept_checksums_cmd(state(ctx), url, accept_checksums, yes)
    from alembic_baseline.commands.doctor import repair

    st = state(ctx)
    rep = st.reporter

    def attempt(confirmed: bool) -> RepairResult:
        return repair(
            st.settings,
            url=url,
            fix=fix,
            to=tuple(to or ()),
            confirmed=confirmed,
            runs_dir=runs_dir,
            lock_timeout=lock_timeout,
            progress=_progress(rep),
        )

    result = attempt(yes)
    if not yes and result.plan is not None and sys.stdin.isatty() and not rep.quiet:
        _render_repair(rep, result)
        if typer.confirm("Apply this fix?"):
            result = attempt(True)
        else:
            return result.exit_code
    _render_repair(rep, result)
    return result.exit_code


def _render_repair(rep: Reporter, r: RepairResult) -> None:
    from rich.markup import escape

    from alembic_baseline.doctor.render import plan_markdown

    if rep.output == "json":
        rep.json({"plan": r.plan, "confirmed": r.confirmed, "record": r.record})
        return
    if rep.output == "markdown" and r.plan is not None:
        rep.raw(plan_markdown(r.plan, r.confirmed))
        return
    plan = r.plan
    if plan is not None:
        rep.text(f"[bold]repair --fix {plan.fix}[/] ({plan.diagnosis or 'asked for'})")
        rep.text(f"  version table now: {', '.join(plan.before) or '(no row)'}")
        for i, step in enumerate(plan.steps, start=1):
            rep.text(f"  {i}. {escape(step)}")
    if r.record is None:
        rep.text("[yellow]Nothing done[/]: confirm with --yes.")
        return
    rec = r.record
    colour = "green" if rec.outcome == "ok" else "red"
    rep.text(f"[bold {colour}]repair {rec.outcome}[/]  run {rec.id}")
    if rec.verification:
        for v in rec.verification.items:
            rep.text(f"  {_MARK[v.status.value]} {v.name:<9} {escape(v.detail)}")
    for line in rec.next_steps:
        rep.text(f"  → {escape(line)}")
    rep.text(f"  record: {escape(str(rec.directory))}/record.md")


# -- check -------------------------------------------------------------------------------------

check_app = typer.Typer(
    help="The runbook's checklists: verify what can be verified, list the rest.",
    no_args_is_help=True,
)
app.add_typer(check_app, name="check")

BackupOpt = Annotated[
    Path | None,
    typer.Option("--backup", metavar="FILE", help="A backup taken by hand (pg_dump -Fc)."),
]
MaxAgeOpt = Annotated[
    float, typer.Option("--max-backup-age", metavar="HOURS", help="How fresh a backup must be.")
]
BackupDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--backup-dir", metavar="DIR", help="Backups (default: backup_dir, else STATE_DIR/backups)."
    ),
]
HealthOpt = Annotated[
    str | None, typer.Option("--health-url", metavar="URL", help="Must answer 2xx.")
]
HealthTimeoutOpt = Annotated[
    float | None, typer.Option("--health-timeout", metavar="S", help="Seconds (default 30).")
]


def _check(ctx: typer.Context, name: str, **options: Any) -> int:
    from alembic_baseline.commands.doctor import check

    st = state(ctx)
    result = check(st.settings, name, progress=_progress(st.reporter), **options)
    _render_checklist(st.reporter, result)
    return result.exit_code


@check_app.command("pre-baseline")
def pre_baseline_cmd(
    ctx: typer.Context,
    url: UrlOpt = None,
    url_env: UrlEnvOpt = None,
    url_file: UrlFileOpt = None,
    backup: BackupOpt = None,
    max_backup_age: MaxAgeOpt = 24.0,
    backup_dir: BackupDirOpt = None,
    runs_dir: RunsDirOpt = None,
    no_verify: Annotated[
        bool, typer.Option("--no-verify", help="Do not run baseline verify (manual item).")
    ] = False,
) -> int:
    """ベースライン化実施前: all applied, schema sane, fresh backup, baseline verified."""
    url = chosen_url(ctx, url, url_env, url_file)
    return _check(
        ctx,
        "pre-baseline",
        url=url,
        backup=backup,
        max_backup_age_hours=max_backup_age,
        backup_dir=backup_dir,
        runs_dir=runs_dir,
        verify_baseline=not no_verify,
    )


@check_app.command("pre-patch")
def pre_patch_cmd(
    ctx: typer.Context,
    url: UrlOpt = None,
    url_env: UrlEnvOpt = None,
    url_file: UrlFileOpt = None,
    backup: BackupOpt = None,
    max_backup_age: MaxAgeOpt = 24.0,
    backup_dir: BackupDirOpt = None,
    runs_dir: RunsDirOpt = None,
) -> int:
    """パッチ適用前: downgrades, backup, one head, schema sane (saves pg_stat counters)."""
    url = chosen_url(ctx, url, url_env, url_file)
    return _check(
        ctx,
        "pre-patch",
        url=url,
        backup=backup,
        max_backup_age_hours=max_backup_age,
        backup_dir=backup_dir,
        runs_dir=runs_dir,
    )


@check_app.command("post-apply")
def post_apply_cmd(
    ctx: typer.Context,
    url: UrlOpt = None,
    url_env: UrlEnvOpt = None,
    url_file: UrlFileOpt = None,
    health_url: HealthOpt = None,
    health_timeout: HealthTimeoutOpt = None,
    runs_dir: RunsDirOpt = None,
) -> int:
    """適用後: current = head, schema matches, health URL, errors in pg_stat since pre-patch."""
    url = chosen_url(ctx, url, url_env, url_file)
    return _check(
        ctx,
        "post-apply",
        url=url,
        health_url=health_url,
        health_timeout=health_timeout,
        runs_dir=runs_dir,
    )


def _render_checklist(rep: Reporter, c: Checklist) -> None:
    from rich.markup import escape

    from alembic_baseline.doctor.render import checklist_markdown

    if rep.output == "json":
        rep.json(c)
        return
    if rep.output == "markdown":
        rep.raw(checklist_markdown(c))
        return
    rep.text(f"[bold]{c.title}[/] ({c.name}) — {escape(c.database)}")
    for i in c.items:
        rep.text(f"  {_MARK[i.status.value]} {i.name:<18} {escape(i.runbook)}")
        rep.text(f"      {escape(i.detail)}")
        if i.hint and i.status.value != "pass":
            rep.text(f"      [dim]{escape(i.hint)}[/]")
    verdict = f"[red]{len(c.failed)} failed[/]" if c.failed else "[green]nothing failed[/]"
    rep.text(f"{verdict}; manual items are for a person to tick")
