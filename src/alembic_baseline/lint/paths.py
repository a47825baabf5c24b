"""``Path.resolve()`` for one lint run, without resolving the same directory a thousand times.

Lint compares and shows paths resolved (a file named relative to the working directory is the
project's file; output is relative to the project root). ``Path.resolve()`` walks and ``lstat``s
every component in Python: on a 1,000-revision history a run made some 17,000 such calls (29%
of a warm run). Here each directory is resolved once, and listed once for the names in it that
are symlinks themselves (one ``lstat`` per file was most of what remained); the answers are
those of ``Path.resolve()`` (``os.path.realpath``). The work is done on strings.
"""

from __future__ import annotations

import os
from pathlib import Path


class Resolver:
    """Memoized ``Path(p).resolve()``; make one per run (the file system may change between)."""

    def __init__(self) -> None:
        self._dirs: dict[str, str] = {}
        self._paths: dict[str, str] = {}
        self._links: dict[str, frozenset[str] | None] = {}

    def __call__(self, path: str | Path) -> Path:
        return Path(self.text(path))

    def text(self, path: str | Path) -> str:
        """``str(Path(path).resolve())``."""
        key = os.fspath(path)
        found = self._paths.get(key)
        if found is None:
            found = self._paths[key] = self._resolve(key)
        return found

    def _resolve(self, path: str) -> str:
        head, name = os.path.split(path)
        if name in ("", ".", "..") or self._is_link(head, name, path):
            return os.path.realpath(path)
        parent = self._dirs.get(head)
        if parent is None:
            parent = self._dirs[head] = os.path.realpath(head or ".")
        return os.path.join(parent, name)

    def _is_link(self, head: str, name: str, path: str) -> bool:
        """``os.path.islink(path)``, from one listing of the directory ``head``."""
        if head not in self._links:
            try:
                with os.scandir(head or ".") as entries:
                    self._links[head] = frozenset(e.name for e in entries if e.is_symlink())
            except OSError:  # not listable: ask per file
                self._links[head] = None
        links = self._links[head]
        return os.path.islink(path) if links is None else name in links

    def relative(self, path: str, root: str | Path) -> str:
        """``path`` relative to ``root`` (both resolved), POSIX style; as given when outside."""
        full, base = self.text(path), self.text(root)
        if full == base:
            return "."
        prefix = base if base.endswith(os.sep) else base + os.sep
        if full.startswith(prefix):
            return full[len(prefix) :].replace(os.sep, "/")
        return Path(path).as_posix()
