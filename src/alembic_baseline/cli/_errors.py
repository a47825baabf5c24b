"""How the CLI ends a command that failed: the paragraph on stderr and, with ``--json``, one
JSON document on stdout, so that a script reading stdout always gets something to parse.

The document (documented in docs/cli.md)::

    {"error": {"type": "MigrationError", "message": "...", "hint": "...",
               "exit_code": 2, "exit_name": "USAGE", "context": {"run_record": "..."}}}
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from alembic_baseline.errors import BaselineError, ExitCode
from alembic_baseline.report import Reporter


def wants_json(args: Sequence[str], reporter: Reporter) -> bool:
    """``--json`` / ``--format json`` was asked for (also when parsing failed before it was
    applied)."""
    if reporter.output == "json":
        return True
    for i, arg in enumerate(args):
        if arg == "--json" or arg == "--format=json":
            return True
        if arg == "--format" and i + 1 < len(args) and args[i + 1] == "json":
            return True
    return False


def document(exc: BaselineError, code: int, kind: str | None = None) -> dict[str, Any]:
    """The JSON error document for ``exc`` ending with exit ``code``."""
    try:
        name = ExitCode(code).name
    except ValueError:
        name = str(code)
    return {
        "error": {
            "type": kind or type(exc).__name__,
            "message": exc.message,
            "hint": exc.hint,
            "exit_code": int(code),
            "exit_name": name,
            "context": dict(exc.context),
        }
    }


def report(
    reporter: Reporter,
    exc: BaselineError,
    code: int,
    *,
    as_json: bool,
    kind: str | None = None,
    paragraph: bool = True,
) -> int:
    """Print the error paragraph (stderr) and, when asked, the JSON document (stdout)."""
    if paragraph:
        reporter.error(exc)
    if as_json:
        reporter.json(document(exc, code, kind))
    return int(code)
