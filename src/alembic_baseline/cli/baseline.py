"""``alembic-baseline baseline create|verify|archive`` and ``alembic-baseline upgrade``."""

from pathlib import Path
from typing import Annotated

import typer

from alembic_baseline.cli import _ending
from alembic_baseline.cli._app import app, operation, state
from alembic_baseline.cli._url import UrlEnvOpt, UrlFileOpt, chosen_url
from alembic_baseline.errors import ExitCode

baseline_app = typer.Typer(
    help="Collapse a long history into one baseline revision, safely, and prove it.",
    no_args_is_help=True,
)
app.add_typer(baseline_app, name="baseline")

_OP = "alembic_baseline.commands.baseline"
FleetOpt = Annotated[
    Path | None,
    typer.Option(
        "--targets",
        metavar="FILE",
        help="A fleet ([[target]] file, docs/fleet.md): every target must be at the head.",
    ),
]
UrlOpt = Annotated[
    str | None,
    typer.Option("--url", help="Database URL (default: $DATABASE_URL or sqlalchemy.url)."),
]


@baseline_app.command("create", **operation(f"{_OP}:create_baseline"))
def create_cmd(
    ctx: typer.Context,
    url: UrlOpt = None,
    url_env: UrlEnvOpt = None,
    url_file: UrlFileOpt = None,
    from_history: Annotated[
        bool, typer.Option("--from-history", help="Replay the history instead of dumping --url.")
    ] = False,
    rev_id: Annotated[
        str | None, typer.Option("--rev-id", help="Revision id (default baseline_YYYYMMDD).")
    ] = None,
    message: Annotated[str | None, typer.Option("-m", "--message", help="Message.")] = None,
    reference_table: Annotated[
        list[str] | None,
        typer.Option(
            "--reference-table",
            help="Carry this table's rows from the source database (repeatable).",
        ),
    ] = None,
    no_seed_data: Annotated[
        bool,
        typer.Option(
            "--no-seed-data",
            help="Do not carry the rows the history writes (recorded in the manifest).",
        ),
    ] = False,
    accept_production: Annotated[
        bool,
        typer.Option(
            "--accept-production", help="Production differs from the history: take production."
        ),
    ] = False,
    targets: FleetOpt = None,
) -> int:
    url = chosen_url(ctx, url, url_env, url_file)
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.baseline import results
    from alembic_baseline.commands.baseline import create_baseline

    st = state(ctx)
    rep = st.reporter
    result = create_baseline(
        st.settings,
        url=url,
        fleet=targets,
        from_history=from_history,
        revision=rev_id,
        message=message,
        reference_tables=tuple(reference_table or ()),
        accept_production=accept_production,
        seed_data=not no_seed_data,
        progress=lambda m: rep.step(f"[dim]… {m}[/]"),
    )
    rep.show(results.Created(result))
    _ending.keep(result)  # written: dropped with the process, not object by object (_ending)
    return ExitCode.OK


@baseline_app.command("verify", **operation(f"{_OP}:verify_baseline"))
def verify_cmd(
    ctx: typer.Context,
    url: Annotated[
        str | None, typer.Option("--url", help="Production, compared too when given.")
    ] = None,
    url_env: UrlEnvOpt = None,
    url_file: UrlFileOpt = None,
    revision: Annotated[str | None, typer.Option("--revision", help="Baseline to verify.")] = None,
    targets: FleetOpt = None,
) -> int:
    url = chosen_url(ctx, url, url_env, url_file)
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.commands.baseline import FleetVerified, verify_baseline

    st = state(ctx)
    rep = st.reporter
    view = verify_baseline(
        st.settings,
        url=url,
        revision=revision,
        fleet=targets,
        progress=lambda m: rep.step(f"[dim]… {m}[/]"),
    )
    rep.show(view)
    _ending.keep(view)  # proven: dropped with the process, not object by object (_ending)
    equal = view.equal if isinstance(view, FleetVerified) else view.result.equal
    return ExitCode.OK if equal else ExitCode.FINDINGS


@baseline_app.command("archive", **operation(f"{_OP}:restore_archive"))
def archive_cmd(
    ctx: typer.Context,
    restore: Annotated[
        bool, typer.Option("--restore", help="Undo the baseline: bring archived revisions back.")
    ] = False,
) -> int:
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.baseline import results
    from alembic_baseline.commands.baseline import restore_archive

    st = state(ctx)
    if not restore:
        raise typer.BadParameter("archiving happens in `baseline create`; use --restore to undo it")
    result = restore_archive(st.settings)
    st.reporter.show(results.Restored(result))
    return ExitCode.OK


@app.command("upgrade", **operation(f"{_OP}:upgrade_database"))
def upgrade_cmd(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(help="Target revision.")] = "heads",
    url: UrlOpt = None,
    url_env: UrlEnvOpt = None,
    url_file: UrlFileOpt = None,
) -> int:
    url = chosen_url(ctx, url, url_env, url_file)
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.baseline import results
    from alembic_baseline.commands.baseline import upgrade_database

    st = state(ctx)
    rep = st.reporter
    result = upgrade_database(
        st.settings, url=url, target=target, progress=lambda m: rep.step(f"[dim]… {m}[/]")
    )
    rep.show(results.Upgraded(result))
    return ExitCode.OK
