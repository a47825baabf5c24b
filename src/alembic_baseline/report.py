"""Presentation: results as text (rich), JSON or markdown; errors as one paragraph with a hint.

Only the ``cli`` package calls this module, and only this module writes to the terminal.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from alembic_baseline.errors import BaselineError
from alembic_baseline.pg.url import DatabaseURL, redact

if TYPE_CHECKING:
    from rich.console import Console


def to_jsonable(value: Any) -> Any:
    """Dataclasses, enums, paths, URLs (redacted) and dates as plain JSON values."""
    if isinstance(value, DatabaseURL):  # before dataclasses: never serialise its password
        return value.redacted
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if hasattr(value, "to_json"):
            return value.to_json()
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple) and hasattr(value, "_asdict"):  # a named tuple: an object
        return {str(k): to_jsonable(v) for k, v in value._asdict().items()}
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if isinstance(value, str):
        return redact(value)
    return value


class Reporter:
    """Writes results and errors to the streams the CLI was given."""

    def __init__(self, stdout: IO[str], stderr: IO[str], *, output: str = "text") -> None:
        self.stdout = stdout
        self.stderr = stderr
        self.output = output
        self._out: Console | None = None
        self._err: Console | None = None

    @property
    def out(self) -> Console:
        if self._out is None:
            from rich.console import Console

            self._out = Console(file=self.stdout, highlight=False, soft_wrap=True)
        return self._out

    @property
    def err(self) -> Console:
        if self._err is None:
            from rich.console import Console

            self._err = Console(file=self.stderr, highlight=False, soft_wrap=True)
        return self._err

    @property
    def quiet(self) -> bool:
        """Machine-readable output: no progress or chatter on stdout."""
        return self.output != "text"

    def json(self, value: Any) -> None:
        self.stdout.write(json.dumps(to_jsonable(value), indent=2, ensure_ascii=False) + "\n")

    def text(self, markup: str = "") -> None:
        self.out.print(redact(markup))

    def raw(self, text: str) -> None:
        """Text printed exactly as given (SQL, markdown)."""
        self.stdout.write(redact(text))
        if not text.endswith("\n"):
            self.stdout.write("\n")

    def step(self, markup: str) -> None:
        """A progress line (stderr when output is machine-readable, so stdout stays parseable)."""
        target = self.err if self.quiet else self.out
        target.print(redact(markup))

    def waiting(self, line: str) -> None:
        """A "still waiting for …" line (stderr, whatever the output format)."""
        from rich.markup import escape

        self.err.print(f"[yellow]waiting:[/] {escape(redact(line))}")

    def error(self, exc: BaselineError) -> None:
        from rich.markup import escape

        self.err.print(f"[bold red]error:[/] {escape(redact(exc.message))}")
        for key, value in exc.context.items():
            self.err.print(f"  [dim]{escape(key)}:[/] {escape(redact(value))}")
        if exc.hint:
            self.err.print(f"[bold]hint:[/] {escape(redact(exc.hint))}")
