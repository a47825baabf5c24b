"""Presentation: results as text (rich), JSON or markdown; errors as one paragraph with a hint.

Only this module writes to the terminal (the ``cli`` package hands it the streams).

One presentation path
---------------------
Every command's result is :class:`Presentable`: it renders itself three ways, and the CLI only
chooses which, from the global ``--format text|json|markdown`` (``--json``)::

    @dataclass(frozen=True)
    class FleetResult:                      # e.g. in commands/fleet.py or fleet/
        targets: tuple[TargetOutcome, ...]

        def to_json(self) -> dict[str, Any]:      # plain JSON values (see to_jsonable)
            return {"targets": [t.to_json() for t in self.targets]}

        def text(self, out: Reporter) -> None:    # rich markup lines, on out.text(...)
            for t in self.targets:
                out.text(f"{MARKS[t.status]} {escape(t.name)}")

        def markdown(self) -> str:                # for a PR or a ticket
            return "\n".join(["## fleet", "", *(f"- {t.name}" for t in self.targets)]) + "\n"

    # cli/fleet.py (presentation only; the help is the operation's docstring):
    @app.command("fleet", **operation("alembic_baseline.commands.fleet:run"))
    def fleet_cmd(ctx: typer.Context, ...) -> int:
        st = state(ctx)
        result = fleet.run(st.settings, ...)
        st.reporter.show(result)
        return result.exit_code

``to_json`` of a dataclass may be :func:`dataclass_json`; :func:`table` writes markdown tables,
:data:`MARKS` the check marks. A result class that a feature's model module defines and that
must not import its renderer is wrapped instead, in a small frozen view that is Presentable
(``doctor.render.ReportView(report)``, ``deploy.results.PlanView(plan)``,
``baseline.results.Created(result)``). Register a new command in
tests/helpers/formats.py: tests/unit/test_presentation.py fails until its markdown and JSON
are exercised. Markdown that must be printed
byte for byte (schema text, whose ``password = …`` must not be redacted) is returned as
:class:`Verbatim`. A command with formats of its own besides the three (``lint``'s ``github``
and ``sarif``) implements :meth:`Formats.extra_formats`; ``cli._app.state(ctx, extra=…)`` lets
them through ``--format``, every other command refuses them before doing any work.
"""

from __future__ import annotations

import builtins
import dataclasses
import enum
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol, runtime_checkable

from alembic_baseline.errors import BaselineError
from alembic_baseline.pg.url import DatabaseURL, redact

if TYPE_CHECKING:
    from rich.console import Console


FORMATS = ("text", "json", "markdown")
"""What the global ``--format`` offers every command."""
EXTRA_FORMATS = {"github": "lint", "sarif": "lint"}
"""Formats only one command offers (format → command), accepted by ``--format`` for it alone."""

MARKS = {
    "pass": "[green]✓[/]",
    "fail": "[red]✗[/]",
    "warn": "[yellow]![/]",
    "manual": "[blue]?[/]",
    "skipped": "[dim]-[/]",
}
"""Rich markup of a check's status (deploy's checklist, verification items, doctor's checks)."""


class Presentable(Protocol):
    """A command's result: JSON, text and markdown renderings (see the module docstring)."""

    def to_json(self) -> Any: ...

    def text(self, out: Reporter) -> None: ...

    def markdown(self) -> str: ...


@runtime_checkable
class Formats(Protocol):
    """A result with formats of its own besides text, JSON and markdown (``lint``: sarif)."""

    def extra_formats(self) -> Mapping[str, Callable[[], str]]: ...


class Verbatim(str):
    """Text printed exactly as given: schema text, which carries no connection secret (URLs in
    it are already redacted) and which ``redact`` would corrupt (``password = …`` in a body)."""


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    """Markdown table lines (``|`` in a cell escaped)."""

    def row(cells: Sequence[object]) -> str:
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"

    return [row(header), "|" + "---|" * len(header), *(row(r) for r in rows)]


def dataclass_json(value: Any) -> dict[str, Any]:
    """A dataclass's fields as JSON values (what :func:`to_jsonable` does without ``to_json``)."""
    return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}


def to_jsonable(value: Any) -> Any:
    """Dataclasses, enums, paths, URLs (redacted) and dates as plain JSON values."""
    if isinstance(value, DatabaseURL):  # before dataclasses: never serialise its password
        return value.redacted
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if hasattr(value, "to_json"):
            return value.to_json()
        return dataclass_json(value)
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


_MARKUP_ESCAPE = re.compile(r"(\\*)(\[[a-z#/@][^[]*?])")
_MARKUP_TAG = re.compile(r"((\\*)\[([a-z#/@][^[]*?)])")
"""rich's own patterns (``rich.markup``): a tag to escape, a tag with the backslashes before it."""
_EMOJI_CODE = re.compile(r"(:(\S*?)(?:(?:\-)(emoji|text))?:)")
"""What rich may replace by an emoji (``:smile:``): such text is left to rich."""
_CONTROL = dict.fromkeys((7, 8, 11, 12, 13))
"""Control characters rich drops from printed text (``rich.control.strip_control_codes``)."""


def escape(markup: str) -> str:
    """``rich.markup.escape``, without importing rich (~15 ms of a command's start-up): text
    that must not be read as markup (a revision message with ``[brackets]``)."""

    def backslashes(match: re.Match[str]) -> str:
        slashes, tag = match.groups()
        return f"{slashes}{slashes}\\{tag}"

    markup = _MARKUP_ESCAPE.sub(backslashes, markup)
    if markup.endswith("\\") and not markup.endswith("\\\\"):
        return markup + "\\"
    return markup


def plain_markup(markup: str) -> str | None:
    """The characters rich prints for ``markup`` where it styles nothing (a pipe, a file): tags
    dropped, escapes undone, control characters dropped, tabs expanded. None where rich must
    decide (an emoji code, a ``[/name]`` or ``[@handler]`` tag, a ``[/]`` closing nothing):
    the caller prints through rich."""
    pieces: list[str] = []
    position = 0
    depth = 0
    for match in _MARKUP_TAG.finditer(markup):
        full, escapes, tag = match.groups()
        start, end = match.span()
        if start > position:
            pieces.append(markup[position:start].replace("\\[", "["))
        position = end
        if escapes:
            slashes, escaped = divmod(len(escapes), 2)
            if slashes:
                pieces.append("\\" * slashes)
            if escaped:
                pieces.append(full[len(escapes) :].replace("\\[", "["))
                continue
        if tag.startswith("@") or (tag.startswith("/") and tag[1:].strip()):
            return None
        if tag.startswith("/"):
            if not depth:
                return None
            depth -= 1
        else:
            depth += 1
    if position < len(markup):
        pieces.append(markup[position:].replace("\\[", "["))
    text = "".join(pieces)
    if _EMOJI_CODE.search(text):
        return None
    return "\n".join(line.expandtabs(8) for line in text.translate(_CONTROL).split("\n"))


def _surely_unstyled(stream: IO[str]) -> bool:
    """True when rich certainly gives ``stream`` no colour system: not a terminal, nothing in
    the environment forcing one, not in Jupyter (rich styles its output). When unsure, False
    (the caller asks rich)."""
    # lazy: start-up: --version and --help print through click, not here (tomllib, statedir)
    from alembic_baseline import settings

    if settings.styles_forced():
        return False
    if "get_ipython" in vars(builtins):
        return False
    try:
        return not stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


class Reporter:
    """Writes results and errors to the streams the CLI was given."""

    def __init__(self, stdout: IO[str], stderr: IO[str], *, output: str = "text") -> None:
        self.stdout = stdout
        self.stderr = stderr
        self.output = output
        self._out: Console | None = None
        self._err: Console | None = None
        self._plain: dict[int, bool] = {}

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
    def styled(self) -> bool:
        """Whether text output gets colour and styles (a terminal, or FORCE_COLOR).

        When not, a long result may print plain text itself (``raw``) rather than markup:
        rich parses and lays out every line, which made printing 2,000 lint findings half
        of a warm ``lint`` run; the characters written are the same."""
        if self._out is None and _surely_unstyled(self.stdout):
            return False  # rich would not style it: no need to import its console (~50 ms)
        return self.out.color_system is not None

    @property
    def quiet(self) -> bool:
        """Machine-readable output: no progress or chatter on stdout."""
        return self.output != "text"

    def json(self, value: Any) -> None:
        import json  # start-up: only --json output needs it

        self.stdout.write(json.dumps(to_jsonable(value), indent=2, ensure_ascii=False) + "\n")

    def show(self, result: Presentable) -> None:
        """``result`` in the chosen output format (the one presentation path)."""
        if self.output == "json":
            self.json(result)
        elif self.output == "markdown":
            document = result.markdown()
            if isinstance(document, Verbatim):
                self.verbatim(document)
            else:
                self.raw(document)
        elif self.output == "text":
            result.text(self)
        else:
            render = (
                result.extra_formats().get(self.output) if isinstance(result, Formats) else None
            )
            if render is None:  # cli._app.state refuses these before the command runs
                raise ValueError(f"--format {self.output}: not offered by this command")
            self.raw(render())

    def text(self, markup: str = "") -> None:
        self._print(self.stdout, redact(markup))

    def _print(self, stream: IO[str], markup: str) -> None:
        """``markup`` printed as rich prints it on ``stream`` (stdout or stderr); where rich
        would style nothing, written as plain text without rich (importing its console and
        parsing the markup were a tenth of a ``status``; the characters are the same)."""
        out = stream is self.stdout
        key = 1 if out else 2
        if key not in self._plain:
            self._plain[key] = (self._out if out else self._err) is None and _surely_unstyled(
                stream
            )
        text = plain_markup(markup) if self._plain[key] else None
        if text is not None:
            stream.write(text + "\n")
        else:
            (self.out if out else self.err).print(markup)

    def raw(self, text: str) -> None:
        """Text printed exactly as given (SQL, markdown)."""
        self.stdout.write(redact(text))
        if not text.endswith("\n"):
            self.stdout.write("\n")

    def verbatim(self, text: str) -> None:
        """Text printed exactly as given, unredacted (see :class:`Verbatim`)."""
        self.stdout.write(text if text.endswith("\n") else text + "\n")

    def step(self, markup: str) -> None:
        """A progress line (stderr when output is machine-readable, so stdout stays parseable)."""
        self._print(self.stderr if self.quiet else self.stdout, redact(markup))

    def waiting(self, line: str) -> None:
        """A "still waiting for …" line (stderr, whatever the output format)."""
        self._print(self.stderr, f"[yellow]waiting:[/] {escape(redact(line))}")

    def error(self, exc: BaselineError) -> None:
        self._print(self.stderr, f"[bold red]error:[/] {escape(redact(exc.message))}")
        for key, value in exc.context.items():
            self._print(self.stderr, f"  [dim]{escape(key)}:[/] {escape(redact(value))}")
        if exc.hint:
            self._print(self.stderr, f"[bold]hint:[/] {escape(redact(exc.hint))}")
