"""Run records: who applied what to which database, when, with which backup, and how it ended.

Each ``apply`` / ``rollback`` run gets a directory ``<runs>/<run id>/`` holding ``record.json``
(machine-readable, format-versioned), ``record.md`` (for the change ticket) and the
``migration_plan.sql`` it ran. The record is rewritten after every step, so a run killed with
SIGKILL still leaves a record that says ``running`` and how far it got.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import secrets
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic_baseline import statedir
from alembic_baseline.errors import BaselineError, ConfigError
from alembic_baseline.pg import tools
from alembic_baseline.pg.url import redact
from alembic_baseline.report import MARKS, escape, to_jsonable
from alembic_baseline.runbook.backup import Backup
from alembic_baseline.runbook.dirs import require_usable, unusable
from alembic_baseline.runbook.verify import Verification

if TYPE_CHECKING:
    from alembic_baseline.report import Reporter

FORMAT_VERSION = 1
OUTCOMES = ("running", "ok", "refused", "failed", "interrupted", "verify_failed", "error")


@dataclass
class StepRecord:
    """One revision run (upgrade or downgrade)."""

    revision: str
    message: str
    direction: str
    status: str = "pending"  # pending | running | done | failed | interrupted
    seconds: float = 0.0
    error: str | None = None


@dataclass
class RunRecord:
    """Everything a later reader (or ``rollback --restore``) needs to know about one run."""

    id: str
    command: str
    database: str
    user: str = ""
    host: str = ""
    pid: int = 0
    started_at: str = ""
    finished_at: str | None = None
    server_version: str = ""
    from_revisions: tuple[str, ...] = ()
    to_revisions: tuple[str, ...] = ()
    stopped_at: tuple[str, ...] | None = None
    outcome: str = "running"
    settings: dict[str, Any] = field(default_factory=dict)
    plan: dict[str, Any] | None = None
    backup: Backup | None = None
    restored_from: str | None = None
    steps: list[StepRecord] = field(default_factory=list)
    verification: Verification | None = None
    timings: dict[str, float] = field(default_factory=dict)
    error: dict[str, Any] | None = None
    next_steps: list[str] = field(default_factory=list)
    closed_runs: list[str] = field(default_factory=list)
    """Earlier runs of this database whose process had died, closed as interrupted by this one."""
    directory: Path | None = None

    def fail(self, outcome: str, exc: BaselineError, next_steps: list[str]) -> None:
        self.outcome = outcome
        self.error = {
            "type": type(exc).__name__,
            "message": exc.message,
            "hint": exc.hint,
            "context": dict(exc.context),
        }
        self.next_steps = next_steps

    def to_dict(self) -> dict[str, Any]:
        data = to_jsonable({k: v for k, v in vars(self).items() if k != "directory"})
        assert isinstance(data, dict)
        return {"format_version": FORMAT_VERSION, **data}


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container user without a passwd entry
        return f"uid {os.getuid()}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_run_id(command: str, at: datetime | None = None) -> str:
    """``20260119T143022.123456Z-apply-3f9a``: sorts by time (several runs can start within one
    second: a refused restore, then the confirmed one), unique, safe as a directory name."""
    at = at or datetime.now(UTC)
    return f"{at:%Y%m%dT%H%M%S.%fZ}-{command}-{secrets.token_hex(2)}"


def start(runs_dir: Path, command: str, database: str) -> RunRecord:
    """A new record (already on disk, outcome ``running``). Records of the same database whose
    process died (``kill -9``) are closed as interrupted first (see ``closed_runs``)."""
    run_id = new_run_id(command)
    directory = runs_dir / run_id
    require_usable(runs_dir, "--runs-dir")
    try:
        statedir.makedirs(runs_dir, mode=0o700)  # with its .gitignore when the tool creates it
        directory.mkdir(parents=True, exist_ok=False, mode=0o700)
    except OSError as exc:
        raise unusable(exc, runs_dir, "--runs-dir") from None
    record = RunRecord(
        run_id,
        command,
        database,
        user=_user(),
        host=socket.gethostname(),
        pid=os.getpid(),
        started_at=_now(),
        directory=directory,
    )
    record.closed_runs = [u.describe() for u in close_abandoned(runs_dir, database, run_id)]
    save(record)
    return record


def save(record: RunRecord) -> None:
    """Write record.json and record.md (atomically: a reader never sees half a file)."""
    if record.directory is None:
        return
    if record.outcome != "running" and record.finished_at is None:
        record.finished_at = _now()
    for name, text in (
        ("record.json", json.dumps(record.to_dict(), indent=2, ensure_ascii=False)),
        ("record.md", redact(render_markdown(record))),
    ):
        tmp = record.directory / f".{name}.tmp"
        tmp.write_text(text + "\n", encoding="utf-8")
        tmp.replace(record.directory / name)


# -- runs that never finished their record ----------------------------------------------------


@dataclass(frozen=True)
class Unfinished:
    """A record still saying ``running``: its process is alive, gone, or on another machine."""

    id: str
    command: str
    host: str
    pid: int
    state: str  # alive | gone | elsewhere
    done: tuple[str, ...]  # revisions whose step finished
    stopped_in: str | None  # the revision whose step was running, if any
    path: Path

    def describe(self) -> str:
        where = {
            "alive": f"still running (pid {self.pid})",
            "gone": f"its process (pid {self.pid}) is gone: killed, or the machine stopped",
            "elsewhere": f"started on {self.host}; whether it still runs cannot be seen here",
        }[self.state]
        done = ", ".join(self.done) if self.done else "no revision"
        inside = f"; it was inside {self.stopped_in}" if self.stopped_in else ""
        return f"{self.command} run {self.id}: {where}; {done} finished{inside}"


def unfinished(runs_dir: Path, database: str) -> list[Unfinished]:
    """Records of ``database`` (as recorded: the redacted URL) that still say ``running``."""
    found = []
    host = socket.gethostname()
    for path in sorted(runs_dir.glob("*/record.json")) if runs_dir.is_dir() else []:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("outcome") != "running" or data.get("database") != database:
                continue
            pid = int(data.get("pid") or 0)
            if data.get("host") != host or not pid:
                state = "elsewhere"
            else:
                state = "alive" if tools.pid_alive(pid) else "gone"
            steps = data.get("steps") or []
            found.append(
                Unfinished(
                    str(data["id"]),
                    str(data.get("command", "")),
                    str(data.get("host", "")),
                    pid,
                    state,
                    tuple(str(s["revision"]) for s in steps if s.get("status") == "done"),
                    next((str(s["revision"]) for s in steps if s.get("status") == "running"), None),
                    path,
                )
            )
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return found


def close_abandoned(runs_dir: Path, database: str, by: str) -> list[Unfinished]:
    """Mark the records whose process is gone as ``interrupted`` (said in record.md too), so
    that they stop looking like a run in progress; returns what was closed."""
    closed = []
    for run in unfinished(runs_dir, database):
        if run.state != "gone":
            continue
        try:
            data = json.loads(run.path.read_text(encoding="utf-8"))
            data["outcome"] = "interrupted"
            for step in data.get("steps") or []:
                if step.get("status") == "running":
                    step["status"] = "interrupted"
            data["error"] = {
                "type": "Abandoned",
                "message": f"The process of this run (pid {run.pid}) ended without finishing "
                f"its record; found by run {by}.",
                "hint": "Check the database with `alembic-baseline doctor` before going on: "
                "a revision without transactional DDL may be half-applied.",
                "context": {},
            }
            tmp = run.path.with_name(".record.json.tmp")
            tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", "utf-8")
            tmp.replace(run.path)
            with open(run.path.with_name("record.md"), "a", encoding="utf-8") as md:
                md.write(
                    f"\n> Closed as **interrupted** by run `{by}`: the process that wrote this "
                    "record ended without finishing it.\n"
                )
        except (OSError, ValueError):
            continue
        closed.append(run)
    return closed


@dataclass(frozen=True)
class RecordedRun:
    """What ``rollback --restore`` reads back from a record."""

    id: str
    command: str
    database: str
    outcome: str
    from_revisions: tuple[str, ...]
    to_revisions: tuple[str, ...]
    backup: Backup | None


def _backup(data: Any) -> Backup | None:
    if not isinstance(data, dict):
        return None
    return Backup(
        Path(data["path"]),
        int(data["size"]),
        str(data["sha256"]),
        int(data.get("entries", 0)),
        float(data.get("seconds", 0.0)),
        str(data.get("pg_dump", "")),
        str(data.get("database", "")),
        str(data["schema"]) if data.get("schema") else None,
    )


def recorded_backups(runs_dir: Path, database: str) -> list[tuple[str, Backup]]:
    """``(run id, backup)`` for every readable record that kept a backup of ``database`` (the
    database's name; a backup naming none counts too). Unreadable records are passed over."""
    found = []
    for path in sorted(runs_dir.glob("*/record.json")) if runs_dir.is_dir() else []:
        try:
            backup = _backup(json.loads(path.read_text(encoding="utf-8")).get("backup"))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue
        if backup is not None and backup.database in (database, ""):
            found.append((path.parent.name, backup))
    return found


def load(runs_dir: Path, run_id: str) -> RecordedRun:
    """A recorded run by id (``latest``: the newest run that took a backup)."""
    if run_id == "latest":
        run_id = _latest_with_backup(runs_dir)
    path = runs_dir / run_id / "record.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ConfigError(
            f"No readable run record {run_id!r} in {runs_dir}.",
            hint=f"List the runs with `ls {runs_dir}`; pass one as --restore RUN_ID.",
        ) from None
    return RecordedRun(
        str(data["id"]),
        str(data["command"]),
        str(data["database"]),
        str(data["outcome"]),
        tuple(data.get("from_revisions") or ()),
        tuple(data.get("to_revisions") or ()),
        _backup(data.get("backup")),
    )


def _latest_with_backup(runs_dir: Path) -> str:
    names = (
        sorted((p.name for p in runs_dir.iterdir() if p.is_dir()), reverse=True)
        if runs_dir.is_dir()
        else []
    )
    for name in names:
        with contextlib.suppress(OSError, ValueError):
            data = json.loads((runs_dir / name / "record.json").read_text(encoding="utf-8"))
            if data.get("backup") and data.get("command") == "apply":
                return name
    raise ConfigError(
        f"No apply run with a backup is recorded in {runs_dir}.",
        hint="Pass --restore RUN_ID of a run that took a backup.",
    )


# -- markdown ----------------------------------------------------------------------------------


def _revs(revs: tuple[str, ...] | None) -> str:
    return ", ".join(revs) if revs else "(none)"


def render_markdown(r: RunRecord) -> str:
    """The record as a short markdown document (pure)."""
    lines = [
        f"# alembic-baseline {r.command} — {r.outcome}",
        "",
        "| | |",
        "|---|---|",
        f"| run | `{r.id}` |",
        f"| who | {r.user} on {r.host} (pid {r.pid}) |",
        f"| when | {r.started_at} → {r.finished_at or '…'} |",
        f"| database | `{r.database}` (PostgreSQL {r.server_version}) |",
        f"| from | {_revs(r.from_revisions)} |",
        f"| to | {_revs(r.to_revisions)} |",
        f"| stopped at | {_revs(r.stopped_at)} |",
    ]
    if r.backup:
        lines.append(
            f"| backup | `{r.backup.path}` ({r.backup.size:,} bytes, sha256 "
            f"`{r.backup.sha256[:16]}…`"
            + (f"; schema `{r.backup.schema}` only" if r.backup.schema else "")
            + ") |"
        )
    if r.restored_from:
        lines.append(f"| restored from | `{r.restored_from}` |")
    if r.steps:
        lines += ["", "## Steps", "", "| revision | | status | seconds |", "|---|---|---|---:|"]
        lines += [
            f"| `{s.revision}` | {s.direction}: {s.message} | {s.status} | {s.seconds:.2f} |"
            for s in r.steps
        ]
    checks = (r.plan or {}).get("checks") or []
    if checks:
        lines += ["", "## Checklist", ""]
        lines += [f"- **{c['status']}** `{c['name']}` — {c['detail']}" for c in checks]
    if r.verification:
        lines += ["", "## Verification", ""]
        lines += [f"- **{c.status}** {c.name}: {c.detail}" for c in r.verification.items]
    if r.timings:
        lines += ["", "## Timings", ""]
        lines += [f"- {k}: {v:.2f} s" for k, v in r.timings.items()]
    if r.error:
        lines += ["", "## Error", "", str(r.error.get("message"))]
        if r.error.get("hint"):
            lines += ["", f"Hint: {r.error['hint']}"]
    if r.next_steps:
        lines += ["", "## Next steps", ""] + [f"1. {s}" for s in r.next_steps]
    if r.closed_runs:
        lines += ["", "## Earlier runs closed as interrupted", ""]
        lines += [f"- {c}" for c in r.closed_runs]
    return "\n".join(lines)


def record_text(out: Reporter, r: RunRecord) -> None:
    """The end of a run as text: its verification, next steps and where the record is (apply,
    rollback and repair show it alike)."""
    if r.verification:
        for v in r.verification.items:
            out.text(f"  {MARKS[v.status.value]} {v.name:<9} {escape(v.detail)}")
    for line in r.next_steps:
        out.text(f"  → {escape(line)}")
    out.text(f"  record: {escape(str(r.directory))}/record.md")
