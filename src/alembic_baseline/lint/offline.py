"""Render the SQL a revision emits, offline, without the project's env.py.

The revision module is loaded from its path and its ``upgrade()`` / ``downgrade()`` run against an
offline :class:`MigrationContext` (``as_sql``), so ``op.*`` calls render SQL exactly as
``alembic upgrade --sql`` would. env.py is deliberately bypassed: it may need a URL, a database or
the application's models, none of which linting should require.

Every write to the output buffer is attributed to the line of the revision file executing at that
moment (found on the call stack), which maps each statement back to its ``op.*`` call.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import io
import itertools
import sys
import types
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.runtime.environment import EnvironmentContext
    from alembic.runtime.migration import MigrationContext

from alembic_baseline import compat

_counter = itertools.count()


@dataclass(frozen=True)
class Chunk:
    """One write of Alembic's offline output: usually one statement plus ``;``."""

    text: str
    line: int
    """Line of the revision file that was executing (0 when not found on the stack)."""


class _AttributingBuffer(io.StringIO):
    def __init__(self, filename: str, fixed_line: int = 0) -> None:
        super().__init__()
        self.filename = filename
        self.fixed_line = fixed_line
        self.chunks: list[Chunk] = []

    def write(self, text: str) -> int:
        self.chunks.append(Chunk(text, self.fixed_line or self._caller_line()))
        return len(text)

    def _caller_line(self) -> int:
        frame: types.FrameType | None = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename != self.filename:
            frame = frame.f_back
        return frame.f_lineno if frame is not None else 0


_silenced = False


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Revisions may print or warn; none of it belongs in lint output. Nested uses cost nothing:
    a worker silences a whole chunk of files once instead of three times per file."""
    global _silenced
    if _silenced:
        yield
        return
    with (
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")
        _silenced = True
        try:
            yield
        finally:
            _silenced = False


_PYGMENTS_PLUGIN = "mako.ext.pygmentplugin"


@contextlib.contextmanager
def without_template_highlighting() -> Iterator[None]:
    """Import Alembic without Mako's syntax highlighting of template errors.

    Alembic imports ``mako.exceptions``, which imports Pygments and its lexers when Pygments is
    installed (rich brings it): about a fifth of importing Alembic, for error pages of
    ``script.py.mako`` templates, which rendering a revision offline never shows. Mako falls back
    to plain escaping when that import fails; the block is lifted once Mako has chosen, so
    nothing else in the process is affected (an explicit import of the plugin still works)."""
    blocked = _PYGMENTS_PLUGIN not in sys.modules and "mako.exceptions" not in sys.modules
    if blocked:
        sys.modules[_PYGMENTS_PLUGIN] = None  # type: ignore[assignment]  # import → ImportError
    try:
        yield
    finally:
        if blocked and sys.modules.get(_PYGMENTS_PLUGIN, False) is None:
            del sys.modules[_PYGMENTS_PLUGIN]


def prepare() -> None:
    """Import what rendering needs (Alembic, SQLAlchemy) and set up the offline context: called
    in a parent before it forks workers, so that they inherit it instead of each importing it."""
    _context()


def load_module(
    path: Path, source: str, sys_path: Sequence[str] = (), tree: ast.Module | None = None
) -> types.ModuleType:
    """Execute the revision's module code (imports, constants) as Alembic would when loading it.

    ``tree``: the source already parsed (compiling it skips a second parse)."""
    _context()  # Alembic imported as rendering needs it, before the revision imports it
    name = f"_alembic_baseline_lint_{next(_counter)}"
    module = types.ModuleType(name)
    module.__file__ = str(path)
    code = compile(source if tree is None else tree, str(path), "exec")
    saved_path = list(sys.path)
    sys.path[:0] = [p for p in sys_path if p not in sys.path]
    sys.modules[name] = module  # dataclasses and typing look the module up while it executes
    try:
        with quiet():
            exec(code, module.__dict__)
    finally:
        sys.modules.pop(name, None)
        sys.path[:] = saved_path
    return module


class _Switch(io.StringIO):
    """The output buffer of the one offline context: forwards to the current render's buffer."""

    target: io.StringIO | None = None

    def write(self, text: str) -> int:
        assert self.target is not None, "offline output outside a render"
        return self.target.write(text)

    def flush(self) -> None:
        pass


@functools.cache
def _context() -> tuple[_Switch, MigrationContext, EnvironmentContext]:
    """One offline MigrationContext per process, as ``alembic upgrade --sql`` has one for the
    whole history: configuring one (dialect, implementation, version table) cost more than
    rendering a typical revision, and lint renders every revision twice."""
    with without_template_highlighting():
        from alembic.config import Config
        from alembic.operations import Operations  # noqa: F401 - imported for the renders
        from alembic.runtime.migration import MigrationContext

    switch = _Switch()
    ctx = MigrationContext.configure(
        dialect_name="postgresql",
        # "named" paramstyle keeps literal % signs as written (no %% doubling).
        dialect_opts={"paramstyle": "named"},
        opts={"as_sql": True, "output_buffer": switch, "transactional_ddl": True},
    )
    return switch, ctx, compat.offline_environment(Config(), ctx)


@contextlib.contextmanager
def _offline(buffer: io.StringIO) -> Iterator[None]:
    """The offline MigrationContext behind both ``op`` and ``context`` (for
    ``is_offline_mode``), writing to ``buffer``."""
    from alembic.operations import Operations

    switch, ctx, env = _context()
    switch.target = buffer
    try:
        with quiet(), env, Operations.context(ctx):
            yield
    finally:
        switch.target = None


def render_function(module: types.ModuleType, function: str) -> list[Chunk]:
    """Run ``module.<function>()`` offline; raises whatever the revision raises."""
    fn = getattr(module, function, None)
    if fn is None:
        return []
    buffer = _AttributingBuffer(str(module.__file__))
    with _offline(buffer):
        fn()
    return buffer.chunks


def render_call(module: types.ModuleType, call: ast.Call, line: int) -> list[Chunk]:
    """Render one ``op.*`` call on its own, evaluated with the module's globals.

    The fallback for a revision whose function as a whole cannot run offline (it queries the
    database, say): calls whose arguments are literals or module-level names still render.
    """
    code = compile(ast.Expression(body=call), str(module.__file__), "eval")
    buffer = _AttributingBuffer(str(module.__file__), fixed_line=line)
    with _offline(buffer):
        eval(code, dict(module.__dict__))
    return buffer.chunks
