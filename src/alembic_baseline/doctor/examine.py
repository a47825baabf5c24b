"""``doctor``: every diagnosis for one database, in one pass — four phases, each a function that
returns a frozen value.

1. facts (:mod:`.facts`): the server, the version table's rows, INVALID indexes — read by the
   caller, which needs them to pick a scratch server of the right major;
2. live state (:mod:`.live`): production's fingerprints now, its full snapshot on another thread;
3. identification (:mod:`.identify`): the recorded revision's expected schema comes from the
   replay cache (:func:`compare_recorded`); the real revision is identified only when the
   bookkeeping or the schema says it must be (or ``--identify``), because a cold identification
   replays the whole history;
4. diagnoses (:mod:`.diagnose`): the findings and their fixes, from the values above.

The environment (scratch server, pg_dump) and the project's graph cost nothing and come first.
:func:`examine` runs the phases in order and returns :class:`Examination`, which ``repair`` and
the checklists take as it is.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from alembic_baseline.doctor import diagnose, environment, leftovers, versions
from alembic_baseline.doctor.identify import Identifier
from alembic_baseline.doctor.live import Live, read_live
from alembic_baseline.doctor.model import (
    Baseline,
    Diagnosis,
    DoctorReport,
    Identification,
    Match,
)
from alembic_baseline.errors import BaselineError
from alembic_baseline.expected import (
    SchemaCheck,
    check_archived,
    expected_snapshot,
    inspect_options,
)
from alembic_baseline.history.sandbox import SandboxRefusal

if TYPE_CHECKING:
    from alembic_baseline.doctor.facts import Facts
    from alembic_baseline.history.driver import AlembicProject
    from alembic_baseline.history.graph import History
    from alembic_baseline.pg.scratch import Scratch

Progress = Callable[[str], None]
IDENTIFY_MODES = ("auto", "always", "never")


@dataclass(frozen=True)
class DoctorOptions:
    identify: str = "auto"
    """``auto``: when the version table or the schema calls for it; ``always``; ``never``."""
    schema_check: bool = True


@dataclass(frozen=True)
class Exam:
    """What one examination looks at, and with what (phase 1's facts included)."""

    project: AlembicProject
    history: History
    facts: Facts
    scratch: Scratch
    cache_dir: Path
    scratch_url: str | None = None
    baseline: Baseline | None = None
    options: DoctorOptions = field(default_factory=DoctorOptions)
    progress: Progress = field(default=lambda _: None, compare=False)

    @property
    def live_revision(self) -> str | None:
        """The one recorded revision when it is a live revision of the project."""
        recorded = self.facts.recorded
        if len(recorded) == 1 and self.history.locate(recorded[0]) == "live":
            return recorded[0]
        return None

    def needs_identity(self, empty: bool) -> bool:
        """Whether the version table alone says the real revision must be identified."""
        facts = self.facts
        if not facts.table_exists or not facts.rows:
            return not empty  # an empty database without revision is just new
        if len(facts.recorded) > 1:
            return True
        return any(self.history.locate(r) != "live" for r in facts.recorded)

    def wants_identity(self, empty: bool, mismatch: bool = False) -> bool:
        mode = self.options.identify
        return mode == "always" or (mode == "auto" and (mismatch or self.needs_identity(empty)))


@dataclass(frozen=True)
class RecordedSchema:
    """The live schema against the recorded revision's expected schema (the default: not
    compared, which proves nothing)."""

    compared: bool = False
    mismatch: diagnose.Mismatch | None = None
    """The expected snapshot and its differences (None: equal, or not compared)."""
    not_compared: tuple[str, ...] = ()
    """Why it could not be compared (AB-D013)."""

    @property
    def proven_equal(self) -> bool:
        return self.compared and self.mismatch is None


@dataclass(frozen=True)
class Identified:
    """Phase 3's value: which revision the schema is at, as far as this examination knows."""

    identification: Identification | None
    """What ``repair`` may rely on (an equal recorded revision counts as identified)."""
    shown: bool
    """Whether the report shows it (identification was asked for or called for)."""
    not_compared: tuple[str, ...] = ()


@dataclass(frozen=True)
class Examination:
    """One examination, done: what was looked at, the live state, the identification, and the
    report (the diagnoses)."""

    exam: Exam
    live: Live
    identification: Identification | None
    report: DoctorReport

    @property
    def facts(self) -> Facts:
        return self.exam.facts


def compare_recorded(exam: Exam, revision: str, live: Live) -> RecordedSchema:
    """The live schema against ``revision``'s expected schema (from the replay cache)."""
    from alembic_baseline.diff import CompareOptions, compare

    options = inspect_options(exam.facts.version_table)
    exam.progress(f"schema: comparing with the expected schema of {revision}")
    try:
        expected, _ = expected_snapshot(
            exam.project, exam.history, exam.scratch, revision, options, exam.cache_dir
        )
    except SandboxRefusal:
        raise  # env.py reached for another database, or the replay did not run (sandbox)
    except BaselineError as exc:
        exam.progress(f"schema: not compared: {exc.message}")
        hint = f" ({exc.hint})" if exc.hint else ""
        why = f"the expected schema of {revision} could not be built: {exc.message}{hint}"
        return RecordedSchema(False, None, (why,))
    diff = compare(expected, live.snapshot, CompareOptions(ignore_column_order=True))
    return RecordedSchema(True, (expected, diff) if diff else None)


def identify(exam: Exam, identifier: Identifier, live: Live) -> Identified:
    """Phase 3 proper: replay and fingerprint (refusals by the sandbox are never hidden)."""
    try:
        return Identified(identifier.identify(live), True)
    except SandboxRefusal:
        raise  # refused by the sandbox: never reported as "could not identify"
    except BaselineError as exc:
        exam.progress(f"identify: failed: {exc.message}")
        hint = f" ({exc.hint})" if exc.hint else ""
        return Identified(None, True, (f"identification failed: {exc.message}{hint}",))


def identification(
    exam: Exam, identifier: Identifier, live: Live, recorded: RecordedSchema, usable: bool
) -> Identified:
    """Identify when asked or called for; else an equal recorded revision is the answer."""
    revision = exam.live_revision
    if usable and exam.wants_identity(live.probe.shape.empty, recorded.mismatch is not None):
        return identify(exam, identifier, live)
    if revision and exam.options.schema_check and usable and recorded.proven_equal:
        # compared and equal, not "could not compare": the recorded revision is identified
        return Identified(Identification((Match((revision,), True),), None, 0, 0, 0.0), False)
    return Identified(None, False)


def compare_archived(exam: Exam, live: Live) -> SchemaCheck | None:
    """The schema against the one recorded revision when it is archived (the evidence
    ``alembic-baseline upgrade`` needs before it replays the archive); None otherwise."""
    recorded = exam.facts.recorded
    if len(recorded) != 1 or exam.history.locate(recorded[0]) != "archived":
        return None
    exam.progress(f"schema: comparing with the expected schema of archived {recorded[0]}")
    options = inspect_options(exam.facts.version_table)
    return check_archived(
        exam.project, exam.history, exam.scratch, recorded[0], live.snapshot, options,
        exam.cache_dir,
    )  # fmt: skip


def examine(exam: Exam) -> Examination:
    """Run the phases; every diagnosis of the database in one report."""
    start = time.perf_counter()
    facts, options = exam.facts, exam.options
    no_scratch = environment.scratch_problem(facts.server_major, exam.scratch_url)
    usable = no_scratch is None
    found: list[Diagnosis] = [
        d for d in (no_scratch, environment.pg_dump_problem(facts.server_major)) if d
    ]
    found += versions.graph_diagnoses(exam.history)
    found += leftovers.invalid_index_diagnoses(facts, exam.history)
    identifier = Identifier(
        exam.project, exam.history, exam.scratch, facts.version_table, exam.cache_dir,
        exam.progress,
    )  # fmt: skip
    if usable and exam.wants_identity(empty=False):
        identifier.prepare()  # a replay database, created while production is read
    eager = options.schema_check or options.identify != "never"
    live = read_live(facts, exam.history, background=eager)
    recorded = RecordedSchema()
    if exam.live_revision and usable and options.schema_check:
        recorded = compare_recorded(exam, exam.live_revision, live)
    ident = identification(exam, identifier, live, recorded, usable)
    at_archived = None
    found_exact = ident.identification is not None and ident.identification.exact
    if usable and options.schema_check and not found_exact:
        at_archived = compare_archived(exam, live)
    found += diagnose.diagnoses(
        exam.facts,
        exam.history,
        exam.baseline,
        live,
        ident.identification,
        recorded.mismatch,
        at_archived,
        (*recorded.not_compared, *ident.not_compared),
    )
    report = DoctorReport(
        facts.url.redacted,
        facts.server_version,
        facts.table_label,
        facts.recorded,
        exam.history.heads(),
        tuple(found),
        ident.identification if ident.shown else None,
        time.perf_counter() - start,
        options.schema_check,
    )
    return Examination(exam, live, ident.identification, report)
