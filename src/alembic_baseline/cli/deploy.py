"""``alembic-baseline status | plan | apply | rollback``: guarded production patches."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from alembic_baseline.cli._app import app, operation, state
from alembic_baseline.cli._url import UrlEnvOpt, UrlFileOpt, chosen_url
from alembic_baseline.errors import ExitCode

if TYPE_CHECKING:
    from alembic_baseline.report import Reporter
    from alembic_baseline.settings import Settings

_OP = "alembic_baseline.commands.deploy"

UrlOpt = Annotated[
    str | None,
    typer.Option(
        "--url", metavar="URL", help="Database (default: $DATABASE_URL or sqlalchemy.url)."
    ),
]
NoSchemaOpt = Annotated[
    bool,
    typer.Option(
        "--no-schema-check", help="Do not compare the schema with the history (no scratch)."
    ),
]
TargetOpt = Annotated[
    str | None, typer.Option("--target", metavar="REV", help="Upgrade target (default: heads).")
]
BackupDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--backup-dir", metavar="DIR", help="Backups (default: backup_dir, else STATE_DIR/backups)."
    ),
]
NoBackupOpt = Annotated[bool, typer.Option("--no-backup", help="Do not take a backup first.")]
MinFreeOpt = Annotated[
    int | None,
    typer.Option(
        "--min-free-bytes", metavar="N", help="Free space to keep beside the backup's size."
    ),
]
RunsDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--runs-dir", metavar="DIR", help="Run records (default: STATE_DIR/runs, see --state-dir)."
    ),
]
LockOpt = Annotated[
    str | None,
    typer.Option("--lock-timeout", metavar="DUR", help="lock_timeout per try (default 2s)."),
]
RetriesOpt = Annotated[
    int | None,
    typer.Option(
        "--lock-retries",
        metavar="N",
        help="Tries after a lock timeout, each a clean transaction (default 3; 0: none).",
    ),
]
RetryWaitOpt = Annotated[
    str | None,
    typer.Option(
        "--lock-retry-wait", metavar="DUR", help="Pause before a retry, doubling (default 2s)."
    ),
]
StmtOpt = Annotated[
    str | None,
    typer.Option("--statement-timeout", metavar="DUR", help="statement_timeout (default 0: none)."),
]
HealthOpt = Annotated[
    str | None, typer.Option("--health-url", metavar="URL", help="Must answer 2xx afterwards.")
]
HealthTimeoutOpt = Annotated[
    float | None, typer.Option("--health-timeout", metavar="S", help="Seconds (default 30).")
]
CheckSqlOpt = Annotated[
    list[str] | None,
    typer.Option("--check-sql", metavar="SQL", help="A query that must return true; repeatable."),
]


def _options(settings: "Settings", **flags: Any) -> Any:
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.commands.status import deploy_options

    if flags.pop("no_backup", False):
        flags["backup"] = False
    if flags.pop("no_schema_check", False):
        flags["schema_check"] = False
    for key in ("skip_checks", "check_sql", "reference_tables"):
        flags[key] = tuple(flags.get(key) or ()) or None
    return deploy_options(settings, **flags)


def _progress(rep: "Reporter") -> Any:
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.report import escape

    return lambda line: rep.step(f"[dim]{escape(line)}[/]")


# -- status ------------------------------------------------------------------------------------


@app.command("status", **operation("alembic_baseline.commands.status:status"))
def status_cmd(
    ctx: typer.Context,
    url: UrlOpt = None,
    url_env: UrlEnvOpt = None,
    url_file: UrlFileOpt = None,
    no_schema_check: NoSchemaOpt = False,
) -> int:
    url = chosen_url(ctx, url, url_env, url_file)
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.commands.status import status

    st = state(ctx)
    result = status(st.settings, url=url, schema_check=not no_schema_check)
    st.reporter.show(result)
    return result.exit_code


# -- plan --------------------------------------------------------------------------------------


@app.command("plan", **operation(f"{_OP}:plan"))
def plan_cmd(
    ctx: typer.Context,
    url: UrlOpt = None,
    url_env: UrlEnvOpt = None,
    url_file: UrlFileOpt = None,
    out: Annotated[
        Path, typer.Option("--out", metavar="FILE", help="Where to write the SQL.")
    ] = Path("migration_plan.sql"),
    rehearse: Annotated[
        bool, typer.Option("--rehearse", help="Apply on a scratch copy of production's schema.")
    ] = False,
    reference_table: Annotated[
        list[str] | None,
        typer.Option("--reference-table", metavar="TABLE", help="Rows to copy for --rehearse."),
    ] = None,
    sample_rows: Annotated[
        int | None,
        typer.Option(
            "--sample-rows", metavar="N", help="--rehearse: copy up to N rows of every table."
        ),
    ] = None,
    target: TargetOpt = None,
    backup_dir: BackupDirOpt = None,
    min_free_bytes: MinFreeOpt = None,
    no_schema_check: NoSchemaOpt = False,
) -> int:
    url = chosen_url(ctx, url, url_env, url_file)
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.commands.deploy import plan

    st = state(ctx)
    options = _options(
        st.settings,
        target=target,
        backup_dir=backup_dir,
        min_free_bytes=min_free_bytes,
        no_schema_check=no_schema_check,
        reference_tables=reference_table,
        sample_rows=sample_rows,
    )
    result = plan(
        st.settings,
        url=url,
        out=out,
        rehearse=rehearse,
        options=options,
        progress=_progress(st.reporter),
    )
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.deploy.results import PlanView

    st.reporter.show(PlanView(result))
    return ExitCode.FINDINGS if result.blocking() else ExitCode.OK


# -- apply / rollback --------------------------------------------------------------------------


@app.command("apply", **operation(f"{_OP}:apply"))
def apply_cmd(
    ctx: typer.Context,
    url: UrlOpt = None,
    url_env: UrlEnvOpt = None,
    url_file: UrlFileOpt = None,
    target: TargetOpt = None,
    skip_check: Annotated[
        list[str] | None,
        typer.Option("--skip-check", metavar="NAME", help="Apply although this check fails."),
    ] = None,
    backup_dir: BackupDirOpt = None,
    no_backup: NoBackupOpt = False,
    min_free_bytes: MinFreeOpt = None,
    lock_timeout: LockOpt = None,
    lock_retries: RetriesOpt = None,
    lock_retry_wait: RetryWaitOpt = None,
    statement_timeout: StmtOpt = None,
    health_url: HealthOpt = None,
    health_timeout: HealthTimeoutOpt = None,
    check_sql: CheckSqlOpt = None,
    runs_dir: RunsDirOpt = None,
    no_schema_check: NoSchemaOpt = False,
    phase: Annotated[
        str | None,
        typer.Option(
            "--phase",
            metavar="PHASE",
            help="pre or post: only the pending revisions of that phase (docs/team.md).",
        ),
    ] = None,
) -> int:
    url = chosen_url(ctx, url, url_env, url_file)
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.commands.deploy import apply

    st = state(ctx)
    options = _options(
        st.settings,
        target=target,
        skip_checks=skip_check,
        backup_dir=backup_dir,
        no_backup=no_backup,
        min_free_bytes=min_free_bytes,
        lock_timeout=lock_timeout,
        lock_retries=lock_retries,
        lock_retry_wait=lock_retry_wait,
        statement_timeout=statement_timeout,
        health_url=health_url,
        health_timeout=health_timeout,
        check_sql=check_sql,
        runs_dir=runs_dir,
        no_schema_check=no_schema_check,
        phase=phase,
    )
    result = apply(st.settings, url=url, options=options, progress=_progress(st.reporter))
    st.reporter.show(result)
    return result.exit_code


@app.command("rollback", **operation(f"{_OP}:rollback"))
def rollback_cmd(
    ctx: typer.Context,
    url: UrlOpt = None,
    url_env: UrlEnvOpt = None,
    url_file: UrlFileOpt = None,
    to: Annotated[str | None, typer.Option("--to", metavar="REV", help="Downgrade to REV.")] = None,
    steps: Annotated[
        int | None, typer.Option("--steps", metavar="N", help="Downgrade N revisions.")
    ] = None,
    restore: Annotated[
        str | None,
        typer.Option("--restore", metavar="RUN_ID", help="Restore that run's backup (or latest)."),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm --restore (for scripts).")] = False,
    discard_new_rows: Annotated[
        bool,
        typer.Option(
            "--discard-new-rows",
            help="Confirm --restore although tables changed since the backup (listed otherwise).",
        ),
    ] = False,
    backup_dir: BackupDirOpt = None,
    no_backup: NoBackupOpt = False,
    min_free_bytes: MinFreeOpt = None,
    lock_timeout: LockOpt = None,
    lock_retries: RetriesOpt = None,
    lock_retry_wait: RetryWaitOpt = None,
    statement_timeout: StmtOpt = None,
    health_url: HealthOpt = None,
    health_timeout: HealthTimeoutOpt = None,
    check_sql: CheckSqlOpt = None,
    runs_dir: RunsDirOpt = None,
    no_schema_check: NoSchemaOpt = False,
) -> int:
    url = chosen_url(ctx, url, url_env, url_file)
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.commands.deploy import rollback

    st = state(ctx)
    options = _options(
        st.settings,
        backup_dir=backup_dir,
        no_backup=no_backup,
        min_free_bytes=min_free_bytes,
        lock_timeout=lock_timeout,
        lock_retries=lock_retries,
        lock_retry_wait=lock_retry_wait,
        statement_timeout=statement_timeout,
        health_url=health_url,
        health_timeout=health_timeout,
        check_sql=check_sql,
        runs_dir=runs_dir,
        no_schema_check=no_schema_check,
    )
    if restore is not None and not yes and sys.stdin.isatty() and not st.reporter.quiet:
        yes = typer.confirm(
            f"Restore the backup of run {restore}? The database's current contents are replaced "
            "(a safety backup is taken first)."
        )
    result = rollback(
        st.settings,
        url=url,
        to=to,
        steps=steps,
        restore=restore,
        confirmed=yes,
        discard_new_rows=discard_new_rows,
        options=options,
        progress=_progress(st.reporter),
    )
    st.reporter.show(result)
    return result.exit_code
