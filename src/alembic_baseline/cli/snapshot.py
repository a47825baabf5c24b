"""``alembic-baseline snapshot`` and ``alembic-baseline diff``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from alembic_baseline.cli._app import app, state
from alembic_baseline.cli._url import UrlEnvOpt, UrlFileOpt, chosen_url
from alembic_baseline.errors import ExitCode

if TYPE_CHECKING:
    from alembic_baseline.report import Reporter
    from alembic_baseline.snapshot import InspectOptions

SchemaOpt = Annotated[
    list[str] | None,
    typer.Option("--schema", metavar="NAME", help="Only this schema (repeatable)."),
]
ExcludeOpt = Annotated[
    list[str] | None,
    typer.Option("--exclude-schema", metavar="NAME", help="Leave this schema out (repeatable)."),
]
PrivilegesOpt = Annotated[
    bool, typer.Option("--privileges", help="Also read owners and GRANTs (off by default).")
]
VersionTableOpt = Annotated[
    bool,
    typer.Option("--include-version-table", help="Keep the alembic_version table in."),
]


def _inspect_options(
    schema: list[str] | None, exclude: list[str] | None, privileges: bool, version_table: bool
) -> InspectOptions:
    from alembic_baseline.snapshot import InspectOptions

    return InspectOptions(
        include_schemas=tuple(schema) if schema else None,
        exclude_schemas=tuple(exclude or ()),
        privileges=privileges,
        version_table=None if version_table else "alembic_version",
    )


def _verbatim(rep: Reporter, text: str) -> None:
    """Schema text exactly as produced. ``Reporter.raw`` redacts ``password = …`` pairs, which
    would corrupt a function body that compares a password column; schema text carries no
    connection secret (URLs in it are already redacted)."""
    rep.stdout.write(text if text.endswith("\n") else text + "\n")


@app.command("snapshot")
def snapshot_cmd(
    ctx: typer.Context,
    url: Annotated[str | None, typer.Option("--url", help="Database to inspect.")] = None,
    url_env: UrlEnvOpt = None,
    url_file: UrlFileOpt = None,
    revision: Annotated[
        str | None,
        typer.Option("--revision", metavar="REV", help="Replay the history up to REV instead."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("-o", "--out", help="Write the JSON here (default: stdout).")
    ] = None,
    schema: SchemaOpt = None,
    exclude_schema: ExcludeOpt = None,
    privileges: PrivilegesOpt = False,
    include_version_table: VersionTableOpt = False,
) -> int:
    """Write a deterministic JSON snapshot of a database's schema (or of a revision)."""
    url = chosen_url(ctx, url, url_env, url_file)
    from alembic_baseline.commands import snapshot

    st = state(ctx)
    rep = st.reporter
    options = _inspect_options(schema, exclude_schema, privileges, include_version_table)
    result = snapshot.snapshot(st.settings, url=url, revision=revision, out=out, options=options)
    if out is None:
        _verbatim(rep, result.snapshot.to_json())
    elif rep.quiet:
        rep.json(result)
    else:
        counts = ", ".join(f"{n} {kind}" for kind, n in result.counts().items())
        rep.text(f"[green]snapshot[/] of {result.source} → {out}")
        rep.text(f"  PostgreSQL {result.snapshot.server_version}: {counts}")
    return ExitCode.OK


@app.command("diff")
def diff_cmd(
    ctx: typer.Context,
    side_a: Annotated[str, typer.Argument(metavar="A", help="URL, snapshot file or rev:REV.")],
    side_b: Annotated[str, typer.Argument(metavar="B", help="URL, snapshot file or rev:REV.")],
    sql: Annotated[bool, typer.Option("--sql", help="Print the DDL that turns A into B.")] = False,
    allow_destructive: Annotated[
        bool,
        typer.Option("--allow-destructive", help="Do not comment out statements that lose data."),
    ] = False,
    ignore_column_order: Annotated[
        bool, typer.Option("--ignore-column-order", help="Columns in another order are equal.")
    ] = False,
    ignore_comments: Annotated[
        bool, typer.Option("--ignore-comments", help="Disregard COMMENT ON texts.")
    ] = False,
    ignore_privileges: Annotated[
        bool, typer.Option("--ignore-privileges", help="Disregard owners and GRANTs.")
    ] = False,
    ignore_not_null_names: Annotated[
        bool,
        typer.Option(
            "--ignore-not-null-names",
            help="Disregard PostgreSQL 18's named NOT NULL constraints (compare across majors).",
        ),
    ] = False,
    schema: SchemaOpt = None,
    exclude_schema: ExcludeOpt = None,
    privileges: PrivilegesOpt = False,
    output: Annotated[
        str | None,
        typer.Option("--format", metavar="FMT", help="text, json or markdown (as the global one)."),
    ] = None,
) -> int:
    """Show what differs between two schemas (exit 1 when they differ)."""
    from alembic_baseline.commands import snapshot
    from alembic_baseline.diff import CompareOptions, render

    st = state(ctx)
    rep = st.reporter
    if output is not None:
        if output not in ("text", "json", "markdown"):
            raise typer.BadParameter("must be text, json or markdown", param_hint="--format")
        rep.output = output
    options = snapshot.DiffOptions(
        compare=CompareOptions(
            ignore_column_order=ignore_column_order,
            ignore_comments=ignore_comments,
            ignore_privileges=ignore_privileges,
            ignore_not_null_names=ignore_not_null_names,
        ),
        inspect=_inspect_options(schema, exclude_schema, privileges, False),
        sql=sql,
        allow_destructive=allow_destructive,
    )
    result = snapshot.diff(st.settings, side_a, side_b, options)
    if rep.output == "json":
        rep.json(result)
    elif rep.output == "markdown":
        text = render.render_markdown(
            result.diff, title=f"`{result.a}` → `{result.b}`", inventory=result.inventory
        )
        _verbatim(rep, text + (f"\n```sql\n{result.sql}```\n" if result.sql else ""))
    elif result.sql is not None:
        _verbatim(rep, result.sql)  # stdout stays a runnable script; the summary: stderr
        for line in render.inventory_lines(result.diff, result.inventory):
            rep.err.print(line, highlight=False, markup=False)
        rep.err.print(
            render.render_text(result.diff, result.inventory).splitlines()[-1], highlight=False
        )
    else:
        rep.out.print(render.render_rich(result.diff, result.inventory))
    return result.exit_code
