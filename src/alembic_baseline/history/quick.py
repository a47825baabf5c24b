"""``status``'s quick path: the revision graph and the version table without Alembic.

``alembic current`` imports Alembic and SQLAlchemy, runs env.py and imports every revision file.
``status`` can do less when the project is plain enough to answer the same from files alone:

- alembic.ini read with ``configparser`` as Alembic reads it (``%(here)s``); a ``[tool.alembic]``
  table in pyproject.toml, ``version_locations``, ``recursive_version_locations``, ``sourceless``
  or a package-resource ``script_location`` take the full path;
- revision files listed as Alembic lists them (one directory, sorted, ``*.py`` but
  ``__init__``) and answered from remembered headers only (history/headers.py: learnt from an
  import of that very file); ``depends_on``, branch labels, a missing parent, a duplicate id or
  a cycle take the full path;
- the version table's name and schema read from env.py's ``configure()`` calls: every call must
  give them as string literals or not at all (then Alembic's defaults), with no ``**`` keywords,
  and env.py must not mention ``search_path``; anything else takes the full path;
- pending revisions answered only when their upgrade order is the only one possible (a chain);
  other shapes take the full path.

Whatever this module answers is exactly what Alembic answers (tests/unit/test_quick_graph.py
builds random histories and compares with Alembic's ``RevisionMap``).
"""

from __future__ import annotations

import ast
import configparser
import hashlib
import os
import re
import tomllib
from collections.abc import Iterable
from pathlib import Path

from alembic_baseline.history.graph import ARCHIVE_DIR, History, Revision, ancestors
from alembic_baseline.history.headers import HeaderCache
from alembic_baseline.settings import Settings

_SOURCE = re.compile(r"(?!\.\#|__init__)(.*\.py)$")  # alembic.script.base._only_source_rev_file
_FULL_PATH_KEYS = ("version_locations", "recursive_version_locations", "sourceless")


def script_dir(settings: Settings) -> Path | None:
    """The script directory as Alembic would find it from alembic.ini, or None when the quick
    path does not handle the configuration."""
    ini = settings.config_file
    if not ini.is_file():
        return None
    for pyproject in {ini.parent / "pyproject.toml", Path.cwd() / "pyproject.toml"}:
        if pyproject.is_file() and _configures_alembic(pyproject):
            return None
    parser = configparser.ConfigParser({"here": os.path.abspath(os.path.dirname(ini))})
    try:
        parser.read(ini, encoding="utf-8")
        if not parser.has_section(settings.ini_section):
            return None
        section = parser[settings.ini_section]
        if any(parser.has_option(settings.ini_section, key) for key in _FULL_PATH_KEYS):
            return None
        location = section.get("script_location")
    except (configparser.Error, UnicodeDecodeError, OSError):
        return None
    if not location or (":" in location and not os.path.isabs(location)):
        return None
    path = Path(location).absolute()  # relative: to the working directory, as Alembic
    return path if (path / "versions").is_dir() else None


def _configures_alembic(pyproject: Path) -> bool:
    """Whether ``pyproject`` has Alembic's own ``[tool.alembic]`` table (Alembic ≥ 1.16 reads its
    settings there), or cannot be read; ``[tool.alembic-baseline]``, this tool's, is not it."""
    try:
        text = pyproject.read_text(encoding="utf-8")
        if "alembic" not in text:
            return False
        tool = tomllib.loads(text).get("tool")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return True
    return not isinstance(tool, dict) or "alembic" in tool


def env_version_table(directory: Path) -> tuple[str, str | None] | None:
    """``(version_table, version_table_schema)`` env.py configures, when every ``configure()``
    call gives them as literals (or leaves them out) and env.py does not touch ``search_path``;
    None otherwise."""
    try:
        source = (directory / "env.py").read_text(encoding="utf-8")
        tree = ast.parse(source)
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return None
    if "search_path" in source.lower():
        return None
    calls = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call)
        and (
            (isinstance(n.func, ast.Attribute) and n.func.attr == "configure")
            or (isinstance(n.func, ast.Name) and n.func.id == "configure")
        )
    ]
    if not calls:
        return None
    values = _module_constants(tree)
    found: set[tuple[str, str | None]] = set()
    for call in calls:
        if call.args or any(k.arg is None for k in call.keywords):
            return None
        given = {k.arg: k.value for k in call.keywords if k.arg}
        name = _value(given["version_table"], values) if "version_table" in given else None
        schema = (
            _value(given["version_table_schema"], values)
            if "version_table_schema" in given
            else None
        )
        if name is None and "version_table" not in given:
            name = "alembic_version"
        if not isinstance(name, str) or not (schema is None or isinstance(schema, str)):
            return None
        found.add((name, schema))
    return found.pop() if len(found) == 1 else None


_UNKNOWN = object()


def _module_constants(tree: ast.Module) -> dict[str, ast.expr]:
    """Names bound exactly once in env.py, by a top-level ``NAME = value``: name → value."""
    stores: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            stores[node.id] = stores.get(node.id, 0) + 1
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                stores[bound] = stores.get(bound, 0) + 2  # never a constant
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            stores[node.name] = stores.get(node.name, 0) + 2
        elif isinstance(node, ast.Global | ast.Nonlocal):
            for bound in node.names:
                stores[bound] = stores.get(bound, 0) + 2
    found: dict[str, ast.expr] = {}
    for stmt in tree.body:
        if (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and stores.get(stmt.targets[0].id) == 1
        ):
            found[stmt.targets[0].id] = stmt.value
    return found


def _value(node: ast.expr, constants: dict[str, ast.expr], depth: int = 0) -> object:
    """A ``configure()`` keyword's value when env.py fixes it without ``-x`` arguments: a
    literal; a name bound once to one; ``X.get("key", default)`` where ``X`` is bound once to
    ``context.get_x_argument(as_dictionary=True)`` (no ``-x`` given: the default). Anything
    else: ``_UNKNOWN``."""
    if depth > 5:
        return _UNKNOWN
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name) and node.id in constants:
        return _value(constants[node.id], constants, depth + 1)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get"
        and isinstance(node.func.value, ast.Name)
        and _is_x_dictionary(constants.get(node.func.value.id))
        and not node.keywords
        and 1 <= len(node.args) <= 2
        and isinstance(node.args[0], ast.Constant)
    ):
        return _value(node.args[1], constants, depth + 1) if len(node.args) == 2 else None
    return _UNKNOWN


def _is_x_dictionary(node: ast.expr | None) -> bool:
    """``context.get_x_argument(as_dictionary=True)``."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get_x_argument"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "context"
        and not node.args
        and len(node.keywords) == 1
        and node.keywords[0].arg == "as_dictionary"
        and isinstance(node.keywords[0].value, ast.Constant)
        and node.keywords[0].value.value is True
    )


def _message(doc: object) -> str:
    """``Script.doc``'s first line, as history/graph.py takes it."""
    longdoc = doc.strip() if isinstance(doc, str) and doc else ""
    first = re.split("\n\n", longdoc)[0]
    return first.strip().splitlines()[0] if first else ""


def _read_dir(directory: Path, cache: HeaderCache, archived: bool) -> dict[str, Revision] | None:
    """The revisions of one version directory from remembered headers (Alembic's listing)."""
    try:
        entries = sorted(e.name for e in os.scandir(directory) if not e.is_dir())
    except OSError:
        return None
    found: dict[str, Revision] = {}
    seen: set[Path] = set()
    for name in entries:
        real = (directory / name).resolve()
        if real in seen:
            return None
        seen.add(real)
        if not _SOURCE.match(real.name):
            continue
        headers = cache.get(real)
        if headers is None or not isinstance(headers.get("revision"), str):
            return None
        if headers.get("branch_labels") or headers.get("depends_on"):
            return None
        rev_id = headers["revision"]
        down = headers.get("down_revision")
        downs = (down,) if isinstance(down, str) else tuple(down or ())
        if rev_id in found or rev_id in downs or len(set(downs)) != len(downs):
            return None
        message = _message(headers.get("__doc__"))
        found[rev_id] = Revision(rev_id, downs, message, real, (), archived)
    return found


def _valid(revisions: dict[str, Revision]) -> bool:
    """Every parent present and no cycle (else Alembic reports the graph: the full path)."""
    downs = {r.id: r.down_revisions for r in revisions.values()}
    if any(d not in downs for ds in downs.values() for d in ds):
        return False
    return _order(set(downs), downs, unique=False) is not None


def _order(
    revisions: set[str], downs: dict[str, tuple[str, ...]], *, unique: bool = True
) -> list[str] | None:
    """``revisions`` parents first; None when there is a cycle, or (``unique``) when more
    than one order is possible."""
    waiting = {r: sum(1 for d in downs[r] if d in revisions) for r in revisions}
    children: dict[str, list[str]] = {}
    for r in revisions:
        for d in downs[r]:
            if d in revisions:
                children.setdefault(d, []).append(r)
    ready = sorted(r for r, n in waiting.items() if n == 0)
    order: list[str] = []
    while ready:
        if unique and len(ready) > 1:
            return None
        rev = ready.pop()
        order.append(rev)
        for child in children.get(rev, ()):
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(child)
    return order if len(order) == len(revisions) else None


class QuickHistory(History):
    """A :class:`History` read from remembered headers (see the module's rules)."""

    def __init__(
        self,
        settings: Settings,
        directory: Path,
        live: dict[str, Revision],
        archived: dict[str, Revision],
        archive_dirs: list[Path],
    ) -> None:
        self.settings = settings
        self.directory = directory
        self.live = live
        self.archived = archived
        self.archive_dirs = archive_dirs
        self._downs = {r.id: r.down_revisions for r in live.values()}

    @property
    def script_location(self) -> Path:
        return self.directory

    def heads(self) -> tuple[str, ...]:
        below = {d for ds in self._downs.values() for d in ds}
        return tuple(sorted(r for r in self._downs if r not in below))

    def bases(self) -> tuple[str, ...]:
        return tuple(sorted(r for r, ds in self._downs.items() if not ds))

    def quick_pending(self, current: Iterable[str]) -> list[Revision] | None:
        """What ``upgrade heads`` runs from ``current`` when only one order is possible; None
        otherwise (the caller takes the full path)."""
        current = tuple(current)
        if any(c not in self.live for c in current):
            return None
        todo = ancestors(self._downs, self.heads()) - ancestors(self._downs, current)
        order = _order(todo, self._downs)
        return None if order is None else [self.live[r] for r in order]

    def pending(self, current: Iterable[str], target: str = "heads") -> list[Revision]:
        found = self.quick_pending(current) if target == "heads" else None
        if found is None:
            raise RuntimeError("the quick path answers only a single upgrade order to heads")
        return found

    def fingerprint(self, upto: str | None = None) -> str:
        """:meth:`History.fingerprint`, from the same files."""
        ids = set(self.live)
        if upto is not None:
            ids &= ancestors(self._downs, [upto])
        digest = hashlib.sha256()
        for rev in sorted((self.live[i] for i in ids), key=lambda r: r.id):
            digest.update(rev.id.encode())
            digest.update(rev.path.read_bytes())
        env = self.directory / "env.py"
        if env.is_file():
            digest.update(env.read_bytes())
        seen = self.settings
        digest.update(repr((seen.ini_section, seen.x_args, seen.pre_replay)).encode())
        return digest.hexdigest()[:16]


def quick_history(settings: Settings, cache: HeaderCache) -> QuickHistory | None:
    """The project's history from remembered headers, or None (take the full path)."""
    directory = script_dir(settings)
    if directory is None or not cache.entries:
        return None
    versions = directory / "versions"
    live = _read_dir(versions.absolute(), cache, archived=False)
    if live is None or not _valid(live):
        return None
    archive_dirs: list[Path] = []
    for candidate in (versions / ARCHIVE_DIR, versions.parent / ARCHIVE_DIR):
        if candidate.is_dir() and candidate not in archive_dirs:
            archive_dirs.append(candidate)
    archived: dict[str, Revision] = {}
    for folder in archive_dirs:
        found = _read_dir(folder.absolute(), cache, archived=True)
        if found is None or not _valid(found) or set(found) & set(archived):
            return None  # an id in two archive folders: which one History keeps is its own
        archived.update(found)
    return QuickHistory(settings, directory, live, archived, archive_dirs)
