"""``alembic-baseline fleet status|plan|apply|drift``: many databases and tenant schemas."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from alembic_baseline.cli._app import app, operation, state
from alembic_baseline.cli._url import chosen_url, env_url
from alembic_baseline.cli.deploy import (
    BackupDirOpt,
    LockOpt,
    NoBackupOpt,
    NoSchemaOpt,
    RetriesOpt,
    RetryWaitOpt,
    RunsDirOpt,
    StmtOpt,
    TargetOpt,
)
from alembic_baseline.cli.fleet_manifest import attach
from alembic_baseline.errors import ConfigError

if TYPE_CHECKING:
    from alembic_baseline.fleet.rollout import Policy
    from alembic_baseline.fleet.shard import Shard
    from alembic_baseline.fleet.targets import Selection
    from alembic_baseline.fleet.worker import Outcome
    from alembic_baseline.report import Reporter

fleet_app = typer.Typer(
    help="Migrate, check and compare many databases or tenant schemas in one run.",
    no_args_is_help=True,
)
app.add_typer(fleet_app, name="fleet")
attach(fleet_app)  # fleet manifest kubernetes
_OP = "alembic_baseline.commands.fleet"

_T = "Targets"
TargetsOpt = Annotated[
    Path | None,
    typer.Option(
        "--targets", metavar="FILE", help="TOML/YAML [[target]] list.", rich_help_panel=_T
    ),
]
ServerOpt = Annotated[
    str | None,
    typer.Option("--server", metavar="URL", help="A server whose databases…", rich_help_panel=_T),
]
DatabasesOpt = Annotated[
    str | None,
    typer.Option(
        "--databases", metavar="PATTERN", help="…match PATTERN (SQL LIKE).", rich_help_panel=_T
    ),
]
CatalogOpt = Annotated[
    str | None,
    typer.Option("--catalog", metavar="URL", help="A catalog database where…", rich_help_panel=_T),
]
QueryOpt = Annotated[
    str | None,
    typer.Option("--query", metavar="SQL", help="…SQL returns name, url.", rich_help_panel=_T),
]
UrlOpt = Annotated[
    str | None,
    typer.Option(
        "--url", metavar="URL", help="A database whose tenant schemas…", rich_help_panel=_T
    ),
]
UrlEnvOpt = Annotated[
    str | None,
    typer.Option(
        "--url-env", metavar="NAME", help="…or the variable holding its URL.", rich_help_panel=_T
    ),
]
UrlFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--url-file", metavar="FILE", help="…or a file holding its URL.", rich_help_panel=_T
    ),
]
ServerEnvOpt = Annotated[
    str | None,
    typer.Option(
        "--server-env", metavar="NAME", help="--server's URL from NAME.", rich_help_panel=_T
    ),
]
CatalogEnvOpt = Annotated[
    str | None,
    typer.Option(
        "--catalog-env", metavar="NAME", help="--catalog's URL from NAME.", rich_help_panel=_T
    ),
]
SchemasOpt = Annotated[
    str | None,
    typer.Option(
        "--schemas", metavar="PATTERN", help="…match PATTERN (SQL LIKE).", rich_help_panel=_T
    ),
]
LabelOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--label",
        metavar="KEY=VALUE",
        help="Only targets with this label; repeatable.",
        rich_help_panel=_T,
    ),
]
ShardOpt = Annotated[
    str | None,
    typer.Option(
        "--shard", metavar="I/N", help="Only this copy's share (0 ≤ I < N).", rich_help_panel=_T
    ),
]
ShardsOpt = Annotated[
    int | None,
    typer.Option(
        "--shards", metavar="N", help="N copies; I from $JOB_COMPLETION_INDEX.", rich_help_panel=_T
    ),
]
CanaryOpt = Annotated[
    int, typer.Option("--canary", metavar="K", help="Migrate the first K targets first.")
]
StagesOpt = Annotated[
    str | None,
    typer.Option("--stages", metavar="LIST", help="Then in stages, e.g. 10%,50%,100%."),
]


_SELECTION = {
    "targets": TargetsOpt,
    "server": ServerOpt,
    "server_env": ServerEnvOpt,
    "databases": DatabasesOpt,
    "catalog": CatalogOpt,
    "catalog_env": CatalogEnvOpt,
    "query": QueryOpt,
    "url": UrlOpt,
    "url_env": UrlEnvOpt,
    "url_file": UrlFileOpt,
    "schemas": SchemasOpt,
    "label": LabelOpt,
    "shard": ShardOpt,
    "shards": ShardsOpt,
}


def _fleet_command(name: str) -> Callable[[Callable[..., int]], Callable[..., int]]:
    """Register a fleet command that takes the target selection: the selection options are
    declared once (here) and given to the command as ``sel`` (a Selection) and ``chosen`` (its
    shard), after ``ctx``; the command's own options follow."""

    def register(fn: Callable[..., int]) -> Callable[..., int]:
        keyword = inspect.Parameter.KEYWORD_ONLY
        ctx = inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD)
        ctx = ctx.replace(annotation=typer.Context)
        shared = [
            inspect.Parameter(n, keyword, annotation=a, default=None) for n, a in _SELECTION.items()
        ]
        # the command's own options (after ctx, sel, chosen), their annotations resolved as
        # typing.get_type_hints would (this module uses postponed annotations)
        own = list(inspect.signature(fn).parameters.values())[3:]
        mine = [p.replace(kind=keyword, annotation=_resolve(p.annotation)) for p in own]

        @functools.wraps(fn)
        def command(ctx: typer.Context, **given: Any) -> int:
            picked = {n: given.pop(n) for n in _SELECTION}
            chosen = _shard(picked.pop("shard"), picked.pop("shards"))
            return fn(ctx, _selection(ctx, **picked), chosen, **given)

        params = [ctx, *shared, *mine]
        command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in params}
        return fleet_app.command(name, **operation(f"{_OP}:{name}"))(command)

    return register


def _resolve(annotation: object) -> object:
    return eval(annotation, globals()) if isinstance(annotation, str) else annotation


def _selection(ctx: typer.Context, **given: Any) -> Selection:
    """The targets' source; URLs may come from the environment or a file (never in argv)."""
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.fleet.targets import Selection

    given["url"] = chosen_url(ctx, given["url"], given.pop("url_env"), given.pop("url_file"))
    for option in ("server", "catalog"):
        name = given.pop(f"{option}_env")
        if name and given[option]:
            raise ConfigError(
                f"--{option} and --{option}-env both name the {option}.",
                hint="Give only one of them.",
            )
        if name:
            given[option] = env_url(f"--{option}-env", name)
    given["labels"] = tuple(given.pop("label") or ())
    given["targets_file"] = given.pop("targets")
    return Selection(**given)


def _shard(given: str | None, count: int | None) -> Shard | None:
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.fleet.shard import chosen

    return chosen(given, count)


def _policy(workers: int = 1, stages: str | None = None, **rest: Any) -> Policy:
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.fleet.rollout import Policy, parse_stages

    return Policy(workers=workers, stages=parse_stages(stages), **rest)


@_fleet_command("status")
def status_cmd(
    ctx: typer.Context,
    sel: Selection,
    chosen: Shard | None,
) -> int:
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.commands.fleet import status

    st = state(ctx)
    result = status(st.settings, sel, chosen)
    st.reporter.show(result)
    return 1 if result.problems else 0


@_fleet_command("plan")
def plan_cmd(
    ctx: typer.Context,
    sel: Selection,
    chosen: Shard | None,
    canary: CanaryOpt = 0,
    stages: StagesOpt = None,
) -> int:
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.commands.fleet import plan

    st = state(ctx)
    result = plan(st.settings, sel, _policy(canary=canary, stages=stages), chosen)
    st.reporter.show(result)
    return int(result.exit_code)


@_fleet_command("apply")
def apply_cmd(
    ctx: typer.Context,
    sel: Selection,
    chosen: Shard | None,
    workers: Annotated[
        int, typer.Option("--workers", metavar="N", help="Worker processes (default 1).")
    ] = 1,
    canary: CanaryOpt = 0,
    stages: StagesOpt = None,
    max_failures: Annotated[
        int | None,
        typer.Option("--max-failures", metavar="F", help="Start no target after F failures."),
    ] = None,
    continue_on_error: Annotated[
        bool,
        typer.Option("--continue-on-error", help="Go on to the next stage despite failures."),
    ] = False,
    target: TargetOpt = None,
    no_backup: NoBackupOpt = False,
    backup_dir: BackupDirOpt = None,
    runs_dir: RunsDirOpt = None,
    lock_timeout: LockOpt = None,
    lock_retries: RetriesOpt = None,
    lock_retry_wait: RetryWaitOpt = None,
    statement_timeout: StmtOpt = None,
    no_schema_check: NoSchemaOpt = False,
    skip_check: Annotated[
        list[str] | None,
        typer.Option("--skip-check", metavar="NAME", help="Go on although this check fails."),
    ] = None,
) -> int:
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.cli.deploy import _options
    from alembic_baseline.commands.fleet import apply

    st = state(ctx)
    rep = st.reporter
    options = _options(
        st.settings,
        target=target,
        no_backup=no_backup,
        backup_dir=backup_dir,
        runs_dir=runs_dir,
        lock_timeout=lock_timeout,
        lock_retries=lock_retries,
        lock_retry_wait=lock_retry_wait,
        statement_timeout=statement_timeout,
        no_schema_check=no_schema_check,
        skip_checks=skip_check,
    )
    policy = _policy(
        workers=workers,
        canary=canary,
        stages=stages,
        max_failures=max_failures,
        continue_on_error=continue_on_error,
    )
    result = apply(
        st.settings,
        sel,
        policy,
        options=options,
        chosen=chosen,
        progress=_progress(rep),
        notify=_notify(rep),
    )
    rep.show(result)
    return int(result.exit_code)


@_fleet_command("drift")
def drift_cmd(
    ctx: typer.Context,
    sel: Selection,
    chosen: Shard | None,
) -> int:
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.commands.fleet import drift

    st = state(ctx)
    result = drift(st.settings, sel, chosen, progress=_progress(st.reporter))
    st.reporter.show(result)
    return int(result.exit_code)


# -- presentation ------------------------------------------------------------------------------


def _progress(rep: Reporter) -> Any:
    from rich.markup import escape

    return lambda line: rep.step(f"[dim]{escape(line)}[/]")


_COLOUR = {"ok": "green", "skipped": "dim", "failed": "red"}


def _notify(rep: Reporter) -> Any:
    from rich.markup import escape

    def show(o: Outcome) -> None:
        j = o.to_json()
        move = f"{j['from'] or '(empty)'} → {j['to'] or '?'}"
        line = f"[{_COLOUR[o.outcome]}]{o.outcome:7}[/] {escape(o.name)}  {escape(move)}"
        line += f"  {o.seconds:.1f} s"
        rep.step(line + (f"\n         [red]{escape(o.error)}[/]" if o.error else ""))

    return show
