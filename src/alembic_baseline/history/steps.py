"""What one Alembic run did: the steps it started, the SQL it wrote, what its sandbox saw."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from alembic_baseline.history import sandbox


class StepTracker(logging.Handler):
    """Remembers the last "Running upgrade a -> b" line so a failure can name its revision."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.steps: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("Running "):
            self.steps.append(message[len("Running ") :])


@dataclass(frozen=True)
class RunResult:
    """What an Alembic run did: the steps it started (``upgrade a -> b, message``)."""

    steps: tuple[str, ...]
    sql: str = ""
    sandbox: sandbox.Sandbox | None = field(default=None, compare=False, repr=False)
    """What the confinement saw (the version table env.py configured), for after-run checks."""
