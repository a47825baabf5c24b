"""Every problem ``doctor`` diagnoses: one class each, whose docstring is its documentation.

``docs/doctor/<name>.md`` is generated from these classes (``python -m
alembic_baseline.doctor.docs docs/doctor``); a test fails when the committed pages differ, and
another when a problem lacks a section or a case where it is found and one where it is not.
"""

from __future__ import annotations

from alembic_baseline.doctor.model import Severity
from alembic_baseline.doctor.registry import Problem


class VersionTableMissing(Problem):
    """The schema has objects but there is no version table (env.py's name and schema).

    Why
    ---
    Alembic takes a database without its version table for an empty one and would run every
    revision again — and fail on the first ``CREATE``. Typical causes: a schema restored from a
    dump without its ``alembic_version``, or built by hand from the baseline SQL.

    What the tool checks
    --------------------
    The version table is read directly (its name and schema come from env.py); the schema is not
    empty. The real revision is identified by replaying the history (see [identifying the real
    revision](../doctor.md#identifying-the-real-revision)).

    Fix
    ---
    When identification finds an exact match: ``alembic-baseline repair --fix restamp --to REV
    --yes``. Otherwise the differences from the closest revision are listed, with the
    ``alembic-baseline --pg-major N diff --sql "$DATABASE_URL" rev:REV`` that writes the DDL to
    review first. An empty database without version table is just new: nothing is reported.
    """

    code = "AB-D001"
    name = "version-table-missing"
    title = "the schema has objects but no version table"


class VersionTableEmpty(Problem):
    """The version table is empty on a database whose schema has objects.

    Why
    ---
    The runbook's ``TRUNCATE alembic_version`` (or a ``DELETE`` of the only row) leaves Alembic
    believing the database is empty: ``alembic upgrade head`` would run every revision again.

    What the tool checks
    --------------------
    The version table exists but has no row, and the schema is not empty.

    Fix
    ---
    As for ``version-table-missing``: the identified revision's ``repair --fix restamp --to REV
    --yes``, or the differences from the closest revision.
    """

    code = "AB-D002"
    name = "version-table-empty"
    title = "the version table is empty on a non-empty schema"


class SeveralRows(Problem):
    """The version table holds a revision more than once.

    Why
    ---
    Alembic's bookkeeping expects one row per head; duplicates are possible when the table's
    primary key was dropped or a tool inserted rows by hand, and make Alembic's next step fail.

    What the tool checks
    --------------------
    The rows of the version table, read directly (Alembic itself hides duplicates).

    Fix
    ---
    ``alembic-baseline repair --fix dedupe --yes`` leaves one row — after checking that the schema
    is that revision's — and, in the same transaction, puts the primary key back when the table
    has none: Alembic's own definition, ``alembic_version_pkc PRIMARY KEY (version_num)``
    (``<version table>_pkc``), whatever the key was called before. A primary key that is there is
    left as it is.
    """

    code = "AB-D003"
    name = "several-rows"
    title = "the version table holds duplicate or surplus rows"


class UnknownRevision(Problem):
    """A recorded revision is neither a live nor an archived revision of the project.

    Why
    ---
    Alembic stops with "Can't locate revision". The revision was deleted or renamed, or the
    database was migrated from another branch or checkout.

    What the tool checks
    --------------------
    Every recorded revision is looked up among the live and the archived revisions; revision files
    that still mention an unknown id are named (a renamed id leaves traces), otherwise the message
    suggests ``git log --all -S <rev>`` to find the file.

    Fix
    ---
    The identified revision's ``alembic-baseline repair --fix restamp --to REV --yes``.
    """

    code = "AB-D004"
    name = "unknown-revision"
    title = "a recorded revision is not in the project"


class NotHeadNorAncestor(Problem):
    """The version table records a revision together with one of its own ancestors.

    Why
    ---
    The ancestor is not a head and not the ancestor of another recorded head, so Alembic refuses
    ("overlaps with other requested revisions").

    What the tool checks
    --------------------
    For every pair of recorded live revisions, whether one is an ancestor of the other in the
    project's revision graph.

    Fix
    ---
    The identified revision's ``alembic-baseline repair --fix restamp --to REV --yes``.
    """

    code = "AB-D005"
    name = "not-head-nor-ancestor"
    title = "recorded revisions overlap: one is an ancestor of another"


class MultipleHeads(Problem):
    """The project has several heads and no merge revision.

    Why
    ---
    ``alembic upgrade head`` refuses, and each database may follow another branch. Nothing is
    broken yet: a warning.

    What the tool checks
    --------------------
    The heads of the project's revision graph (no database needed).

    Fix
    ---
    ``alembic merge heads -m "merge heads"``.
    """

    code = "AB-D006"
    name = "multiple-heads"
    severity = Severity.WARNING
    title = "the project has several heads and no merge"


class HalfApplied(Problem):
    """A revision's ``autocommit_block()`` stopped midway: neither applied nor rolled back.

    Why
    ---
    Inside ``autocommit_block()`` every statement commits on its own, so a revision killed or
    failed there leaves work behind. The classic leftover is an INVALID index from an interrupted
    ``CREATE INDEX CONCURRENTLY``: it slows every write, answers no query, and — because such
    revisions are often written with ``if_not_exists=True`` — makes the re-run skip the index and
    record the revision as applied with the index still broken.

    What the tool checks
    --------------------
    * INVALID indexes (``pg_index.indisvalid = false``); the revision is found by the index name in
      a revision whose upgrade uses an autocommit block:

      * its revision is not recorded as applied → error;
      * its revision *is* recorded as applied (the re-run skipped it) → error;
      * no revision names it → warning;
      * a ``CREATE INDEX CONCURRENTLY`` is building it right now
        (``pg_stat_progress_create_index``) → information only.
    * No leftover index, but the schema matches **neither the recorded revision nor the next
      one**, whose upgrade uses an autocommit block → error, with the differences and the SQL that
      returns the schema to the recorded revision (for review).

    INVALID indexes that belong to no applied revision are left out of schema comparisons and
    identification (they are leftovers, not schema); one whose revision is recorded as applied
    stays in.

    Fix
    ---
    * Revision not recorded: ``alembic-baseline repair --fix drop-invalid-index --yes``, then
      ``alembic-baseline apply`` runs the revision again.
    * Revision recorded as applied: ``repair --fix rebuild-index --yes`` (``REINDEX INDEX
      CONCURRENTLY``), or ``--fix drop-invalid-index``, which also un-records the revision (stamps
      its parent) in the same transaction so that the re-run builds it.
    * No revision names it: ``repair --fix drop-invalid-index --yes``.
    * Being built: wait for it to finish.
    * Statements of the next revision ran: review and run the SQL shown, then
      ``alembic-baseline apply`` re-runs the revision.
    """

    code = "AB-D007"
    name = "half-applied"
    other_severities = (Severity.WARNING, Severity.INFO)
    title = "an autocommit step stopped midway (INVALID index)"


class SchemaDrift(Problem):
    """The schema differs from its recorded revision and is not exactly any other revision.

    Why
    ---
    The schema was changed by hand or by code outside the history: the next revision may fail on
    it, and a baseline taken from it would not be what the history builds.

    What the tool checks
    --------------------
    The schema is compared with the expected schema of the recorded revision (the cached replay
    ``status`` uses, on production's major). The differences are listed (``column
    public.items.note: extra in the database``), with the nearest replayed revision when
    identification ran, and the DDL that turns the database into the recorded revision
    (destructive statements commented out).

    Fix
    ---
    Review ``alembic-baseline --pg-major N diff --sql "$DATABASE_URL" rev:REV`` (N: production's
    major), then apply it, or turn the change into a revision.
    """

    code = "AB-D008"
    name = "schema-drift"
    title = "the schema differs from its recorded revision"


class BridgeNotApplied(Problem):
    """The database records a revision that a baseline archived.

    Why
    ---
    Plain ``alembic upgrade`` cannot continue from an archived revision ("Can't locate
    revision"); the way forward depends on what the schema really is.

    What the tool checks
    --------------------
    The schema is identified among the live revisions and, when it is none of them, compared with
    the expected schema of the recorded archived revision (replayed from the archive on
    production's major; cached).

    * Its schema already equals the bridge (someone pointed the version table back, or a copy of
      production was stamped by hand): error.
    * Its schema is exactly another live revision's (the version table was stamped back at an
      archived id): error.
    * Its schema equals the recorded archived revision (an old developer database): warning; the
      details say ``the schema equals archived revision X exactly``.
    * Anything else (the schema is at neither, or could not be compared): error; the differences
      from the recorded revision are named.

    Fix
    ---
    * At the bridge: ``alembic-baseline repair --fix bridge --yes``.
    * At another live revision: ``repair --fix restamp --to REV --yes``. **Not** an upgrade: it
      would replay the archived revisions on a schema that already has them (a table dropped years
      ago comes back) and record yet another wrong revision.
    * At the recorded archived revision: ``alembic-baseline upgrade`` — the archived revisions run
      up to the bridge (the old head), then the live ones.
    * Anything else: the closest revision's fix (as for ``version-table-missing``);
      ``alembic-baseline upgrade`` refuses (see [baseline](../baseline.md#upgrade)).
    """

    code = "AB-D009"
    name = "bridge-not-applied"
    other_severities = (Severity.WARNING,)
    title = "the database is behind the baseline's bridge"


class WrongRevision(Problem):
    """The version table names one revision but the schema is exactly another's.

    Why
    ---
    Either revisions are recorded that never ran (``alembic upgrade`` would skip them) or
    revisions ran that are not recorded (``upgrade`` would run them again).

    What the tool checks
    --------------------
    The schema differs from the recorded revision's, and identification finds a revision whose
    replayed schema equals it exactly (the earliest, so that no data migration is marked as
    applied). The differences between the schema and the *recorded* revision are named
    (``differences``), so that what the restamp accounts for can be read.

    Fix
    ---
    ``alembic-baseline repair --fix restamp --to REV --yes``.
    """

    code = "AB-D010"
    name = "wrong-revision"
    title = "the schema is exactly another revision's"


class NoScratchServer(Problem):
    """No scratch server of production's major version is available.

    Why
    ---
    Schema checks and identification replay the history on a scratch server of production's
    major (another major prints definitions differently); without one they are skipped.

    What the tool checks
    --------------------
    ``--scratch-url`` (its server's major must be production's), else installed binaries of that
    major (PATH, ``/usr/lib/postgresql/N/bin``, the embedded package). Nothing is started.

    Fix
    ---
    Install ``postgresql-N``, or pass ``--scratch-url`` of a server of that major.
    """

    code = "AB-D011"
    name = "no-scratch-server"
    severity = Severity.WARNING
    title = "no scratch server of production's major"


class PgDumpTooOld(Problem):
    """No ``pg_dump`` at least as new as the server.

    Why
    ---
    An older ``pg_dump`` cannot dump a newer server: backups before a patch and ``baseline
    create`` will refuse.

    What the tool checks
    --------------------
    The installed ``pg_dump`` programs, looked up without starting anything.

    Fix
    ---
    Install ``postgresql-client-N`` (or set ``ALEMBIC_BASELINE_PG_BIN``).
    """

    code = "AB-D012"
    name = "pg-dump-too-old"
    severity = Severity.WARNING
    title = "no pg_dump at least as new as the server"


class SchemaNotCompared(Problem):
    """The schema could not be compared with its recorded revision, or not identified.

    Why
    ---
    A scratch server of production's major was there, but building the expected schema or
    identifying the database's real revision failed (a revision that no longer replays, an
    env.py error). Without this, the report would read as "no problem" although nothing is known
    about the schema's state.

    What the tool checks
    --------------------
    Whether the schema comparison and the identification doctor attempted both completed; the
    reasons they did not are listed in the message.

    Fix
    ---
    Fix the cause named in the message, then run ``alembic-baseline doctor`` again (a scratch
    server of production's major: ``alembic-baseline scratch install N`` or ``--scratch-url``).
    """

    code = "AB-D013"
    name = "schema-not-compared"
    severity = Severity.WARNING
    title = "the schema could not be compared or identified"
