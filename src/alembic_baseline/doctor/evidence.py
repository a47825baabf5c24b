"""Evidence for checklist items outside the schema: backups, the application, recent errors.

* A fresh backup: the newest dump of this database — ``--backup FILE``, a run record's backup
  (``apply`` takes one), or ``<db>_*.dump`` in the backup directory — no older than the limit,
  readable by ``pg_restore --list`` and, when a record kept its checksum, the same file.
* The application: ``--health-url`` answers 2xx (the same check ``apply`` runs afterwards).
* Recent errors: ``pg_stat_database`` counters (deadlocks, recovery conflicts, checksum failures,
  rollbacks) compared with the previous ``check`` of the same database; every run saves them.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic_baseline import statedir
from alembic_baseline.doctor.items import Health, NoUnfinishedRun, PgStat
from alembic_baseline.errors import BaselineError
from alembic_baseline.pg.connect import connection
from alembic_baseline.runbook import backup as bk
from alembic_baseline.runbook import record as rec
from alembic_baseline.runbook.items import Backup, CheckItem, Status
from alembic_baseline.runbook.verify import check_health

if TYPE_CHECKING:
    from alembic_baseline.doctor.examine import Examination
    from alembic_baseline.doctor.facts import Facts
    from alembic_baseline.pg.url import DatabaseURL

COUNTERS = ("xact_commit", "xact_rollback", "conflicts", "deadlocks", "checksum_failures")
ROLLBACK_WARN_RATIO = 0.05
ROLLBACK_WARN_MIN = 50
"""Rollbacks are only worth a warning when there are many: tools (this one included) end
read-only transactions with a rollback, and a quiet database has few commits to compare."""
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class BaselineProof:
    """``baseline verify``'s verdict, as the checklist reads it: each comparison's name and its
    number of differences."""

    comparisons: tuple[tuple[str, int], ...]

    @property
    def equal(self) -> bool:
        return all(n == 0 for _, n in self.comparisons)


@dataclass(frozen=True)
class ChecklistInputs:
    """What the checks look at besides the examination (paths already resolved)."""

    runs_dir: Path
    backup_dir: Path
    cache_dir: Path
    min_free_bytes: int
    health_url: str | None = None
    health_timeout: float = 30.0
    backup: Path | None = None
    max_backup_age_hours: float = 24.0
    prove_baseline: Callable[[Examination], BaselineProof] | None = None
    """Runs ``baseline verify`` (None: ``--no-verify``, the item is left to a person)."""
    progress: Callable[[str], None] = field(default=lambda _: None, compare=False)


@dataclass(frozen=True)
class FoundBackup:
    path: Path
    size: int | None = None
    sha256: str | None = None
    source: str = "backup directory"


def find_backups(facts: Facts, inputs: ChecklistInputs) -> list[FoundBackup]:
    """Every known dump of this database, newest first."""
    database = facts.url.database
    found: list[FoundBackup] = []
    if inputs.backup is not None:
        found.append(FoundBackup(inputs.backup, source="--backup"))
    found += [
        FoundBackup(kept.path, kept.size, kept.sha256, run)
        for run, kept in rec.recorded_backups(inputs.runs_dir, database)
    ]
    directory = inputs.backup_dir
    if directory.is_dir():
        found += [FoundBackup(p) for p in directory.glob(f"{database}_*.dump")]
    existing = [f for f in found if f.path.is_file()]
    existing.sort(key=lambda f: f.path.stat().st_mtime, reverse=True)
    if inputs.backup is not None:  # the one named on the command line is the one checked
        existing.sort(key=lambda f: f.source != "--backup")
    return existing


def unfinished_item(facts: Facts, inputs: ChecklistInputs, runbook: str) -> CheckItem:
    """No earlier run of this database is still ``running`` in its record: one that is would be
    a run in progress, or one killed part-way (``kill -9``, a stopped machine)."""
    runs = rec.unfinished(inputs.runs_dir, facts.url.redacted)
    if not runs:
        return NoUnfinishedRun.item(Status.PASS, "no run record says running", runbook=runbook)
    detail = "; ".join(r.describe() for r in runs)
    if any(r.state == "alive" for r in runs):
        hint = "Wait for that run to end: two runs against one database are never safe."
    elif any(r.state == "gone" for r in runs):
        hint = (
            "A killed run can leave a revision half-applied: read this doctor report's "
            "diagnosis first; the next apply closes the record as interrupted."
        )
    else:
        return NoUnfinishedRun.item(Status.WARN, detail, "Check on that machine.", runbook=runbook)
    return NoUnfinishedRun.item(Status.FAIL, detail, hint, runbook=runbook)


def backup_item(
    facts: Facts, inputs: ChecklistInputs, runbook: str, *, required: bool
) -> CheckItem:
    found = find_backups(facts, inputs)
    newest = found[0] if found else None
    age_h = (time.time() - newest.path.stat().st_mtime) / 3600 if newest else None
    if newest is None or (age_h is not None and age_h > inputs.max_backup_age_hours):
        detail = (
            f"no backup of {facts.url.database!r} in {inputs.backup_dir} or the run records"
            if newest is None
            else f"the newest backup ({newest.path.name}) is {age_h:.0f} h old "
            f"(limit {inputs.max_backup_age_hours:g} h)"
        )
        return _no_fresh_backup(facts, inputs, runbook, detail, required)
    try:
        if newest.sha256 is not None and newest.size is not None:
            bk.verify_file(newest.path, newest.size, newest.sha256)
        entries = bk.toc(bk.client_for(facts.server_major), newest.path)
    except BaselineError as exc:
        return Backup.item(Status.FAIL, f"{newest.path}: {exc.message}", exc.hint, runbook=runbook)
    return Backup.item(
        Status.PASS,
        f"{newest.path} ({newest.source}, {age_h:.1f} h old): readable, {len(entries)} entries"
        + (", checksum as recorded" if newest.sha256 else ""),
        runbook=runbook,
    )


def _no_fresh_backup(
    facts: Facts, inputs: ChecklistInputs, runbook: str, detail: str, required: bool
) -> CheckItem:
    hint = (
        f"pg_dump --format=custom --file={facts.url.database}_$(date +%Y%m%d).dump "
        "(then --backup FILE), or let `alembic-baseline apply` take one"
    )
    if required:
        return Backup.item(Status.FAIL, detail, hint, runbook=runbook)
    try:  # apply takes a verified backup itself when it can
        bk.client_for(facts.server_major)
        space = bk.space_for(
            inputs.backup_dir,
            bk.estimate_bytes(facts.url),
            inputs.min_free_bytes,
        )
    except BaselineError as exc:
        return Backup.item(Status.FAIL, f"{detail}; {exc.message}", exc.hint, runbook=runbook)
    if not space.ok:
        return Backup.item(Status.FAIL, f"{detail}; {space.describe()}", hint, runbook=runbook)
    return Backup.item(
        Status.WARN,
        f"{detail}; `alembic-baseline apply` takes and verifies one before changing anything "
        f"({space.describe()})",
        hint,
        runbook=runbook,
    )


def health_item(inputs: ChecklistInputs, runbook: str) -> CheckItem:
    url = inputs.health_url
    if not url:
        return Health.item(
            Status.MANUAL, "no --health-url given", "pass --health-url URL", runbook=runbook
        )
    result = check_health(url, inputs.health_timeout)
    return Health.item(result.status, result.detail, runbook=runbook)


# -- pg_stat_database --------------------------------------------------------------------------


def read_counters(url: DatabaseURL) -> dict[str, Any]:
    with connection(url) as conn:
        row = conn.execute(
            "SELECT xact_commit, xact_rollback, conflicts, deadlocks, "
            "coalesce(checksum_failures, 0), stats_reset::text "
            "FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()
    assert row is not None  # the current database always has a row
    values: dict[str, Any] = dict(zip(COUNTERS, (int(str(v)) for v in row[:5]), strict=True))
    values["stats_reset"] = row[5]
    values["at"] = datetime.now(UTC).isoformat(timespec="seconds")
    return values


def counters_path(cache_dir: Path, url: DatabaseURL) -> Path:
    name = _UNSAFE.sub("_", f"{url.host or 'local'}-{url.port or 5432}-{url.database}")
    return cache_dir / statedir.PGSTAT / f"{name}.json"


def save_counters(facts: Facts, cache_dir: Path, values: dict[str, Any] | None = None) -> None:
    path = counters_path(cache_dir, facts.url)
    statedir.makedirs(path.parent)
    path.write_text(json.dumps(values or read_counters(facts.url)), encoding="utf-8")


def _reset(before: dict[str, Any], now: dict[str, Any]) -> bool:
    """Counters reset in between (a new database gets its reset time only later: None first)."""
    changed = before.get("stats_reset") not in (None, now["stats_reset"])
    return changed or int(now["xact_commit"]) < int(before.get("xact_commit", 0))


def pg_stat_item(facts: Facts, cache_dir: Path, runbook: str) -> CheckItem:
    path = counters_path(cache_dir, facts.url)
    try:
        before: dict[str, Any] | None = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        before = None
    now = read_counters(facts.url)
    save_counters(facts, cache_dir, now)
    if before is None or _reset(before, now):
        why = "no earlier counters" if before is None else "the statistics were reset since"
        return PgStat.item(
            Status.WARN,
            f"{why}: nothing to compare (counters saved now)",
            "Run `alembic-baseline check pre-patch` before patching: it saves them.",
            runbook=runbook,
        )
    delta = {k: int(now[k]) - int(before.get(k, 0)) for k in COUNTERS}
    since = f"since {before.get('at')}: {delta['xact_commit']} commits, "
    since += f"{delta['xact_rollback']} rollbacks, {delta['deadlocks']} deadlocks, "
    since += f"{delta['conflicts']} conflicts, {delta['checksum_failures']} checksum failures"
    if delta["deadlocks"] or delta["checksum_failures"] or delta["conflicts"]:
        return PgStat.item(
            Status.FAIL, since, "Look at the server log around the patch.", runbook=runbook
        )
    total = delta["xact_commit"] + delta["xact_rollback"]
    rollbacks = delta["xact_rollback"]
    if rollbacks >= ROLLBACK_WARN_MIN and rollbacks / max(total, 1) > ROLLBACK_WARN_RATIO:
        return PgStat.item(
            Status.WARN, since, "Many rollbacks: read the application's log.", runbook=runbook
        )
    return PgStat.item(Status.PASS, since, runbook=runbook)
