"""Command line: argv → settings → operation → report → exit code.

This package is the only place that prints or exits. ``main(argv, stdout, stderr)`` runs the
whole CLI in-process (tests call it directly) and returns the exit code; ``run()`` is the console
script. Each command group lives in its own module and registers itself on :data:`app`.
"""

from __future__ import annotations

import signal
import sys
import traceback as tb
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from types import FrameType
from typing import IO

from alembic_baseline.cli import _errors
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


def _register_groups() -> None:
    import importlib
    import importlib.util

    for name in _GROUPS:
        module = f"alembic_baseline.cli.{name}"
        if importlib.util.find_spec(module) is not None:
            importlib.import_module(module)


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    # Turn SIGTERM into the same clean unwinding as Ctrl-C: context managers stop scratch
    # servers, apply runs record "interrupted".
    raise KeyboardInterrupt


@contextmanager
def _waits_reset() -> Iterator[None]:
    """The read waits and their progress lines belong to one run (tests run many in-process)."""
    # lazy: start-up: --help and other commands import no operation
    from alembic_baseline.pg import waits

    try:
        yield
    finally:
        waits.configure()


def main(
    argv: Sequence[str] | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
) -> int:
    """Run the CLI with ``argv``; return the exit code (see :class:`ExitCode`)."""
    import typer.main

    args = list(sys.argv[1:] if argv is None else argv)
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    reporter = Reporter(out, err)
    show_traceback = "--traceback" in args
    _register_groups()
    command = typer.main.get_command(app)
    with redirect_stdout(out), redirect_stderr(err), _waits_reset():
        try:
            result = command.main(
                args=args, prog_name="alembic-baseline", standalone_mode=False, obj=reporter
            )
        except BaselineError as exc:
            if show_traceback:
                tb.print_exc(file=err)
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
                tb.print_exc(file=err)
            internal = BaselineError(
                f"Unexpected internal error: {type(exc).__name__}: {exc}",
                hint="Re-run with --traceback and report the output as a bug.",
            )
            return _errors.report(
                reporter, internal, ExitCode.USAGE, as_json=as_json, kind="InternalError"
            )
    return int(result) if isinstance(result, int) else int(ExitCode.OK)


def _json(args: Sequence[str], reporter: Reporter) -> bool:
    return _errors.wants_json(args, reporter)


def run() -> None:
    """Console-script entry point."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    sys.exit(main())
