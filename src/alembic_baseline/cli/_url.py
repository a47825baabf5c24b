"""Where the database URL of a command comes from: ``--url``, ``--url-env NAME`` or
``--url-file FILE`` (else the project's own: ``$DATABASE_URL`` — setting ``url_env`` — or
``sqlalchemy.url``). A password in ``--url`` is visible to every local user (``ps``), so
``--url`` with a password gets a warning; the other two keep it out of argv."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from alembic_baseline.cli._app import state
from alembic_baseline.errors import ConfigError

UrlEnvOpt = Annotated[
    str | None,
    typer.Option(
        "--url-env",
        metavar="NAME",
        help="Read the database URL from environment variable NAME (keeps it out of argv).",
    ),
]
UrlFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--url-file",
        metavar="FILE",
        help="Read the database URL from FILE (its first line; e.g. a Docker secret).",
    ),
]


def chosen_url(
    ctx: typer.Context, url: str | None, url_env: str | None, url_file: Path | None
) -> str | None:
    """The URL text the command was given (None: use the project's own)."""
    given = [
        name for name, v in (("--url", url), ("--url-env", url_env), ("--url-file", url_file)) if v
    ]
    if len(given) > 1:
        raise ConfigError(
            f"{' and '.join(given)} both name the database.", hint="Give only one of them."
        )
    if url_env:
        return env_url("--url-env", url_env)
    if url_file:
        try:
            lines = url_file.read_text(encoding="utf-8").strip().splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(
                f"--url-file {url_file} could not be read: {exc}.",
                hint="Check the path and that this user may read it (chmod 600, owned by you).",
            ) from None
        if not lines or not lines[0].strip():
            raise ConfigError(f"--url-file {url_file} is empty.", hint="Write the URL into it.")
        return lines[0].strip()
    if url and _has_password(url):
        state(ctx).reporter.err.print(
            "[yellow]warning:[/] --url carries a password, which every user of this machine "
            "can read (ps, /proc). Prefer --url-env NAME or --url-file FILE."
        )
    return url


def env_url(option: str, name: str) -> str:
    """The URL held by the environment variable the user named with ``option``."""
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigError(
            f"{option} {name}: the environment variable {name} is not set or empty.",
            hint=f"export {name}='postgresql://USER:PASSWORD@HOST/DB' (or your secret "
            "manager's equivalent) before running the command.",
        )
    return value


def _has_password(text: str) -> bool:
    try:
        # lazy: start-up: --help and other commands import no operation
        from alembic_baseline.pg.url import DatabaseURL

        return DatabaseURL.parse(text).password is not None
    except ConfigError:
        return "@" in text or "password" in text.lower()
