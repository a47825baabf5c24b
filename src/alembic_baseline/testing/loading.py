"""Import what a project names as ``package.module:attribute`` (models, entities, hooks).

The module is imported with the project directory (pyproject.toml's, else alembic.ini's) on
``sys.path``, as ``pre_replay`` hooks are, so ``shop.models:metadata`` works from the project
root without installing the project.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alembic_baseline.errors import ConfigError
from alembic_baseline.pg.url import redact
from alembic_baseline.settings import Settings

DOCS = "docs/testing-checks.md"


class ProjectImportError(ConfigError):
    """A ``module:attribute`` the project names could not be imported (exit 2)."""


def base_dir(settings: Settings) -> Path:
    return settings.pyproject.parent if settings.pyproject else settings.project_dir


@contextlib.contextmanager
def importable(base: Path) -> Iterator[None]:
    added = str(base) not in sys.path
    if added:
        sys.path.insert(0, str(base))
    try:
        yield
    finally:
        if added and str(base) in sys.path:
            sys.path.remove(str(base))


def load(spec: str, settings: Settings, what: str) -> Any:
    """The object ``spec`` names; ``what`` says which option named it (for the error)."""
    module_name, sep, attr = spec.strip().partition(":")
    if not sep or not module_name or not attr:
        raise ProjectImportError(
            f"{what} = {spec!r} is not of the form package.module:attribute.",
            hint=f'Write it like "shop.models:metadata". See {DOCS}.',
        )
    base = base_dir(settings)
    _forget_other_copies(module_name, base)
    with importable(base):
        try:
            value: Any = importlib.import_module(module_name)
            for part in attr.split("."):
                value = getattr(value, part)
        except Exception as exc:
            raise ProjectImportError(
                f"{what} = {spec!r}: {module_name}:{attr} could not be imported "
                f"({type(exc).__name__}: {redact(str(exc))}).",
                hint=f"It is imported with {base} on sys.path. See {DOCS}.",
            ) from None
    return value


def _forget_other_copies(module_name: str, base: Path) -> None:
    """Drop an already imported package of that name that lives elsewhere (another copy of the
    project, imported by an earlier in-process run): the project's own files must be read."""
    top = module_name.split(".")[0]
    loaded = sys.modules.get(top)
    where = getattr(loaded, "__file__", None) if loaded is not None else None
    if where is None or Path(where).resolve().is_relative_to(base.resolve()):
        return
    for name in [n for n in sys.modules if n == top or n.startswith(top + ".")]:
        del sys.modules[name]


def option(settings: Settings, name: str, given: str | None) -> str | None:
    """A command-line value, else ``[tool.alembic-baseline.check] <name>``."""
    if given:
        return given
    value = settings.section("check").get(name)
    return str(value) if value else None
