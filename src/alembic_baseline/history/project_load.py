"""Reading a project's alembic.ini and revision files, with errors that name the file and fix.

Alembic reports an unreadable or section-less alembic.ini, a revision file with a syntax error
or without ``down_revision`` as Python exceptions (``UnicodeDecodeError``,
``MissingSectionHeaderError``, ``AttributeError``); here they become one-paragraph errors.
"""

from __future__ import annotations

import configparser
from pathlib import Path
from typing import TYPE_CHECKING

from alembic_baseline.errors import ConfigError
from alembic_baseline.history.blame import load_error

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from alembic_baseline.settings import Settings


def script_location(cfg: Config, settings: Settings) -> str | None:
    """``script_location`` of the chosen section; ConfigError when the file cannot be parsed."""
    from alembic.util import CommandError

    path = settings.config_file
    try:
        return cfg.get_main_option("script_location")
    except UnicodeDecodeError:
        raise ConfigError(
            f"{path} is not a text file (not UTF-8): it cannot be an Alembic configuration.",
            hint="Pass -c with the project's alembic.ini (a text file with an [alembic] section).",
        ) from None
    except configparser.Error as exc:
        detail = str(exc).strip().splitlines()[0]
        raise ConfigError(
            f"{path} is not a valid INI file: {detail}",
            hint="An Alembic configuration starts with a section line such as [alembic]; fix "
            "the file or pass -c with the project's alembic.ini.",
        ) from None
    except CommandError:
        sections = _sections(path)
        raise ConfigError(
            f"{path} has no [{settings.ini_section}] section"
            + (f" (sections: {', '.join(sections)})." if sections else "."),
            hint="Pass -n/--name with the section that holds script_location, as with "
            "`alembic -n NAME`.",
        ) from None


def _sections(path: Path) -> list[str]:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError, OSError):
        return []
    return parser.sections()


def load_revisions(script: ScriptDirectory, base: Path) -> None:
    """Import every revision file now, so that a broken one is named (not a traceback later).

    Graph errors (duplicate ids, a missing parent) are left to the callers that report them.
    """
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError

    try:
        script.revision_map.heads  # noqa: B018 - builds the map: imports every revision file
    except (CommandError, RevisionError):
        return
    except Exception as exc:
        raise load_error(exc, base) from None
