"""``alembic-baseline doctor | repair | check pre-baseline|pre-patch|post-apply``."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from alembic_baseline.cli._app import app, operation, state
from alembic_baseline.cli._url import UrlEnvOpt, UrlFileOpt, chosen_url

if TYPE_CHECKING:
    from alembic_baseline.commands.doctor import RepairResult
    from alembic_baseline.report import Reporter

_OP = "alembic_baseline.commands.doctor"

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


def _progress(rep: "Reporter") -> Any:
    from rich.markup import escape

    return lambda line: rep.step(f"[dim]{escape(line)}[/]")


# -- doctor ------------------------------------------------------------------------------------


@app.command("doctor", **operation(f"{_OP}:doctor"))
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
    url = chosen_url(ctx, url, url_env, url_file)
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.commands.doctor import doctor
    from alembic_baseline.doctor.render import ReportView

    st = state(ctx)
    mode = "auto" if identify is None else ("always" if identify else "never")
    report = doctor(
        st.settings,
        url=url,
        identify=mode,
        schema_check=not no_schema_check,
        progress=_progress(st.reporter),
    )
    st.reporter.show(ReportView(report))
    return report.exit_code


# -- repair ------------------------------------------------------------------------------------


@app.command("repair", **operation(f"{_OP}:repair"))
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
    url = chosen_url(ctx, url, url_env, url_file)
    if accept_checksums:
        # lazy: start-up: --help and other commands import no operation
        from alembic_baseline.cli.history import accept_checksums_cmd

        return accept_checksums_cmd(state(ctx), url, accept_checksums, yes)
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.commands.doctor import repair

    st = state(ctx)
    rep = st.reporter

    def attempt(confirmed: bool) -> "RepairResult":
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


def _render_repair(rep: "Reporter", r: "RepairResult") -> None:
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.doctor.render import RepairView

    rep.show(RepairView(r.plan, r.confirmed, r.record))


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
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.commands import check
    from alembic_baseline.doctor.render import ChecklistView

    st = state(ctx)
    run = {"pre-baseline": check.pre_baseline, "pre-patch": check.pre_patch}.get(
        name, check.post_apply
    )
    result = run(st.settings, progress=_progress(st.reporter), **options)
    st.reporter.show(ChecklistView(result))
    return result.exit_code


_CHECK = "alembic_baseline.commands.check"


@check_app.command("pre-baseline", **operation(f"{_CHECK}:pre_baseline"))
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


@check_app.command("pre-patch", **operation(f"{_CHECK}:pre_patch"))
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


@check_app.command("post-apply", **operation(f"{_CHECK}:post_apply"))
def post_apply_cmd(
    ctx: typer.Context,
    url: UrlOpt = None,
    url_env: UrlEnvOpt = None,
    url_file: UrlFileOpt = None,
    health_url: HealthOpt = None,
    health_timeout: HealthTimeoutOpt = None,
    runs_dir: RunsDirOpt = None,
) -> int:
    url = chosen_url(ctx, url, url_env, url_file)
    return _check(
        ctx,
        "post-apply",
        url=url,
        health_url=health_url,
        health_timeout=health_timeout,
        runs_dir=runs_dir,
    )
