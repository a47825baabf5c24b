"""The runbook's checklists (チェックリスト) as ``check pre-baseline|pre-patch|post-apply``.

Every line the tool can verify is verified against the database and the project; the others are
listed as ``manual`` for a person to tick. Items reuse ``runbook.checks`` (status values, the
``downgrades`` and ``single-head`` checks) and ``runbook.verify`` (the health URL, the schema).

Decisions: "baseline verified" runs ``baseline verify`` (it is the proof, and no earlier result is
stored to trust); "a fresh backup" is the newest dump of this database in the backup directory,
or in a run record, or ``--backup FILE`` — checked with ``pg_restore --list`` and, when a run
recorded it, its checksum; "recent errors" are deltas of ``pg_stat_database`` counters since the
previous ``check`` of the same database (each run saves them).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from alembic_baseline.doctor import evidence
from alembic_baseline.doctor.items import (
    AllApplied,
    AppLogs,
    BaselineTested,
    Ci,
    CurrentIsHead,
    DoctorClean,
    InvalidIndexes,
    MaintenanceWindow,
    Performance,
)
from alembic_baseline.doctor.model import Severity
from alembic_baseline.errors import BaselineError, ExitCode
from alembic_baseline.expected import compare_with_expected
from alembic_baseline.runbook import checks
from alembic_baseline.runbook.checks import CheckItem, Status
from alembic_baseline.runbook.items import Check, SchemaMatches

if TYPE_CHECKING:
    from alembic_baseline.deploy.options import DeployOptions
    from alembic_baseline.doctor.diagnose import Doctor
    from alembic_baseline.doctor.model import DoctorReport

LISTS = {
    "pre-baseline": "ベースライン化実施前",
    "pre-patch": "パッチ適用前",
    "post-apply": "適用後",
}


@dataclass(frozen=True)
class Checklist:
    """One runbook checklist, checked."""

    name: str
    title: str
    database: str
    items: tuple[CheckItem, ...]
    seconds: float = 0.0

    @property
    def failed(self) -> list[CheckItem]:
        return [i for i in self.items if i.status is Status.FAIL]

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.FINDINGS if self.failed else ExitCode.OK


@dataclass
class ChecklistInputs:
    """What the checks look at besides the doctor's examination."""

    options: DeployOptions
    backup: Path | None = None
    max_backup_age_hours: float = 24.0
    verify_baseline: bool = True
    progress: Callable[[str], None] = field(default=lambda _: None)


# -- items the tool verifies -------------------------------------------------------------------


def at_head(doc: Doctor, runbook: str, check: type[Check] = AllApplied) -> CheckItem:
    current, heads = doc.facts.recorded, doc.history.heads()
    pending = doc.history.pending(current) if doc.single_live_revision() else []
    if current == heads and not pending:
        return check.item(Status.PASS, f"current = head = {', '.join(heads)}", runbook=runbook)
    return check.item(
        Status.FAIL,
        f"current {', '.join(current) or '(none)'}, head {', '.join(heads)}; "
        f"{len(pending)} revision(s) pending",
        "alembic-baseline status; alembic-baseline apply",
        runbook=runbook,
    )


def schema_matches(doc: Doctor, runbook: str) -> CheckItem:
    revision = doc.single_live_revision()
    if revision is None:
        return SchemaMatches.item(
            Status.SKIPPED, "no single live revision recorded", runbook=runbook
        )
    result = compare_with_expected(
        doc.project,
        doc.history,
        doc.scratch,
        doc.facts.url,
        revision,
        doc.facts.version_table,
        doc.cache_dir,
    )
    status = {True: Status.PASS, False: Status.FAIL, None: Status.SKIPPED}[result.matches]
    detail = "; ".join((result.detail, *result.differences[:5]))
    return SchemaMatches.item(status, detail, "alembic-baseline doctor", runbook=runbook)


def version_state(report: DoctorReport) -> CheckItem:
    """The doctor's errors (version table, leftovers) as one item."""
    errors = [d for d in report.diagnoses if d.severity is Severity.ERROR]
    if not errors:
        return DoctorClean.item(Status.PASS, "no error diagnosed")
    names = ", ".join(f"{d.code} {d.name}" for d in errors)
    return DoctorClean.item(Status.FAIL, names, errors[0].fix)


def invalid_indexes(doc: Doctor) -> CheckItem:
    left = [i.qualified for i in doc.facts.invalid_indexes if not i.building]
    if not left:
        return InvalidIndexes.item(Status.PASS, "none")
    return InvalidIndexes.item(Status.FAIL, ", ".join(left), "alembic-baseline doctor")


def baseline_verified(doc: Doctor, inputs: ChecklistInputs, runbook: str) -> CheckItem:
    if doc.manifest is None:
        return BaselineTested.manual(
            "No baseline yet: alembic-baseline baseline create, then run this check again.",
            runbook=runbook,
        )
    if not inputs.verify_baseline:
        return BaselineTested.manual("alembic-baseline baseline verify", runbook=runbook)
    from alembic_baseline.baseline.verify import verify

    inputs.progress("baseline verify: history ≡ baseline ≡ production")
    try:
        result = verify(
            doc.project,
            url=doc.facts.url,
            pg_major=doc.facts.server_major,
            server=doc.scratch.server(),
        )
    except BaselineError as exc:
        return BaselineTested.item(Status.FAIL, exc.message, exc.hint, runbook=runbook)
    if result.equal:
        names = ", ".join(c.name for c in result.comparisons)
        return BaselineTested.item(
            Status.PASS, f"baseline verify: equal ({names})", runbook=runbook
        )
    bad = [
        f"{c.name}: {len(c.differences)} difference(s)" for c in result.comparisons if not c.equal
    ]
    return BaselineTested.item(
        Status.FAIL, "; ".join(bad), "alembic-baseline baseline verify", runbook=runbook
    )


# -- the three lists ---------------------------------------------------------------------------


def pre_baseline(doc: Doctor, report: DoctorReport, inputs: ChecklistInputs) -> list[CheckItem]:
    return [
        at_head(doc, "本番環境で全マイグレーションが適用済み"),
        schema_matches(doc, "本番DBのスキーマが正常に動作している"),
        version_state(report),
        invalid_indexes(doc),
        evidence.backup_item(doc, inputs, "本番DBのバックアップを取得", required=True),
        baseline_verified(doc, inputs, "開発環境でベースラインマイグレーションをテスト"),
        Ci.manual("Run `alembic-baseline baseline verify` in CI (exit 0 = equal)."),
    ]


def pre_patch(doc: Doctor, report: DoctorReport, inputs: ChecklistInputs) -> list[CheckItem]:
    current = doc.facts.recorded
    pending = doc.history.pending(current) if doc.single_live_revision() else []
    found = [
        evidence.unfinished_item(
            doc, inputs, "前回の適用が途中で止まっていない (no unfinished run)"
        ),
        checks.tested(False, None),
        checks.downgrades(pending),
        evidence.backup_item(doc, inputs, "本番DBのバックアップを取得", required=False),
        MaintenanceWindow.manual(
            "`alembic-baseline plan` lists the statements that hold strong locks for long."
        ),
        checks.single_head(doc.history.heads(), "heads"),
        schema_matches(doc, "本番DBのスキーマが正常 (the database matches its recorded revision)"),
        version_state(report),
        invalid_indexes(doc),
    ]
    evidence.save_counters(doc, inputs.options.cache_dir)
    return found


def post_apply(doc: Doctor, report: DoctorReport, inputs: ChecklistInputs) -> list[CheckItem]:
    return [
        at_head(doc, CurrentIsHead.title, CurrentIsHead),
        evidence.unfinished_item(doc, inputs, "適用が最後まで終わった (the run finished)"),
        schema_matches(doc, "the schema equals the head revision's"),
        evidence.health_item(inputs, "アプリケーションの動作確認"),
        evidence.pg_stat_item(doc, inputs.options.cache_dir, "ログにエラーがないか確認"),
        AppLogs.manual("Read the application's logs since the deployment."),
        Performance.manual("Compare latency and pg_stat_statements with before the patch."),
        version_state(report),
        invalid_indexes(doc),
    ]


BUILDERS = {"pre-baseline": pre_baseline, "pre-patch": pre_patch, "post-apply": post_apply}


def run_checklist(
    name: str, doc: Doctor, report: DoctorReport, inputs: ChecklistInputs
) -> Checklist:
    start = time.perf_counter()
    items = BUILDERS[name](doc, report, inputs)
    return Checklist(
        name, LISTS[name], doc.facts.url.redacted, tuple(items), time.perf_counter() - start
    )
