"""``alembic-baseline scratch start|stop|status|url|install``."""

from typing import Annotated

import typer

from alembic_baseline.cli._app import app, operation, state
from alembic_baseline.errors import ExitCode

scratch_app = typer.Typer(
    help="Throwaway PostgreSQL servers: keep one running between commands; install a major.",
    no_args_is_help=True,
)
app.add_typer(scratch_app, name="scratch")

MajorOpt = Annotated[
    int | None,
    typer.Option("--major", metavar="N", help="PostgreSQL major version (default: newest here)."),
]
_OP = "alembic_baseline.commands.scratch"


@scratch_app.command("start", **operation(f"{_OP}:start"))
def start_cmd(
    ctx: typer.Context,
    major: MajorOpt = None,
    port: Annotated[
        int | None,
        typer.Option("--port", help="Also listen on 127.0.0.1:PORT (default: unix socket only)."),
    ] = None,
) -> int:
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.commands import scratch

    st = state(ctx)
    st.reporter.show(scratch.start(major or st.settings.pg_major, port))
    return ExitCode.OK


@scratch_app.command("stop", **operation(f"{_OP}:stop"))
def stop_cmd(ctx: typer.Context, major: MajorOpt = None) -> int:
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.commands import scratch

    state(ctx).reporter.show(scratch.stop(major))
    return ExitCode.OK


@scratch_app.command("status", **operation(f"{_OP}:status"))
def status_cmd(ctx: typer.Context) -> int:
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.commands import scratch

    state(ctx).reporter.show(scratch.status())
    return ExitCode.OK


@scratch_app.command("url", **operation(f"{_OP}:url"))
def url_cmd(ctx: typer.Context, major: MajorOpt = None) -> int:
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.commands import scratch

    state(ctx).reporter.show(scratch.url(major))
    return ExitCode.OK


@scratch_app.command("install", **operation(f"{_OP}:install"))
def install_cmd(
    ctx: typer.Context,
    major: Annotated[int, typer.Argument(metavar="MAJOR", help="PostgreSQL major (14–18).")],
) -> int:
    from rich.markup import escape

    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.commands import scratch

    st = state(ctx)
    done = scratch.install(major, progress=lambda line: st.reporter.step(f"[dim]{escape(line)}[/]"))
    st.reporter.show(done)
    return ExitCode.OK
