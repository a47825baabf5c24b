"""``alembic-baseline snapshot`` and ``alembic-baseline diff``."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from alembic_baseline.cli import _ending
from alembic_baseline.cli._app import app, operation, state
from alembic_baseline.cli._url import UrlEnvOpt, UrlFileOpt, chosen_url
from alembic_baseline.errors import ExitCode

if TYPE_CHECKING:
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
) -> "InspectOptions":
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.snapshot import InspectOptions

    return InspectOptions(
        include_schemas=tuple(schema) if schema else None,
        exclude_schemas=tuple(exclude or ()),
        privileges=privileges,
        version_table=None if version_table else "alembic_version",
    )


_OP = "alembic_baseline.commands.snapshot"


@app.command("snapshot", **operation(f"{_OP}:snapshot"))
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
    url = chosen_url(ctx, url, url_env, url_file)
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.commands import snapshot

    st = state(ctx)
    rep = st.reporter
    options = _inspect_options(schema, exclude_schema, privileges, include_version_table)
    result = snapshot.snapshot(st.settings, url=url, revision=revision, out=out, options=options)
    if out is None and rep.output != "markdown":
        rep.verbatim(result.snapshot.to_json())  # the document itself is the output (JSON)
    else:
        rep.show(result)
    _ending.keep(result)  # written: dropped with the process, not object by object (_ending)
    return ExitCode.OK


@app.command("diff", **operation(f"{_OP}:diff"))
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
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.commands import snapshot
    from alembic_baseline.diff import CompareOptions

    if output is not None:
        state(ctx).reporter.output = output  # as the global one, checked by state() below
    st = state(ctx)
    rep = st.reporter
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
    rep.show(result)
    return result.exit_code
