"""Error tree and exit codes.

Every error the tool raises on purpose is a :class:`BaselineError`: a one-paragraph message, an
optional hint (the command or action that gets the user out), optional context lines, and the exit
code the CLI returns for it. Only ``cli`` turns these into output; nothing else prints or exits.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes of the ``alembic-baseline`` command (documented in docs/cli.md)."""

    OK = 0
    """Success; for checks, nothing to report."""
    FINDINGS = 1
    """The command ran and found something: differences, lint findings, failed checks."""
    USAGE = 2
    """Bad input or environment: wrong option, unreadable config, database or binary missing."""
    UNSAFE = 3
    """Refused because it could lose data or leave a database inconsistent."""
    INTERRUPTED = 130
    """Interrupted (Ctrl-C / SIGTERM); everything started was cleaned up."""


class BaselineError(Exception):
    """Base of every error the tool reports to a person."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        context: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.context: dict[str, str] = dict(context or {})

    def __str__(self) -> str:
        return self.message


class ConfigError(BaselineError):
    """The configuration (alembic.ini, pyproject, flags, environment) is missing or wrong."""


class DatabaseError(BaselineError):
    """A database could not be reached or answered with an error."""


class ToolError(BaselineError):
    """An external PostgreSQL program (pg_dump, pg_restore, psql, initdb, pg_ctl) failed."""


class ScratchError(BaselineError):
    """No throwaway PostgreSQL server could be provided."""


class MigrationError(BaselineError):
    """Running the project's Alembic revisions failed."""


class UnsafeError(BaselineError):
    """Refused: the operation could lose data or leave the database inconsistent."""

    exit_code = ExitCode.UNSAFE


class Interrupted(BaselineError):
    """The run was interrupted (Ctrl-C or SIGTERM)."""

    exit_code = ExitCode.INTERRUPTED
