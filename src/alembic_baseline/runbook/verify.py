"""The checks after a change (apply, rollback, repair) and in the checklists: is the database
where it should be, and does the application live?

Runbook steps 7–9 (``alembic current``, ``curl -f …/api/health``, a test script), made checks:
the recorded revision equals the target, the schema equals the expected schema of the target
(a replay of the history on a scratch server, cached), an optional health URL answers 2xx within a
timeout, and optional SQL checks (run read-only) return true. ``deploy.verify`` runs them after a
run; ``repair`` and ``check post-apply`` reuse them.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from alembic_baseline.errors import BaselineError
from alembic_baseline.expected import SchemaCheck
from alembic_baseline.history.sandbox import SandboxRefusal
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.runbook.items import Status

HEALTH_POLL_S = 0.5


@dataclass(frozen=True)
class VerifyItem:
    name: str
    status: Status
    detail: str


@dataclass(frozen=True)
class Verification:
    """The checks after a run; ``ok`` when none failed."""

    items: tuple[VerifyItem, ...]
    seconds: float

    @property
    def ok(self) -> bool:
        return all(i.status is not Status.FAIL for i in self.items)

    @property
    def failed(self) -> list[VerifyItem]:
        return [i for i in self.items if i.status is Status.FAIL]


def check_revision(current: tuple[str, ...], expected: tuple[str, ...]) -> VerifyItem:
    shown = ", ".join(current) or "(none)"
    if tuple(sorted(current)) == tuple(sorted(expected)):
        return VerifyItem("revision", Status.PASS, f"the database records {shown}")
    return VerifyItem(
        "revision",
        Status.FAIL,
        f"the database records {shown}, expected {', '.join(expected) or '(none)'}",
    )


def check_health(url: str, timeout: float) -> VerifyItem:
    """GET ``url`` until it answers 2xx or ``timeout`` seconds pass (the app may be restarting)."""
    if not url.startswith(("http://", "https://")):
        return VerifyItem("health", Status.FAIL, f"{url!r} is not an http(s) URL")
    deadline = time.monotonic() + timeout
    last = "no answer"
    while True:
        remaining = deadline - time.monotonic()
        try:
            request = urllib.request.Request(url, headers={"User-Agent": "alembic-baseline"})
            with urllib.request.urlopen(request, timeout=max(0.1, min(remaining, 5.0))) as resp:
                if 200 <= resp.status < 300:
                    return VerifyItem("health", Status.PASS, f"{url} answered {resp.status}")
                last = f"HTTP {resp.status}"
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            last = str(getattr(exc, "reason", exc))
        if time.monotonic() + HEALTH_POLL_S > deadline:
            return VerifyItem(
                "health",
                Status.FAIL,
                f"{url} did not answer 2xx within {timeout:g} s (last: {last})",
            )
        time.sleep(HEALTH_POLL_S)


def check_sql(url: DatabaseURL, query: str, index: int) -> VerifyItem:
    """Run a check query in a READ ONLY transaction; it passes when it returns true."""
    name = f"sql-{index}"
    try:
        with connection(url, autocommit=False) as conn:
            conn.execute("SET TRANSACTION READ ONLY")
            # The user's own check query, run as given: bytes, because it is not a literal.
            row = conn.execute(query.encode()).fetchone()
            conn.rollback()
    except BaselineError as exc:
        return VerifyItem(name, Status.FAIL, f"{query}: {exc.message}")
    except Exception as exc:  # psycopg.Error: the query is the user's, so is its error
        return VerifyItem(name, Status.FAIL, f"{query}: {str(exc).strip().splitlines()[0]}")
    if row is not None and row[0] is True:
        return VerifyItem(name, Status.PASS, f"{query}: true")
    return VerifyItem(name, Status.FAIL, f"{query}: returned {row[0] if row else 'no row'!r}")


MATCH_STATUS = {True: Status.PASS, False: Status.FAIL, None: Status.SKIPPED}
"""A :class:`SchemaCheck`'s ``matches`` as a status (None: could not be compared)."""


def check_schema(run: Callable[[], SchemaCheck], shown: int = 5) -> VerifyItem:
    """``schema``: the database against the expected schema of the revision just reached, with
    the first ``shown`` differences. The change is done by then: a sandbox refusal fails the
    item (only the proof was refused) instead of hiding the run's outcome."""
    try:
        result = run()
    except SandboxRefusal as exc:
        return VerifyItem("schema", Status.FAIL, f"not verified: {exc.message}")
    detail = "; ".join((result.detail, *result.differences[:shown]))
    return VerifyItem("schema", MATCH_STATUS[result.matches], detail)
