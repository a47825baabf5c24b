"""Command line: argv → settings → operation → report → exit code.

This package is the only place that prints or exits. ``main(argv, stdout, stderr)`` runs the
whole CLI in-process (tests call it directly) and returns the exit code; ``run()`` is the console
script. Each command group lives in its own module and registers itself on :data:`app`; a
new top-level command is also named in :data:`COMMANDS` (a run imports and builds only the
modules of the command it names; tests/unit/test_cli_startup.py fails until the table is right).
"""

from __future__ import annotations

import copy
import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from types import FrameType
from typing import IO, Any

import typer
import typer.main
import typer.models

from alembic_baseline.cli import _ending, _errors
from alembic_baseline.cli._app import app
from alembic_baseline.errors import BaselineError, ExitCode
from alembic_baseline.report import Reporter

# Importing a group module registers its commands on ``app``; modules import heavy
# dependencies inside their functions so that ``--help`` stays fast.
_GROUPS = (
    "scratch",
    "demo",
    "snapshot",
    "baseline",
    "deploy",
    "lint",
    "doctor",
    "history",
    "revision",
    "check_models",
    "check_data",
    "bundle",
    "report_html",
    "check_history",
    "fleet",
)

COMMANDS: dict[str, tuple[str, ...]] = {
    "scratch": ("scratch",),
    "demo": ("demo",),
    "snapshot": ("snapshot",),
    "diff": ("snapshot",),
    "upgrade": ("baseline",),
    "baseline": ("baseline",),
    "status": ("deploy",),
    "plan": ("deploy",),
    "apply": ("deploy",),
    "rollback": ("deploy",),
    "lint": ("lint",),
    "doctor": ("doctor",),
    "repair": ("doctor",),
    "check": ("doctor", "check_models", "check_data", "check_history"),
    "history": ("history",),
    "revision": ("revision",),
    "bundle": ("bundle",),
    "report": ("report_html",),
    "fleet": ("fleet",),
}
"""Top-level command → the group modules that register it (and its subcommands): a command
run builds only itself (tests/unit/test_cli_startup.py checks this table against the
registrations). A name not in it (``--help``, a typo) registers every group."""

_VALUED = frozenset({"-c", "--config", "-n", "--name", "-x", "--format", "--scratch-url",
                     "--pg-major", "--state-dir"})  # fmt: skip
"""The global options that take a value (tests/unit/test_cli_startup.py checks it)."""
_FLAGS = frozenset({"--json", "--traceback"})
"""The global flags that print nothing themselves (not ``--help``, ``--version``)."""


def _register_groups(names: Sequence[str] = _GROUPS) -> None:
    import importlib
    import importlib.util

    for name in names:
        module = f"alembic_baseline.cli.{name}"
        if importlib.util.find_spec(module) is not None:
            importlib.import_module(module)


def _first_word(args: Sequence[str]) -> str | None:
    """The first argument past the global options that take a value or print nothing, read
    as click parses them: the command, or an option this does not skip (None: neither)."""
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in _VALUED:
            i += 2
            continue
        if arg in _FLAGS or (arg.startswith("--") and arg.partition("=")[0] in _VALUED):
            i += 1
            continue
        if arg[:2] in _VALUED and not arg.startswith("--"):
            i += 1  # -cFILE: the value attached
            continue
        return arg
    return None


def command_name(args: Sequence[str]) -> str | None:
    """The top-level command ``args`` run, read past the global options as click parses them;
    None when unsure (no command, ``--help``, an option this does not know)."""
    word = _first_word(args)
    return None if word is None or word.startswith("-") else word


def version_only(args: Sequence[str]) -> bool:
    """``args`` ask for the version before any command, without ``-h/--help``: click answers
    from the root's eager ``--version`` (a usage error in the global options is still found
    first), so no command needs building (typer inspecting the functions of all of them was
    half of ``--version``)."""
    return _first_word(args) == "--version" and not any(a in ("-h", "--help") for a in args)


def build(args: Sequence[str]) -> Any:
    """The click command for ``args``: only the command they name, with its options' values
    converted without pydantic (``_coerce``); none for ``--version`` (:func:`version_only`);
    every command, as typer builds them, when none is named (``--help``: an eager flag, no
    value converted) or the name is unknown (click's error lists them)."""
    if version_only(args):
        return typer.main.get_command(_only(None))
    name = command_name(args)
    modules = COMMANDS.get(name or "")
    if modules:  # and any group module the table does not know yet: it may register anywhere
        known = {m for ms in COMMANDS.values() for m in ms}
        modules = (*modules, *(g for g in _GROUPS if g not in known))
    _register_groups(modules or _GROUPS)
    if not modules:  # help, the version, a usage error: typer converts no option's value
        return typer.main.get_command(app)
    # lazy: start-up: --help does not need it
    from alembic_baseline.cli import _coerce

    return _coerce.lighten(typer.main.get_command(_only(name)))


def _only(name: str | None) -> typer.Typer:
    """A view of :data:`app` holding only the command (or group) ``name`` (None: none)."""
    view = copy.copy(app)
    view.registered_commands = [c for c in app.registered_commands if name and _name(c) == name]
    view.registered_groups = [g for g in app.registered_groups if name and _name(g) == name]
    return view


def _name(info: Any) -> str | None:
    """The name a registered command or group (``add_typer(…, name=…)``) runs under."""
    if isinstance(info, typer.models.TyperInfo):
        return info.name if isinstance(info.name, str) else None
    if isinstance(info.name, str):
        return info.name
    return typer.main.get_command_name(info.callback.__name__)


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    # Turn SIGTERM into the same clean unwinding as Ctrl-C: context managers stop scratch
    # servers, apply runs record "interrupted".
    raise KeyboardInterrupt


@contextmanager
def _waits_reset() -> Iterator[None]:
    """The read waits and their progress lines belong to one run (tests run many in-process).

    Only a run that imported :mod:`alembic_baseline.pg.waits` can have configured them: a
    command opening no connection (``lint``, ``--help``) does not import it for this."""
    try:
        yield
    finally:
        waits = sys.modules.get("alembic_baseline.pg.waits")
        if waits is not None:
            waits.configure()


def main(
    argv: Sequence[str] | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
) -> int:
    """Run the CLI with ``argv``; return the exit code (see :class:`ExitCode`)."""
    args = list(sys.argv[1:] if argv is None else argv)
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    reporter = Reporter(out, err)
    show_traceback = "--traceback" in args
    command = build(args)
    with redirect_stdout(out), redirect_stderr(err), _waits_reset():
        try:
            result = command.main(
                args=args, prog_name="alembic-baseline", standalone_mode=False, obj=reporter
            )
        except BaselineError as exc:
            if show_traceback:
                _print_traceback(err)
            return _errors.report(reporter, exc, exc.exit_code, as_json=_json(args, reporter))
        except KeyboardInterrupt:
            reporter.err.print("[bold red]interrupted:[/] stopped; scratch servers cleaned up.")
            stopped = BaselineError("Interrupted; scratch servers cleaned up.")
            return _errors.report(
                reporter,
                stopped,
                ExitCode.INTERRUPTED,
                as_json=_json(args, reporter),
                kind="Interrupted",
                paragraph=False,
            )
        except Exception as exc:
            as_json = _json(args, reporter)
            if hasattr(exc, "show") and hasattr(exc, "exit_code"):  # click usage errors
                exc.show(file=err)
                message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
                usage = BaselineError(str(message))
                return _errors.report(
                    reporter,
                    usage,
                    exc.exit_code,
                    as_json=as_json,
                    kind="UsageError",
                    paragraph=False,
                )
            if type(exc).__name__ == "Abort":
                reporter.err.print("[bold red]aborted.[/]")
                aborted = BaselineError("Aborted.")
                return _errors.report(
                    reporter,
                    aborted,
                    ExitCode.INTERRUPTED,
                    as_json=as_json,
                    kind="Interrupted",
                    paragraph=False,
                )
            if show_traceback:
                _print_traceback(err)
            internal = BaselineError(
                f"Unexpected internal error: {type(exc).__name__}: {exc}",
                hint="Re-run with --traceback and report the output as a bug.",
            )
            return _errors.report(
                reporter, internal, ExitCode.USAGE, as_json=as_json, kind="InternalError"
            )
    return int(result) if isinstance(result, int) else int(ExitCode.OK)


def _print_traceback(err: IO[str]) -> None:
    # lazy: start-up: only --traceback after an error needs it (with linecache and tokenize)
    import traceback

    traceback.print_exc(file=err)


def _json(args: Sequence[str], reporter: Reporter) -> bool:
    return _errors.wants_json(args, reporter)


def run() -> None:
    """Console-script entry point."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    _ending.arm()
    code = main()
    _ending.end(code)  # returns unless a command kept its objects for a quick end
    sys.exit(code)
