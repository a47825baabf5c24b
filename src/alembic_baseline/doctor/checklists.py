"""The runbook's checklists (チェックリスト) as ``check pre-baseline|pre-patch|post-apply``.

Every line the tool can verify is verified against the database and the project; the others are
listed as ``manual`` for a person to tick. Items reuse ``runbook.checks`` (status values, the
``downgrades`` and ``single-head`` checks) and ``runbook.verify`` (the health URL, the schema).

Decisions: "baseline verified" runs ``baseline verify`` (it is the proof, and no earlier result is
stored to trust; the command passes it in: ``baseline`` is a feature beside this one); "a fresh
backup" is the newest dump of this database in the backup directory,
or in a run record, or ``--backup FILE`` — checked with ``pg_restore --list`` and, when a run
recorded it, its checksum; "recent errors" are deltas of ``pg_stat_database`` counters since the
previous ``check`` of the same database (each run saves them).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from alembic_baseline.doctor import evidence
from alembic_baseline.doctor.evidence import ChecklistInputs
from alembic_baseline.doctor.examine import Examination
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
from alembic_baseline.doctor.model import DoctorReport, Severity
from alembic_baseline.errors import BaselineError, ExitCode
from alembic_baseline.expected import compare_with_expected
from alembic_baseline.history.graph import Revision
from alembic_baseline.runbook import checks
from alembic_baseline.runbook.items import Check, CheckItem, SchemaMatches, Status
from alembic_baseline.runbook.verify import MATCH_STATUS

__all__ = ["Checklist", "ChecklistInputs", "run_checklist"]

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


# -- items the tool verifies -------------------------------------------------------------------


def _pending(ex: Examination) -> list[Revision]:
    return ex.exam.history.pending(ex.facts.recorded) if ex.exam.live_revision else []


def at_head(ex: Examination, runbook: str, check: type[Check] = AllApplied) -> CheckItem:
    current, heads = ex.facts.recorded, ex.exam.history.heads()
    pending = _pending(ex)
    if current == heads and not pending:
        return check.item(Status.PASS, f"current = head = {', '.join(heads)}", runbook=runbook)
    return check.item(
        Status.FAIL,
        f"current {', '.join(current) or '(none)'}, head {', '.join(heads)}; "
        f"{len(pending)} revision(s) pending",
        "alembic-baseline status; alembic-baseline apply",
        runbook=runbook,
    )


def schema_matches(ex: Examination, runbook: str) -> CheckItem:
    revision, exam = ex.exam.live_revision, ex.exam
    if revision is None:
        return SchemaMatches.item(
            Status.SKIPPED, "no single live revision recorded", runbook=runbook
        )
    result = compare_with_expected(
        exam.project,
        exam.history,
        exam.scratch,
        exam.facts.url,
        revision,
        exam.facts.version_table,
        exam.cache_dir,
    )
    detail = "; ".join((result.detail, *result.differences[:5]))
    status = MATCH_STATUS[result.matches]
    return SchemaMatches.item(status, detail, "alembic-baseline doctor", runbook=runbook)


def version_state(report: DoctorReport) -> CheckItem:
    """The doctor's errors (version table, leftovers) as one item."""
    errors = [d for d in report.diagnoses if d.severity is Severity.ERROR]
    if not errors:
        return DoctorClean.item(Status.PASS, "no error diagnosed")
    names = ", ".join(f"{d.code} {d.name}" for d in errors)
    return DoctorClean.item(Status.FAIL, names, errors[0].fix)


def invalid_indexes(ex: Examination) -> CheckItem:
    left = [i.qualified for i in ex.facts.invalid_indexes if not i.building]
    if not left:
        return InvalidIndexes.item(Status.PASS, "none")
    return InvalidIndexes.item(Status.FAIL, ", ".join(left), "alembic-baseline doctor")


def baseline_verified(ex: Examination, inputs: ChecklistInputs, runbook: str) -> CheckItem:
    if ex.exam.baseline is None:
        return BaselineTested.manual(
            "No baseline yet: alembic-baseline baseline create, then run this check again.",
            runbook=runbook,
        )
    if inputs.prove_baseline is None:
        return BaselineTested.manual("alembic-baseline baseline verify", runbook=runbook)
    inputs.progress("baseline verify: history ≡ baseline ≡ production")
    try:
        proof = inputs.prove_baseline(ex)
    except BaselineError as exc:
        return BaselineTested.item(Status.FAIL, exc.message, exc.hint, runbook=runbook)
    if proof.equal:
        names = ", ".join(name for name, _ in proof.comparisons)
        return BaselineTested.item(
            Status.PASS, f"baseline verify: equal ({names})", runbook=runbook
        )
    bad = [f"{name}: {n} difference(s)" for name, n in proof.comparisons if n]
    return BaselineTested.item(
        Status.FAIL, "; ".join(bad), "alembic-baseline baseline verify", runbook=runbook
    )


# -- the three lists ---------------------------------------------------------------------------


def pre_baseline(ex: Examination, inputs: ChecklistInputs) -> list[CheckItem]:
    return [
        at_head(ex, "本番環境で全マイグレーションが適用済み"),
        schema_matches(ex, "本番DBのスキーマが正常に動作している"),
        version_state(ex.report),
        invalid_indexes(ex),
        evidence.backup_item(ex.facts, inputs, "本番DBのバックアップを取得", required=True),
        baseline_verified(ex, inputs, "開発環境でベースラインマイグレーションをテスト"),
        Ci.manual("Run `alembic-baseline baseline verify` in CI (exit 0 = equal)."),
    ]


def pre_patch(ex: Examination, inputs: ChecklistInputs) -> list[CheckItem]:
    pending = _pending(ex)
    found = [
        evidence.unfinished_item(
            ex.facts, inputs, "前回の適用が途中で止まっていない (no unfinished run)"
        ),
        checks.tested(False, None),
        checks.downgrades(pending),
        evidence.backup_item(ex.facts, inputs, "本番DBのバックアップを取得", required=False),
        MaintenanceWindow.manual(
            "`alembic-baseline plan` lists the statements that hold strong locks for long."
        ),
        checks.single_head(ex.exam.history.heads(), "heads"),
        schema_matches(ex, "本番DBのスキーマが正常 (the database matches its recorded revision)"),
        version_state(ex.report),
        invalid_indexes(ex),
    ]
    evidence.save_counters(ex.facts, inputs.cache_dir)
    return found


def post_apply(ex: Examination, inputs: ChecklistInputs) -> list[CheckItem]:
    return [
        at_head(ex, CurrentIsHead.title, CurrentIsHead),
        evidence.unfinished_item(ex.facts, inputs, "適用が最後まで終わった (the run finished)"),
        schema_matches(ex, "the schema equals the head revision's"),
        evidence.health_item(inputs, "アプリケーションの動作確認"),
        evidence.pg_stat_item(ex.facts, inputs.cache_dir, "ログにエラーがないか確認"),
        AppLogs.manual("Read the application's logs since the deployment."),
        Performance.manual("Compare latency and pg_stat_statements with before the patch."),
        version_state(ex.report),
        invalid_indexes(ex),
    ]


BUILDERS = {"pre-baseline": pre_baseline, "pre-patch": pre_patch, "post-apply": post_apply}


def run_checklist(name: str, ex: Examination, inputs: ChecklistInputs) -> Checklist:
    start = time.perf_counter()
    items = BUILDERS[name](ex, inputs)
    return Checklist(
        name, LISTS[name], ex.facts.url.redacted, tuple(items), time.perf_counter() - start
    )
