"""Revision headers without importing the revision files (``status``: issue 18, item 3).

A revision file's *headers* are what Alembic's revision map needs from its module:
``revision``, ``down_revision``, ``branch_labels``, ``depends_on`` and the docstring. When every
one of them is a plain literal assigned once at the top of the file, they can be read with
``ast`` instead of importing the file — and, remembered by file identity (size, mtime_ns,
inode, as :class:`~alembic_baseline.history.checksums.ChecksumCache` does), not even parsed.

Safety rules (any doubt means the full path, which imports every file exactly as before):

- a file's headers are only remembered after Alembic imported that very file (same identity)
  without an error and its module's values equal what ``ast`` reads: a file that fails to
  import, or whose values are computed, is never answered from the cache;
- the revision map is built from the headers only when *every* file Alembic would load
  (discovered by Alembic's own listing: ``version_locations``, ``recursive_version_locations``)
  has a remembered entry; ``sourceless`` script directories, a file listed twice and an Alembic
  without the private helpers used here always take the full path;
- the map's scripts carry a module object holding the headers only: they serve reading
  commands (``status``), never a migration.

The cache is ``cache/revision-headers.json`` in the state directory, safe to delete.
"""

from __future__ import annotations

import ast
import types
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic_baseline import compat, statedir

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory

HEADER_CACHE = "revision-headers.json"
"""Under the state directory's cache/ (see :class:`HeaderCache`)."""

NAMES = ("revision", "down_revision", "branch_labels", "depends_on")
_MISSING = object()


def _literal(node: ast.expr) -> Any:
    """The value of a header literal: None, a string, or a tuple/list of strings; _MISSING for
    anything else (a call, a name, a number...)."""
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _MISSING
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, tuple | list) and all(isinstance(v, str) for v in value):
        return value
    return _MISSING


def read_headers(source: str) -> dict[str, Any] | None:
    """The headers of a revision file's text (names missing from the file are absent; ``__doc__``
    is the module docstring or None), or None when they are not plain literals: a header bound
    twice, or anywhere but a top-level ``NAME = literal`` / ``NAME: T = literal``; a star import;
    ``global`` of a header name; code that could rebind names indirectly (``globals``, ``vars``,
    ``setattr``, ``exec``, ``eval``, ``__dict__``)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    watched = {*NAMES, "__doc__"}
    found: dict[str, Any] = {}
    plain: set[int] = set()
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target, value = stmt.targets[0], stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None and stmt.simple:
            target, value = stmt.target, stmt.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in NAMES:
            literal = _literal(value)
            if literal is _MISSING or target.id in found:
                return None
            found[target.id] = literal
            plain.add(id(target))
    if any(_rebinds(node, watched, plain) for node in ast.walk(tree)):
        return None
    found["__doc__"] = ast.get_docstring(tree, clean=False)
    return found


_INDIRECT = frozenset({"globals", "vars", "setattr", "exec", "eval", "__import__"})


def _rebinds(node: ast.AST, watched: set[str], plain: set[int]) -> bool:
    """Whether ``node`` binds a watched name other than by a plain top-level assignment, or may
    bind names indirectly."""
    if isinstance(node, ast.Name):
        # bound elsewhere: a loop, a with, a del, a walrus, a function's local, a second place
        stored = not isinstance(node.ctx, ast.Load) and id(node) not in plain
        return (node.id in watched and stored) or node.id in _INDIRECT
    if isinstance(node, ast.Attribute):
        return node.attr == "__dict__"
    if isinstance(node, ast.Global | ast.Nonlocal):
        return bool(watched & set(node.names))
    if isinstance(node, ast.Import | ast.ImportFrom):
        names = [a.asname or a.name.split(".")[0] for a in node.names]
        return "*" in names or bool(watched & set(names))
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return node.name in watched
    return False


def _encode(value: Any) -> Any:
    if isinstance(value, tuple):
        return {"tuple": list(value)}
    if isinstance(value, list):
        return {"list": list(value)}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "tuple" in value:
            return tuple(value["tuple"])
        return list(value["list"])
    return value


class HeaderCache(statedir.IdentityCache):
    """Revision headers remembered by file identity (:class:`~alembic_baseline.statedir.
    IdentityCache`). Entry: [identity, headers]."""

    def get(self, path: Path) -> dict[str, Any] | None:
        """The remembered headers of ``path`` if its identity did not change, else None."""
        hit = self.entries.get(str(path))
        try:
            if hit is None or hit[0] != self.identity(path):
                return None
        except OSError:
            return None
        return {name: _decode(value) for name, value in hit[1].items()}

    def learn(self, script: ScriptDirectory) -> None:
        """Remember the headers of every file of ``script``'s revision map (already loaded by
        Alembic without an error) whose module values are what ``ast`` reads in the file."""
        try:
            revisions = compat.loaded_revisions(script)
        except Exception:  # a graph error: reported by the caller that walks the graph
            return
        for rev in revisions:
            module = getattr(rev, "module", None)
            path = getattr(rev, "path", None)
            if module is None or path is None or isinstance(module, HeaderModule):
                continue
            self._learn(Path(path), module)

    def _learn(self, path: Path, module: Any) -> None:
        key = str(path)
        try:
            identity = self.identity(path)
            if key in self.entries and self.entries[key][0] == identity:
                return
            if not self.settled(identity):
                return
            headers = read_headers(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            return
        if headers is None or "revision" not in headers or "down_revision" not in headers:
            return
        for name, value in headers.items():
            if getattr(module, name, None) != value:
                return  # computed at import, or changed since: never answered from here
        for name in ("branch_labels", "depends_on"):
            if name not in headers and getattr(module, name, None) is not None:
                return
        self.entries[key] = [identity, {k: _encode(v) for k, v in headers.items()}]
        self.dirty = True


class HeaderModule(types.ModuleType):
    """Stands for a revision module in a map built from headers: the headers, and an
    ``upgrade``/``downgrade`` that refuse to run (Alembic's upgrade steps, which ``status``
    lists, look them up; nothing may run them from here)."""

    def upgrade(self) -> None:
        raise RuntimeError(f"{self.__file__}: read for its headers only, never run")

    def downgrade(self) -> None:
        raise RuntimeError(f"{self.__file__}: read for its headers only, never run")


def install(script: ScriptDirectory, cache: HeaderCache) -> bool:
    """Give ``script`` (no revision loaded yet) a revision map built from remembered headers;
    False (``script`` untouched) when any file Alembic would load has no current entry, or the
    script directory is one this module does not handle."""
    from alembic.script.revision import RevisionMap

    if script.sourceless or not cache.entries:
        return False
    scripts: list[Any] = []
    try:
        files = compat.revision_files(script)
        if files is None:
            return False  # a file listed twice (Alembic warns: its own path says so), or unknown
        for real in files:
            headers = cache.get(real)
            if headers is None:
                return False
            module = HeaderModule(real.stem, headers.get("__doc__"))
            for name in NAMES:
                setattr(module, name, headers.get(name))
            module.__file__ = str(real)
            scripts.append(compat.script_of(module, headers["revision"], real))
    except (OSError, TypeError, ValueError, AttributeError):
        return False
    script.revision_map = RevisionMap(lambda: iter(scripts))
    return True
