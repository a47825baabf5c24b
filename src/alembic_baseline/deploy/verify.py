"""After apply or rollback: the checks of :mod:`alembic_baseline.runbook.verify`, run on the
deployment (revision, schema, health URL, SQL checks); the database is only read."""

from __future__ import annotations

import time
from collections.abc import Callable

from alembic_baseline.deploy.state import Deployment, read_state
from alembic_baseline.expected import compare_with_expected
from alembic_baseline.runbook.items import Status
from alembic_baseline.runbook.verify import (
    Verification,
    VerifyItem,
    check_health,
    check_revision,
    check_schema,
    check_sql,
)


def verify(
    dep: Deployment,
    expected: tuple[str, ...],
    schema: Callable[[str], VerifyItem] | None = None,
) -> Verification:
    """Every post-run check; the database is only read. ``schema``: the schema item for the
    revision reached, when the target is not a whole database (a fleet's tenant schema)."""
    start = time.perf_counter()
    dep.progress("verify: revision, schema, health, checks")
    current = read_state(dep.project, dep.url).current
    items = [check_revision(current, expected)]
    if dep.options.schema_check and len(expected) == 1 and schema is not None:
        items.append(schema(expected[0]))
    elif dep.options.schema_check and len(expected) == 1:
        items.append(
            check_schema(
                lambda: compare_with_expected(
                    dep.project,
                    dep.history,
                    dep.scratch,
                    dep.url,
                    expected[0],
                    dep.state.version_table,
                    dep.options.cache_dir,
                )
            )
        )
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
