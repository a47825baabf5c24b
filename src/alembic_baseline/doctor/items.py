"""The items of ``check pre-baseline | pre-patch | post-apply`` (the runbook's checklists).

One class per item, declared like ``plan``'s items in ``runbook.items`` (which the checklists
reuse: ``backup``, ``downgrades``, ``single-head``, ``schema-matches``, ``tested``); the
docstring is the item's documentation.
"""

from __future__ import annotations

from alembic_baseline.runbook.items import Check, registered_checks


class AllApplied(Check):
    """Every revision of the project is applied to production before it is baselined.

    Why
    ---
    A baseline replaces the history up to the current head: a database behind it would need the
    archived revisions (``alembic-baseline upgrade``) instead of plain Alembic.

    What the tool checks
    --------------------
    The version table holds exactly the project's head(s) and no revision is pending.

    Fix
    ---
    ``alembic-baseline status``, then ``alembic-baseline apply``.
    """

    name = "all-applied"
    title = "本番環境で全マイグレーションが適用済み"


class CurrentIsHead(Check):
    """After the patch, ``alembic current`` is the head.

    Why
    ---
    The runbook's first check after applying: a database short of the head did not get every
    revision.

    What the tool checks
    --------------------
    As ``all-applied``: the version table holds exactly the head(s), nothing pending.

    Fix
    ---
    ``alembic-baseline status``, then ``alembic-baseline apply``.
    """

    name = "current-is-head"
    title = "alembic current で最新リビジョンを確認"


class DoctorClean(Check):
    """``doctor`` diagnoses no error (version table, leftovers, schema).

    Why
    ---
    A broken version state makes the next ``alembic upgrade`` skip or repeat revisions.

    What the tool checks
    --------------------
    The error diagnoses of the doctor's examination of the same database (their codes and names
    are listed; see [the diagnoses](README.md)).

    Fix
    ---
    The first error's fix, as ``alembic-baseline doctor`` prints it.
    """

    name = "doctor"
    title = "マイグレーション履歴が整合している (doctor)"


class InvalidIndexes(Check):
    """No INVALID index is left by an interrupted ``CREATE INDEX CONCURRENTLY``.

    Why
    ---
    An INVALID index slows every write and serves no query; a re-run with ``if_not_exists`` keeps
    it broken.

    What the tool checks
    --------------------
    ``pg_index.indisvalid = false``, except an index a ``CREATE INDEX CONCURRENTLY`` is building
    right now.

    Fix
    ---
    ``alembic-baseline doctor`` (diagnosis [half-applied](half-applied.md)) and the ``repair`` it
    advises.
    """

    name = "invalid-indexes"
    title = "no INVALID index left by CREATE INDEX CONCURRENTLY"


class BaselineTested(Check):
    """The baseline builds the same schema as the history and as production.

    Why
    ---
    A baseline is not done until it is proven: an empty database built from it must equal one
    built by the full history, and production.

    What the tool checks
    --------------------
    Runs ``alembic-baseline baseline verify`` (history ≡ baseline ≡ production) rather than
    reading an earlier result: nothing stores one, and the proof takes seconds. Manual before a
    baseline exists, or with ``--no-verify``.

    Fix
    ---
    ``alembic-baseline baseline create``, then ``alembic-baseline baseline verify``.
    """

    name = "baseline-tested"
    title = "開発環境でベースラインマイグレーションをテスト"


class Ci(Check):
    """The baseline passes in CI (manual).

    Why
    ---
    The proof should run on every change of the history, not once on a laptop.

    What the tool checks
    --------------------
    Nothing: a person ticks it.

    Fix
    ---
    Run ``alembic-baseline baseline verify`` in CI (exit 0 = equal).
    """

    name = "ci"
    title = "CI でベースラインマイグレーションが通ることを確認"


class NoUnfinishedRun(Check):
    """No earlier run against this database stopped midway (or is still running).

    Why
    ---
    Two runs against one database are never safe, and a run killed part-way (``kill -9``, a stopped
    machine) can leave a revision half-applied.

    What the tool checks
    --------------------
    No run record of this database still says ``running``: fails for a live run (never two at
    once) or one whose process died (it names the revision it stopped in); warns for one started
    on another machine.

    Fix
    ---
    Wait for a live run to end; after a killed run, read the doctor report's diagnoses first (the
    next ``apply`` closes the record as interrupted); check on the other machine.
    """

    name = "no-unfinished-run"
    title = "前回の適用が途中で止まっていない (no unfinished run)"


class MaintenanceWindow(Check):
    """A maintenance window is booked when the patch needs one (manual).

    Why
    ---
    Statements that hold strong locks for long block the application while they run.

    What the tool checks
    --------------------
    Nothing: a person ticks it (``alembic-baseline plan`` lists the statements that hold strong
    locks for long: item ``long-locks``).

    Fix
    ---
    Read ``alembic-baseline plan``'s lock list and book a window if it names any statement.
    """

    name = "maintenance-window"
    title = "メンテナンスウィンドウを確保（必要に応じて）"


class Health(Check):
    """The application answers after the patch.

    Why
    ---
    The runbook's アプリケーションの動作確認: a schema change the code does not expect shows here
    first.

    What the tool checks
    --------------------
    ``--health-url`` answers 2xx (the same check ``apply`` runs afterwards); manual without it.

    Fix
    ---
    Pass ``--health-url URL``; when it fails, read the application's logs.
    """

    name = "health"
    title = "アプリケーションの動作確認"


class PgStat(Check):
    """No new database errors since the check before the patch.

    Why
    ---
    Deadlocks, recovery conflicts and checksum failures after a patch point at it.

    What the tool checks
    --------------------
    ``pg_stat_database`` deltas since the previous ``check`` of the same database (each run saves
    the counters under ``.alembic-baseline/cache/pgstat/``): deadlocks, recovery conflicts and
    checksum failures fail; many rollbacks warn. The first run, or a statistics reset, is a
    warning.

    Fix
    ---
    Run ``alembic-baseline check pre-patch`` before patching (it saves the counters); on a failure
    look at the server log around the patch.
    """

    name = "pg-stat"
    title = "ログにエラーがないか確認"


class AppLogs(Check):
    """The application's logs show no new errors (manual).

    Why
    ---
    The runbook's ログにエラーがないか確認 covers the application too; the tool cannot read its
    logs.

    What the tool checks
    --------------------
    Nothing: a person ticks it.

    Fix
    ---
    Read the application's logs since the deployment.
    """

    name = "app-logs"
    title = "ログにエラーがないか確認 (application logs)"


class Performance(Check):
    """Performance did not regress (manual).

    Why
    ---
    A dropped index or a rewritten table can slow queries without any error.

    What the tool checks
    --------------------
    Nothing: a person ticks it.

    Fix
    ---
    Compare latency and ``pg_stat_statements`` with before the patch.
    """

    name = "performance"
    title = "パフォーマンスに問題がないか確認"


def all_checks() -> list[type[Check]]:
    """Every declared item (``plan``'s in ``runbook.items`` and the checklists' here), by name."""
    return registered_checks()
