"""A module imported on its first use, for the modules a warm ``lint`` imports but never uses.

A warm run (every file's result cached) imports the rules — it needs their codes, severities and
the history rules — but parses no SQL. The rules' modules name pglast's node classes and enums
(via :mod:`alembic_baseline.lint.sqlfacts`) only inside their checks; importing pglast was ~45 ms
of that run's start-up. Such a module binds the name to a stand-in instead::

    if TYPE_CHECKING:
        from pglast import ast
    else:  # lazy: a warm lint parses no SQL
        ast = lazy_module("pglast.ast", globals())

The first attribute read imports the module and puts it in the stand-in's place in that
namespace, so later reads cost what a plain global costs.
"""

from __future__ import annotations

import importlib
from typing import Any


class _LazyModule:
    __slots__ = ("_name", "_namespace")

    def __init__(self, name: str, namespace: dict[str, Any]) -> None:
        self._name = name
        self._namespace = namespace

    def __getattr__(self, attr: str) -> Any:
        module = importlib.import_module(self._name)
        for key, value in list(self._namespace.items()):
            if value is self:
                self._namespace[key] = module
        return getattr(module, attr)

    def __repr__(self) -> str:
        return f"<module {self._name!r}, imported on first use>"


def lazy_module(name: str, namespace: dict[str, Any]) -> Any:
    """A stand-in for module ``name`` in ``namespace`` (a module's ``globals()``)."""
    return _LazyModule(name, namespace)
