"""Options of a deployment: ``[tool.alembic-baseline.deploy]`` in pyproject < command-line flags.

Example::

    [tool.alembic-baseline.deploy]
    backup_dir = "/var/backups/lot_management"
    lock_timeout = "2s"              # per try; a revision that waits longer is tried again
    lock_retries = 3                 # tries after the first (0: fail at the first lock timeout)
    lock_retry_wait = "2s"           # pause before the first retry, doubling (2 s, 4 s, 8 s)
    statement_timeout = "0"          # no limit: data migrations may legitimately take long
    reference_tables = ["units_of_measure", "shipment_statuses"]
    health_url = "http://localhost:8000/api/health"
    check_sql = ["SELECT count(*) > 0 FROM units_of_measure"]
    record_applied = false           # no alembic_baseline_applied table (docs/team.md)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from alembic_baseline.errors import ConfigError
from alembic_baseline.pg.waits import duration as duration
from alembic_baseline.settings import Settings

DEFAULT_LOCK_TIMEOUT = "2s"
DEFAULT_LOCK_RETRIES = 3
DEFAULT_LOCK_RETRY_WAIT = "2s"
DEFAULT_STATEMENT_TIMEOUT = "0"
DEFAULT_MIN_FREE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class DeployOptions:
    """Everything that shapes a plan / apply / rollback run (paths already resolved)."""

    runs_dir: Path
    backup_dir: Path
    cache_dir: Path
    target: str = "heads"
    lock_timeout: str = DEFAULT_LOCK_TIMEOUT
    lock_retries: int = DEFAULT_LOCK_RETRIES
    """Tries after the first when a revision hits lock_timeout (each try its own transaction)."""
    lock_retry_wait: str = DEFAULT_LOCK_RETRY_WAIT
    """Pause before the first retry; it doubles for each further one (at most a minute)."""
    statement_timeout: str = DEFAULT_STATEMENT_TIMEOUT
    min_free_bytes: int = DEFAULT_MIN_FREE_BYTES
    """Free space the backup directory must keep on top of the backup's estimated size."""
    backup: bool = True
    skip_checks: tuple[str, ...] = ()
    reference_tables: tuple[str, ...] = ()
    sample_rows: int = 0
    """``plan --rehearse``: rows per table sampled from production into the copy (0: none)."""
    health_url: str | None = None
    health_timeout: float = 30.0
    check_sql: tuple[str, ...] = ()
    schema_check: bool = True
    """Compare the database with the schema its revision should have (needs a scratch server)."""
    record_applied: bool = True
    """Record each applied revision's checksum in ``alembic_baseline_applied`` and refuse when
    an applied revision's file changed (deploy/applied.py; docs/team.md)."""
    phase: str | None = None
    """``pre`` or ``post``: apply only the pending revisions of that phase (history/phases.py)."""

    def recorded(self) -> dict[str, Any]:
        """What a run record keeps of the options (``settings``)."""
        return {
            "target": self.target,
            "lock_timeout": self.lock_timeout,
            "statement_timeout": self.statement_timeout,
            "skip_checks": list(self.skip_checks),
            "backup": self.backup,
        }

    def with_overrides(self, **values: Any) -> DeployOptions:
        """Flags win over pyproject; ``None`` means "not given"."""
        given = {k: v for k, v in values.items() if v is not None and v != ()}
        options = replace(self, **given)
        if not isinstance(options.lock_retries, int) or options.lock_retries < 0:
            raise ConfigError(
                f"lock_retries must be a whole number ≥ 0, not {options.lock_retries!r}.",
                hint="Pass --lock-retries 3 (or 0: no retry).",
            )
        if not isinstance(options.sample_rows, int) or options.sample_rows < 0:
            raise ConfigError(
                f"sample_rows must be a whole number ≥ 0, not {options.sample_rows!r}."
            )
        return replace(
            options,
            lock_timeout=duration(options.lock_timeout, "lock_timeout"),
            lock_retry_wait=duration(options.lock_retry_wait, "lock_retry_wait"),
            statement_timeout=duration(options.statement_timeout, "statement_timeout"),
        )


def _path(value: object, base: Path) -> Path:
    path = Path(str(value)).expanduser()
    return path if path.is_absolute() else base / path


def _strings(value: object, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(f"[tool.alembic-baseline.deploy] {key} must be a string or a list of them.")


def from_settings(settings: Settings, **overrides: Any) -> DeployOptions:
    """Defaults, then ``[tool.alembic-baseline.deploy]``, then flags (``overrides``)."""
    project_dir = settings.project_dir
    state = settings.state  # state_dir / backup_dir: pyproject < env < --state-dir
    table: Mapping[str, Any] = settings.section("deploy")
    known = {f.name for f in fields(DeployOptions)}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(
            f"Unknown option(s) in [tool.alembic-baseline.deploy]: {', '.join(unknown)}.",
            hint=f"Known options: {', '.join(sorted(known))}.",
        )
    base = settings.pyproject.parent if settings.pyproject else project_dir
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key == "backup_dir":
            continue  # resolved with ALEMBIC_BASELINE_BACKUP_DIR by settings (statedir.resolve)
        if key in ("runs_dir", "cache_dir"):
            values[key] = _path(value, base)
        elif key in ("skip_checks", "reference_tables", "check_sql"):
            values[key] = _strings(value, key)
        elif key in ("min_free_bytes", "lock_retries", "sample_rows"):
            values[key] = int(value)
        elif key == "health_timeout":
            values[key] = float(value)
        else:
            values[key] = value
    options = DeployOptions(runs_dir=state.runs, backup_dir=state.backups, cache_dir=state.cache)
    return replace(options, **values).with_overrides(**overrides)
