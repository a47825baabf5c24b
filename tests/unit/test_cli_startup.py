"""Start-up cost of a whole command (issue 18): a command builds only itself, converts its
options without pydantic, prints plain lines without rich where rich would style nothing, and
``status`` imports none of what ``plan``/``apply`` or ``lint`` need."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from alembic_baseline import cli
from alembic_baseline.cli import COMMANDS, build, command_name
from alembic_baseline.report import Reporter, escape, plain_markup

ROOT = Path(__file__).resolve().parents[2]


def _python(code: str, *, cwd: Path | None = None) -> Any:
    """Run ``code`` in a new interpreter (nothing imported yet); its stdout read as JSON."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALEMBIC_BASELINE")}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        check=True,
    )
    return json.loads(done.stdout.splitlines()[-1])


# -- one command built ---------------------------------------------------------------------------


def test_the_command_table_names_the_modules_registering_each_command() -> None:
    """COMMANDS is what the group modules register (imported one by one in a new process)."""
    found = _python(
        """
        import importlib, json
        import typer.main
        from alembic_baseline.cli import _GROUPS
        from alembic_baseline.cli._app import app

        def names():
            out = {}
            for c in app.registered_commands:
                out[c.name or typer.main.get_command_name(c.callback.__name__)] = 0
            for g in app.registered_groups:
                t = g.typer_instance
                out[g.name] = len(t.registered_commands) + len(t.registered_groups)
            return out

        table = {}
        for module in _GROUPS:
            before = names()
            importlib.import_module(f"alembic_baseline.cli.{module}")
            for name, size in names().items():
                if name not in before or size != before[name]:
                    table.setdefault(name, []).append(module)
        print(json.dumps(table))
        """
    )
    assert {name: list(modules) for name, modules in COMMANDS.items()} == found


@pytest.mark.parametrize(
    ("argv", "name"),
    [
        (["status"], "status"),
        (["--json", "lint", "--no-cache"], "lint"),
        (["-c", "other.ini", "-n", "db2", "-x", "a=b", "status"], "status"),
        (["--config=other.ini", "-cother.ini", "--format", "json", "plan"], "plan"),
        (["--scratch-url", "postgresql://h/db", "--pg-major", "16", "check", "models"], "check"),
        (["--state-dir", "/tmp/s", "--traceback", "fleet", "status"], "fleet"),
        (["-x", "status", "lint"], "lint"),  # -x takes a value, even one named like a command
        ([], None),
        (["--help"], None),
        (["-h", "status"], None),  # root help: every command listed
        (["--version"], None),
        (["--unknown-option", "status"], None),  # click decides (a usage error)
    ],
)
def test_command_name_reads_argv_as_click_does(argv: list[str], name: str | None) -> None:
    assert command_name(argv) == name


def test_the_global_options_taking_a_value_are_those_of_the_callback() -> None:
    root = build(["--help"])
    valued = {o for p in root.params if not getattr(p, "is_flag", False) for o in p.opts}
    flags = {o for p in root.params if getattr(p, "is_flag", False) for o in p.opts}
    assert valued == cli._VALUED
    assert flags == {*cli._FLAGS, "--version"}


def test_a_command_builds_only_itself_and_help_builds_all() -> None:
    assert set(build(["status"]).commands) == {"status"}
    assert set(build(["--json", "check", "models"]).commands) == {"check"}
    assert set(build(["check"]).commands["check"].commands) >= {
        "models",
        "upgrade-with-data",
        "history",
    }
    everything = set(COMMANDS)
    assert set(build(["--help"]).commands) == everything
    assert set(build(["frobnicate"]).commands) == everything  # click's error names them


@pytest.mark.parametrize(
    ("argv", "only"),
    [
        (["--version"], True),
        (["--json", "-c", "x.ini", "--version"], True),
        (["--version", "status"], True),  # click answers --version before the command
        (["--version", "--help"], False),
        (["--help", "--version"], False),
        (["status", "--version"], False),
        (["--bogus", "--version"], False),
        ([], False),
    ],
)
def test_version_builds_no_command(argv: list[str], only: bool) -> None:
    assert cli.version_only(argv) is only
    if only:
        assert build(argv).commands == {}


@pytest.mark.parametrize(
    "argv", [["--version"], ["--pg-major", "x", "--version"], ["--version", "lint"]]
)
def test_version_prints_what_the_full_command_prints(argv: list[str]) -> None:
    from typer.main import get_command

    from alembic_baseline.cli._app import app

    cli._register_groups()
    full_out = io.StringIO()
    with contextlib.redirect_stdout(full_out):
        code = get_command(app).main(argv, "alembic-baseline", standalone_mode=False)
    out = io.StringIO()
    assert cli.main(argv, out, io.StringIO()) == (code or 0) == 0
    assert out.getvalue() == full_out.getvalue() == f"alembic-baseline {cli_version()}\n"


def cli_version() -> str:
    from alembic_baseline import __version__

    return __version__


def test_version_imports_no_command_module() -> None:
    modules = _python(
        """
        import io, json, sys
        from alembic_baseline.cli import main
        assert main(["--version"], io.StringIO(), io.StringIO()) == 0
        print(json.dumps(sorted(sys.modules)))
        """
    )
    for heavy in (*_HEAVY, "alembic_baseline.cli.lint", "alembic_baseline.cli.deploy",
                  "alembic_baseline.settings", "alembic_baseline.pg.waits"):  # fmt: skip
        assert _loaded(modules, heavy) == [], heavy


def test_every_commands_options_are_evaluated_once_at_import() -> None:
    """typer reads options from annotations: left as strings (postponed annotations), every run
    compiled and evaluated them again (half of building ``lint``)."""
    from alembic_baseline.cli._app import app

    cli._register_groups()
    callbacks: list[Any] = [app.registered_callback.callback]  # type: ignore[union-attr]
    typers = [app]
    while typers:
        t = typers.pop()
        callbacks += [c.callback for c in t.registered_commands]
        for group in t.registered_groups:
            typers.append(group.typer_instance)
            if group.typer_instance.registered_callback is not None:
                callbacks.append(group.typer_instance.registered_callback.callback)
    assert len(callbacks) > 30
    postponed = [
        f"{f.__module__}.{f.__qualname__}"
        for f in callbacks
        if any(isinstance(a, str) for a in f.__annotations__.values())
    ]
    assert postponed == []


def test_help_lists_every_command_with_its_one_line_help() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert cli.main(["--help"], out, err) == 0
    listed = out.getvalue()
    for name in COMMANDS:
        assert f"  {name} " in listed
    assert "Show the database's revision" in listed  # status's help, from its operation


# -- options converted without pydantic --------------------------------------------------------


CASES: list[tuple[Any, list[Any]]] = [
    (str, ["x", "", " spaced ", "ünï", 5, b"bytes"]),
    (int, ["5", "+5", "-5", "007", " 5", "5.0", "x", "", "1_000", 5, True, 2.0]),
    (float, ["1", "1.", "1.5", ".5", "+.5", "-1.25", "1e3", "nan", "x", "", 2, 2.5]),
    (bool, [True, False, "true", "no", "1", "x"]),
    (Path, ["x", "/tmp", "a b", "", Path("p"), 5]),
    (list[str], [("a", "b"), ["c"], (), "solo"]),
    (list[Path], [("a", "/tmp"), ()]),
]


def _outcome(runtime: Any, value: Any, param: Any, ctx: Any) -> Any:
    try:
        result = runtime.coerce(value, param=param, ctx=ctx)
        return ("ok", type(result).__name__, repr(result))
    except Exception as exc:  # the error is the outcome compared
        return ("error", type(exc).__name__, str(exc))


@pytest.mark.parametrize(("annotation", "values"), CASES)
def test_light_converters_give_what_typer_gives(annotation: Any, values: list[Any]) -> None:
    """Every value converts to what typer's pydantic converter gives, or fails with its error."""
    typer_coercion = pytest.importorskip("typer._coercion")
    from typer._click import Context
    from typer.core import TyperCommand, TyperOption
    from typer.models import OptionInfo

    from alembic_baseline.cli._coerce import LightParam

    descriptor = typer_coercion.resolve_type_descriptor(annotation, OptionInfo())
    full = typer_coercion.build_runtime_param(descriptor)
    light = LightParam(descriptor.parameter_info, descriptor.annotation, descriptor)
    param = TyperOption(param_decls=["--opt"], type_descriptor=descriptor)
    ctx = Context(TyperCommand("c"))
    for value in values:
        assert _outcome(light, value, param, ctx) == _outcome(full, value, param, ctx), value


def test_a_bad_number_reads_as_typer_writes_it() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert cli.main(["--pg-major", "sixteen", "status"], out, err) == 2
    assert "Invalid value for '--pg-major'" in err.getvalue()
    assert "valid integer" in err.getvalue()


# -- what a command imports --------------------------------------------------------------------

_HEAVY = ("pydantic", "typer._adapters", "pglast", "rich", "alembic_baseline.lint",
          "alembic_baseline.deploy.plan", "alembic_baseline.commands.deploy")  # fmt: skip


def _loaded(modules: list[str], prefix: str) -> list[str]:
    return [m for m in modules if m == prefix or m.startswith(prefix + ".")]


def test_status_imports_nothing_it_does_not_use(tmp_path: Path) -> None:
    """``status`` run to its first error (no alembic.ini here), in a new process: the CLI, the
    status operation and the result's text, without pydantic, rich, pglast, the lint feature or
    plan/apply/rollback."""
    modules = _python(
        """
        import io, json, sys
        from alembic_baseline.cli import main
        from alembic_baseline.commands.status import status  # the whole operation's imports
        from alembic_baseline.deploy.results import StatusResult
        code = main(["status", "--no-schema-check"], io.StringIO(), io.StringIO())
        assert code == 2, code
        print(json.dumps(sorted(sys.modules)))
        """,
        cwd=tmp_path,
    )
    # Alembic and SQLAlchemy are imported by the full path only (history/quick.py: a plain
    # project's status needs neither), never by importing the status operation.
    for heavy in (*_HEAVY, "alembic", "sqlalchemy"):
        assert _loaded(modules, heavy) == [], heavy
    assert "alembic_baseline.commands.status" in modules


def test_fleet_status_imports_no_apply_or_drift_machinery(tmp_path: Path) -> None:
    """``fleet status`` loads the history once and asks each target one query: none of apply's
    steps, the rollout pool, the drift replays or the deploy options are imported for it."""
    modules = _python(
        """
        import io, json, sys
        from alembic_baseline.cli import main
        from alembic_baseline.commands.fleet import status  # the whole operation's imports
        code = main(["fleet", "status", "--targets", "missing.toml"], io.StringIO(), io.StringIO())
        assert code == 2, code
        print(json.dumps(sorted(sys.modules)))
        """,
        cwd=tmp_path,
    )
    for heavy in (
        *_HEAVY,
        "alembic_baseline.fleet.worker",
        "alembic_baseline.fleet.rollout",
        "alembic_baseline.fleet.drift",
        "alembic_baseline.deploy.apply",
        "alembic_baseline.commands.status",
    ):
        assert _loaded(modules, heavy) == [], heavy
    assert "alembic_baseline.fleet.probe" in modules


def test_help_imports_no_operation_and_no_pydantic() -> None:
    modules = _python(
        """
        import io, json, sys
        from alembic_baseline.cli import main
        assert main(["--help"], io.StringIO(), io.StringIO()) == 0
        assert main(["status", "--help"], io.StringIO(), io.StringIO()) == 0
        print(json.dumps(sorted(sys.modules)))
        """
    )
    for heavy in (*_HEAVY, "alembic_baseline.commands", "sqlalchemy", "alembic"):
        assert _loaded(modules, heavy) == [], heavy


# -- plain text where rich styles nothing ------------------------------------------------------

MARKUP = [
    "",
    "plain line",
    "database  postgresql://u@h/db?host=/tmp&port=5432 (PostgreSQL 18.4)",
    "current   abc message [dim](live)[/]",
    "[bold red]error:[/] it failed",
    "[bold]x[/] and [green]y[/] [dim]z[/]",
    "an \\[escaped] tag and \\\\[bold]two backslashes[/]",
    "\\[bold] escaped, then [bold]real[/]",
    "tab\there, cr\r, bell\x07 and [not a tag] and [A] and [1]",
    "multi\nline [red]styled\nacross[/] lines\n\twith\ttabs",
    "trailing backslash \\",
    "brackets [ alone ] and ]",
    "an unclosed [bold]tag",
    "[link=https://example.com]a link[/]",
    "100% [yellow]![/] \\ ok",
    "times 12:30 are not codes",
    "a long line, wider than any terminal: " + "word [dim]dim[/] " * 40,
    "wide characters: パッチ適用前 ✓ ✗ — and trailing spaces   ",
]
RICH_DECIDES = [
    "[bold]explicit[/bold] close",
    "[@click]handler[/]",
    "emoji :smile: code",
    "clock 12:30:45",
]


def _rich(markup: str) -> str:
    from rich.console import Console

    buffer = io.StringIO()
    console = Console(file=buffer, highlight=False, soft_wrap=True)
    assert console.color_system is None
    console.print(markup)
    return buffer.getvalue()


@pytest.mark.parametrize("markup", MARKUP)
def test_plain_markup_is_what_rich_prints_without_a_terminal(markup: str) -> None:
    plain = plain_markup(markup)
    assert plain is not None
    assert plain + "\n" == _rich(markup)


@pytest.mark.parametrize("markup", RICH_DECIDES)
def test_plain_markup_leaves_to_rich_what_it_cannot_be_sure_of(markup: str) -> None:
    assert plain_markup(markup) is None


def test_a_closing_tag_without_an_opening_one_is_left_to_rich() -> None:
    assert plain_markup("[/] nothing open") is None


@pytest.mark.parametrize(
    "text", ["[bold]", "a\\[b]", "\\", "x\\\\", "[/]", "[link=x]y", "ok ] [", "[@a]", "C:\\d"]
)
def test_escape_is_rich_escape(text: str) -> None:
    from rich.markup import escape as rich_escape

    assert escape(text) == rich_escape(text)


def test_reporter_writes_plain_lines_without_rich(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(name, raising=False)
    out, err = io.StringIO(), io.StringIO()
    rep = Reporter(out, err)
    for line in MARKUP + RICH_DECIDES:
        rep.text(line)
    rep.step("[dim]a step[/]")
    expected = "".join(_rich(line) for line in MARKUP + RICH_DECIDES) + _rich("[dim]a step[/]")
    assert out.getvalue() == expected
    quiet = Reporter(io.StringIO(), err, output="json")
    quiet.step("[dim]to stderr[/]")
    assert err.getvalue() == "to stderr\n"


def test_reporter_uses_rich_where_it_styles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    out = io.StringIO()
    Reporter(out, io.StringIO()).text("[bold]x[/]")
    assert "\x1b[" in out.getvalue()


def test_a_group_module_missing_from_the_table_is_still_imported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A module added to _GROUPS but not yet to COMMANDS (a merge) may register a subcommand
    of any group: every command run imports it (slower, never missing a command)."""
    imported: list[tuple[str, ...]] = []
    monkeypatch.setattr(cli, "_GROUPS", (*cli._GROUPS, "brand_new"))
    monkeypatch.setattr(cli, "_register_groups", lambda names: imported.append(tuple(names)))
    build(["status"])
    assert imported == [("deploy", "brand_new")]
