"""``Path.resolve()`` for one lint run, without resolving the same directory a thousand times.

Lint compares and shows paths resolved (a file named relative to the working directory is the
project's file; output is relative to the project root). ``Path.resolve()`` walks and ``lstat``s
every component in Python: on a 1,000-revision history a run made some 17,000 such calls (29%
of a warm run). Here each directory is resolved once and each file costs one ``lstat`` (is it a
symlink itself?); the answers are those of ``Path.resolve()`` (``os.path.realpath``). The work
is done on strings: building ``Path`` objects was most of what remained.
"""

from __future__ import annotations

import os
from pathlib import Path


class Resolver:
    """Memoized ``Path(p).resolve()``; make one per run (the file system may change between)."""

    def __init__(self) -> None:
        self._dirs: dict[str, str] = {}
        self._paths: dict[str, str] = {}

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
        if name in ("", ".", "..") or os.path.islink(path):
            return os.path.realpath(path)
        parent = self._dirs.get(head)
        if parent is None:
            parent = self._dirs[head] = os.path.realpath(head or ".")
        return os.path.join(parent, name)

    def relative(self, path: str, root: str | Path) -> str:
        """``path`` relative to ``root`` (both resolved), POSIX style; as given when outside."""
        full, base = self.text(path), self.text(root)
        if full == base:
            return "."
        prefix = base if base.endswith(os.sep) else base + os.sep
        if full.startswith(prefix):
            return full[len(prefix) :].replace(os.sep, "/")
        return Path(path).as_posix()
