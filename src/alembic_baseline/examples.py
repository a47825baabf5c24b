"""Where the bundled sample project (examples/lot_management) lives."""

from __future__ import annotations

import shutil
from pathlib import Path

from alembic_baseline.errors import ConfigError

SAMPLE = "lot_management"


def sample_project() -> Path:
    """The sample project's directory: inside the wheel, or the source checkout's examples/."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_examples" / SAMPLE, here.parents[1] / "examples" / SAMPLE):
        if (candidate / "alembic.ini").is_file():
            return candidate
    raise ConfigError(
        "The sample project lot_management is not installed with this package.",
        hint="Reinstall alembic-baseline, or run from a source checkout.",
    )


def copy_sample(dest: Path) -> Path:
    """Copy the sample project to ``dest`` (the demo changes files: baselines, archive)."""
    target = dest / SAMPLE
    shutil.copytree(sample_project(), target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return target
