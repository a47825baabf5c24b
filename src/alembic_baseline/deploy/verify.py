"""After apply or rollback: is the database where it should be, and does the application live?

Runbook steps 7–9 (``alembic current``, ``curl -f …/api/health``, a test script), made checks:
the recorded revision equals the target, the schema equals the expected schema of the target
(a replay of the history on a scratch server, cached), an optional health URL answers 2xx within a
timeout, and optional SQL checks (run read-only) return true.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from alembic_baseline.deploy.checks import Status
from alembic_baseline.deploy.state import Deployment, read_state
from alembic_baseline.errors import BaselineError
from alembic_baseline.expected import compare_with_expected
from alembic_baseline.history.sandbox import SandboxRefusal
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.url import DatabaseURL

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


def verify(dep: Deployment, expected: tuple[str, ...]) -> Verification:
    """Every post-run check; the database is only read."""
    start = time.perf_counter()
    dep.progress("verify: revision, schema, health, checks")
    current = read_state(dep.project, dep.url).current
    items = [check_revision(current, expected)]
    if dep.options.schema_check and len(expected) == 1:
        try:
            result = compare_with_expected(
                dep.project,
                dep.history,
                dep.scratch,
                dep.url,
                expected[0],
                dep.state.version_table,
                dep.options.cache_dir,
            )
        except SandboxRefusal as exc:  # after the run: the revisions ran, the proof cannot
            items.append(VerifyItem("schema", Status.FAIL, f"not verified: {exc.message}"))
        else:
            status = {True: Status.PASS, False: Status.FAIL, None: Status.SKIPPED}[result.matches]
            detail = "; ".join((result.detail, *result.differences[:5]))
            items.append(VerifyItem("schema", status, detail))
    else:
        items.append(
            VerifyItem(
                "schema",
                Status.SKIPPED,
                "--no-schema-check"
                if not dep.options.schema_check
                else "not a single target revision",
            )
        )
    if dep.options.health_url:
        items.append(check_health(dep.options.health_url, dep.options.health_timeout))
    items += [check_sql(dep.url, q, i) for i, q in enumerate(dep.options.check_sql, start=1)]
    return Verification(tuple(items), time.perf_counter() - start)
