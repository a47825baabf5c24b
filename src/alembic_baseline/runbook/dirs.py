"""The directories a run writes to (``--runs-dir``, ``--backup-dir``): usable, or a clear error.

Checked before anything is written or the database is touched, so that a typo in a flag ends
with one paragraph naming the flag — not with an ``OSError`` half-way through a run.
"""

from __future__ import annotations

import os
from pathlib import Path

from alembic_baseline.errors import ConfigError


def _problem(directory: Path) -> str | None:
    if directory.exists():
        if not directory.is_dir():
            return "it exists and is not a directory"
        if not os.access(directory, os.W_OK | os.X_OK):
            return "it is not writable by this user"
        return None
    for parent in directory.parents:
        if parent.exists():
            if not parent.is_dir():
                return f"{parent} is a file, not a directory"
            if not os.access(parent, os.W_OK | os.X_OK):
                return f"it does not exist and {parent} is not writable by this user"
            return None
    return "no part of the path exists"


def require_usable(directory: Path, option: str) -> None:
    """ConfigError (exit 2) when ``directory`` cannot be created or written."""
    problem = _problem(directory)
    if problem is not None:
        raise ConfigError(
            f"{option} {directory} cannot be used: {problem}. Nothing was done.",
            hint=f"Point {option} at a writable directory (it is created when missing).",
            context={option.lstrip("-").replace("-", "_"): str(directory)},
        )


def unusable(exc: OSError, directory: Path, option: str) -> ConfigError:
    """An OSError met while creating or writing ``directory``, as the same error."""
    reason = exc.strerror or str(exc)
    return ConfigError(
        f"{option} {directory} cannot be used: {reason}"
        + (f" ({exc.filename})" if exc.filename else "")
        + ". Nothing was done.",
        hint=f"Point {option} at a writable directory (it is created when missing).",
        context={option.lstrip("-").replace("-", "_"): str(directory)},
    )
