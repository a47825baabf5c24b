"""The typer application and the global options every command shares.

No ``from __future__ import annotations`` here: typer reads the global options from the
annotations of :func:`global_options`, and evaluated once at import they are not compiled and
evaluated again by every run."""

import functools
import importlib
import inspect
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperCommand

from alembic_baseline import __version__, docstrings
from alembic_baseline.report import EXTRA_FORMATS, FORMATS, Reporter

if TYPE_CHECKING:
    from alembic_baseline.settings import Settings

HELP = "Make the life cycle of an Alembic migration history on PostgreSQL safe and fast."
EPILOG = """\b
Command groups:
  scratch                 throwaway PostgreSQL servers and databases
  demo                    the runbook, end to end, on the sample project
  snapshot, diff          catalog snapshots; drift between any two schemas
  baseline, upgrade       create / archive / verify a baseline; reach it
  status, plan, apply, rollback  guarded production patches
  lint                    best practices and lock safety of revisions
  doctor, repair, check   diagnose version state; checklists
  history, revision       sum file; rebase a branch (docs/team.md)
  fleet                   many databases or tenant schemas: status, apply, drift

\b
Exit codes: 0 ok, 1 findings or differences, 2 usage or environment error,
3 refused as unsafe, 130 interrupted.
"""

app = typer.Typer(
    name="alembic-baseline",
    help=HELP,
    epilog=EPILOG,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)


_SRC = Path(__file__).resolve().parents[2]


@functools.cache
def operation_help(target: str) -> str:
    """The help of the command whose operation is ``target`` (``package.module:function``): the
    first paragraph of that function's docstring, read from its source file (importing the
    operations would cost ``--help`` about a second); imported when there is no source."""
    module, function = target.split(":")
    doc = docstrings.function_doc(_SRC.joinpath(*module.split(".")).with_suffix(".py"), function)
    if doc is None:
        doc = inspect.getdoc(getattr(importlib.import_module(module), function))
    return docstrings.summary(doc)


def operation(target: str) -> dict[str, Any]:
    """``app.command`` keyword arguments making the operation's docstring the command's help.

    A command has one docstring, its operation's (as Alembic's CLI reads ``command.py``); the
    CLI function has none (tests/unit/test_presentation.py checks both). The help is looked up
    only when shown."""

    class OperationCommand(TyperCommand):
        @property
        def help(self) -> str:
            return operation_help(target)

        @help.setter
        def help(self, value: str | None) -> None:
            """typer passes the CLI function's docstring (there is none): the operation's wins."""

    OperationCommand.__qualname__ = OperationCommand.__name__ = f"OperationCommand[{target}]"
    return {"cls": OperationCommand}


@dataclass
class State:
    """Global options, turned into :class:`Settings` when a command needs them."""

    reporter: Reporter
    options: dict[str, object] = field(default_factory=dict)
    _settings: "Settings | None" = None

    @property
    def settings(self) -> "Settings":
        if self._settings is None:
            # lazy: start-up: --help and other commands import no operation
            from alembic_baseline import settings

            self._settings = settings.load(**self.options)  # type: ignore[arg-type]
            # lazy: start-up: --help and other commands import no operation
            from alembic_baseline.pg import waits

            waits.configure(
                waits.Waits(
                    self._settings.read_lock_timeout, self._settings.read_statement_timeout
                ),
                notify=self.reporter.waiting,
            )
        return self._settings


def state(ctx: typer.Context, *, extra: tuple[str, ...] = ()) -> State:
    """The global options; refuses, before the command does any work, a ``--format`` that only
    another command offers (``extra``: this command's own formats, e.g. lint's sarif)."""
    obj = ctx.find_root().obj
    assert isinstance(obj, State)
    fmt = obj.reporter.output
    if fmt not in FORMATS and fmt not in extra:
        only = f" is a format of `{EXTRA_FORMATS[fmt]}` only;" if fmt in EXTRA_FORMATS else ":"
        allowed = ", ".join((*FORMATS, *extra))
        raise typer.BadParameter(
            f"{fmt}{only} this command writes {allowed}", param_hint="--format"
        )
    return obj


def _version(value: bool) -> None:
    if value:
        typer.echo(f"alembic-baseline {__version__}")
        raise typer.Exit(0)


@app.callback()
def global_options(
    ctx: typer.Context,
    config: Annotated[
        str | None,
        typer.Option(
            "-c", "--config", metavar="FILE", help="Alembic config file (default: ./alembic.ini)."
        ),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option(
            "-n", "--name", metavar="NAME", help="Section of the config file (like alembic)."
        ),
    ] = None,
    x: Annotated[
        list[str] | None,
        typer.Option(
            "-x", metavar="ARG", help="Extra argument for env.py (like alembic -x), repeatable."
        ),
    ] = None,
    output: Annotated[
        str | None,
        typer.Option(
            "--format",
            metavar="FMT",
            help="Output: text, json or markdown (lint also: github, sarif).",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
    scratch_url: Annotated[
        str | None,
        typer.Option(
            "--scratch-url",
            metavar="URL",
            help="Server where throwaway databases may be created and dropped "
            "(default: start a local one).",
        ),
    ] = None,
    pg_major: Annotated[
        int | None,
        typer.Option(
            "--pg-major", metavar="N", help="PostgreSQL major for scratch servers (production's)."
        ),
    ] = None,
    state_dir: Annotated[
        str | None,
        typer.Option(
            "--state-dir",
            metavar="DIR",
            help="Backups, run records and caches (default: PROJECT/.alembic-baseline).",
        ),
    ] = None,
    traceback: Annotated[
        bool, typer.Option("--traceback", help="Show the Python traceback of an error.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    reporter = ctx.obj
    assert isinstance(reporter, Reporter)
    fmt = "json" if as_json else (output or "text")
    if fmt not in FORMATS and fmt not in EXTRA_FORMATS:
        raise typer.BadParameter(
            f"must be {', '.join(FORMATS)} (lint also: {', '.join(EXTRA_FORMATS)})",
            param_hint="--format",
        )
    reporter.output = fmt
    ctx.obj = State(
        reporter,
        {
            "config": config,
            "name": name,
            "x_args": tuple(x or ()),
            "scratch_url": scratch_url,
            "pg_major": pg_major,
            "output": fmt,
            "traceback": traceback,
            "state_dir": state_dir,
        },
    )
