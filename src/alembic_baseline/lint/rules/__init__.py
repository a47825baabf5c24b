"""The rules, one module per family, one class per rule.

The runbook's best practices: AB1xx revision files, AB2xx what a revision changes (granularity,
reversibility, schema vs data), AB3xx views, AB4xx the revision graph and its sum file.
PostgreSQL lock safety: PG1xx indexes, PG2xx constraints, PG3xx table rewrites, PG4xx
transaction and session, PG5xx changes that break the running release.
Importing this package registers every rule (see :mod:`alembic_baseline.lint.registry`).
"""

from alembic_baseline.lint.rules import (  # noqa: F401 - imported to register the rules
    changes,
    compat,
    constraints,
    files,
    graph,
    indexes,
    integrity,
    phases,
    rewrites,
    session,
    views,
)
