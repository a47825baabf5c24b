"""``alembic-baseline baseline create|verify|archive`` and ``alembic-baseline upgrade``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from alembic_baseline.cli._app import app, state
from alembic_baseline.cli._url import UrlEnvOpt, UrlFileOpt, chosen_url
from alembic_baseline.errors import ExitCode

baseline_app = typer.Typer(
    help="Collapse a long history into one baseline revision, safely, and prove it.",
    no_args_is_help=True,
)
app.add_typer(baseline_app, name="baseline")

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


@baseline_app.command("create")
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
    """Create the baseline revision from production (or the history), archive the old ones."""
    from rich.markup import escape

    url = chosen_url(ctx, url, url_env, url_file)
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
    if rep.quiet:
        rep.json(result)
        return ExitCode.OK
    rep.text(f"[green]baseline {result.revision}[/] from {result.source}, "
             f"PostgreSQL {result.server_version}")  # fmt: skip
    rep.text(f"  pg_dump: {result.pg_dump}")
    rep.text(f"  {result.sql_path}  ({result.statements} statements, {result.chunks} chunk(s))")
    rep.text(f"  {result.revision_path}")
    rep.text(f"  {result.bridge_path}  (bridge: keeps id {result.old_head} for existing databases)")
    rep.text(f"  {len(result.archived)} revisions archived to {result.archived[0].parent}")
    for item in result.removed:
        rep.text(f"  [dim]removed from the dump: {item}[/]")
    if result.seed_rows and result.seed_carried:
        rep.text(f"  seed data carried (rows the history writes, from its replay): "
                 f"{len(result.seed_rows)} tables")  # fmt: skip
        for table, count in result.seed_rows.items():
            rep.text(f"    {escape(table)}: {count} row{'' if count == 1 else 's'}")
    for warning in result.warnings:
        rep.text(f"  [yellow]warning: {escape(warning)}[/]")
    if result.drift:
        rep.text(f"  [yellow]production accepted as the truth over {len(result.drift)} "
                 "differences (recorded in the manifest)[/]")  # fmt: skip
    rep.text("next: alembic-baseline baseline verify   (then commit the files)")
    return ExitCode.OK


@baseline_app.command("verify")
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
    """Prove that history, baseline (and production, or a fleet) build the same schema."""
    url = chosen_url(ctx, url, url_env, url_file)
    from rich.markup import escape

    from alembic_baseline.commands.baseline import verify_baseline

    st = state(ctx)
    rep = st.reporter

    def progress(message: str) -> None:
        rep.step(f"[dim]… {message}[/]")

    result = verify_baseline(st.settings, url=url, revision=revision, progress=progress)
    fleet = None
    if targets is not None:  # a fleet: every target at the head, with the head's schema
        from alembic_baseline.commands.baseline import fleet_off_head

        fleet = fleet_off_head(st.settings, targets, progress)
    equal = result.equal and not (fleet and fleet.off)
    if rep.quiet:
        rep.json({"equal": equal, "result": result, "fleet": fleet})
    else:
        for comparison in result.comparisons:
            mark = "[green]equal[/]" if comparison.equal else "[red]DIFFERENT[/]"
            rep.text(f"{mark}  {escape(comparison.name)}")
            for line in comparison.differences:
                rep.text(f"    {escape(line)}")
            for note in comparison.notes:
                rep.text(f"    [dim]{escape(note)}[/]")
        if fleet is not None:
            mark = "[red]DIFFERENT[/]" if fleet.off else "[green]equal[/]"
            rep.text(f"{mark}  fleet: {fleet.targets - len(fleet.off)} of {fleet.targets} "
                     "target(s) at the head with its schema")  # fmt: skip
            for name, why in fleet.off.items():
                rep.text(f"    {escape(name)}: {escape(why)}")
        verdict = "[green]verified[/]" if equal else "[red]not verified[/]"
        version = f"{result.pg_version // 10000}.{result.pg_version % 10000}"  # 150018 → 15.18
        rep.text(f"{verdict}: baseline {result.revision} on PostgreSQL {version}")
    return ExitCode.OK if equal else ExitCode.FINDINGS


@baseline_app.command("archive")
def archive_cmd(
    ctx: typer.Context,
    restore: Annotated[
        bool, typer.Option("--restore", help="Undo the baseline: bring archived revisions back.")
    ] = False,
) -> int:
    """Archived revisions: `--restore` undoes a baseline (archiving is part of create)."""
    from alembic_baseline.commands.baseline import restore_archive

    st = state(ctx)
    if not restore:
        raise typer.BadParameter("archiving happens in `baseline create`; use --restore to undo it")
    result = restore_archive(st.settings)
    if st.reporter.quiet:
        st.reporter.json(result)
    else:
        st.reporter.text(
            f"restored {len(result.restored)} revisions; removed baseline {result.revision}, "
            "its bridge and SQL"
        )
    return ExitCode.OK


@app.command("upgrade")
def upgrade_cmd(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(help="Target revision.")] = "heads",
    url: UrlOpt = None,
    url_env: UrlEnvOpt = None,
    url_file: UrlFileOpt = None,
) -> int:
    """`alembic upgrade` that also brings databases at archived revisions forward."""
    url = chosen_url(ctx, url, url_env, url_file)
    from alembic_baseline.commands.baseline import upgrade_database

    st = state(ctx)
    rep = st.reporter
    result = upgrade_database(
        st.settings, url=url, target=target, progress=lambda m: rep.step(f"[dim]… {m}[/]")
    )
    if rep.quiet:
        rep.json(result)
    else:
        ran = len(result.archived_steps) + len(result.steps)
        rep.text(f"{', '.join(result.start) or '(empty)'} → {', '.join(result.end)}: {ran} "
                 f"revisions ({len(result.archived_steps)} archived)")  # fmt: skip
    return ExitCode.OK
