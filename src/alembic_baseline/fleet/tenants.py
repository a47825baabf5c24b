"""A tenant schema target's own backup and schema verification (``fleet apply``, ``drift``).

A tenant shares its database with every other tenant, so its steps differ from a database's in
scope only:

* the backup is ``pg_dump --schema NAME --strict-names`` — that schema alone — recorded with its
  scope; ``rollback --restore`` refuses to restore it over the database and prints the commands
  that restore the schema alone (:func:`alembic_baseline.deploy.restore.schema_only`);
* the expected schema of a revision is the history replayed once on a scratch database into
  :data:`~alembic_baseline.expected.TENANT_SCRATCH_SCHEMA` (``-x tenant=`` that name), and each
  tenant is compared with it under the mapping of that name to its own. A tenant that cannot be
  compared fails its verification: it is never reported verified without the proof.
"""

from __future__ import annotations

from dataclasses import replace

from alembic_baseline.deploy import plan as pl
from alembic_baseline.deploy import run
from alembic_baseline.deploy.state import Deployment
from alembic_baseline.errors import BaselineError
from alembic_baseline.expected import (
    TENANT_SCRATCH_SCHEMA,
    SchemaCheck,
    compare_tenant_with_expected,
)
from alembic_baseline.fleet.targets import Target
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.history.sandbox import SandboxRefusal
from alembic_baseline.runbook import record as rec
from alembic_baseline.runbook.items import Backup, CheckItem, SchemaMatches, Status
from alembic_baseline.runbook.verify import VerifyItem
from alembic_baseline.settings import Settings


def scratch_project(settings: Settings, base: AlembicProject) -> AlembicProject:
    """The project replaying into the scratch tenant schema (``-x tenant=`` its name), sharing
    the loaded revision files of ``base``."""
    extra = f"tenant={TENANT_SCRATCH_SCHEMA}"
    project = AlembicProject(replace(settings, x_args=(*settings.x_args, extra)))
    project.__dict__["script"] = base.script  # the cached_property: revisions parsed once
    return project


def check(dep: Deployment, settings: Settings, schema: str, revision: str) -> SchemaCheck:
    """Tenant ``schema`` of ``dep``'s database against the expected tenant schema of
    ``revision`` (``matches`` None: it could not be compared, ``detail`` says why)."""
    try:
        return compare_tenant_with_expected(
            scratch_project(settings, dep.project),
            dep.history,
            dep.scratch,
            dep.url,
            schema,
            revision,
            dep.state.version_table.name,
            dep.options.cache_dir,
        )
    except SandboxRefusal:
        raise
    except BaselineError as exc:
        return SchemaCheck(revision, None, detail=f"schema not compared: {exc.message}")


def schema_item(check: SchemaCheck, shown: int = 5) -> VerifyItem:
    """The verification's ``schema`` item of a tenant: not compared is a failure."""
    detail = "; ".join((check.detail, *check.differences[:shown]))
    if check.matches is None:
        return VerifyItem("schema", Status.FAIL, f"not verified: {detail}")
    return VerifyItem("schema", Status.PASS if check.matches else Status.FAIL, detail)


def finish(
    dep: Deployment,
    record: rec.RunRecord,
    settings: Settings,
    target: Target,
    expected: tuple[str, ...],
    if_failed: list[str],
) -> None:
    """``deploy.run.finish`` with the tenant's schema item (see :func:`check`)."""
    assert target.schema is not None
    schema = target.schema

    def item(revision: str) -> VerifyItem:
        try:
            return schema_item(check(dep, settings, schema, revision))
        except SandboxRefusal as exc:
            return VerifyItem("schema", Status.FAIL, f"not verified: {exc.message}")

    run.finish(dep, record, expected, if_failed, item)


def plan(dep: Deployment, settings: Settings, schema: str, lint: pl.Linter) -> pl.Plan:
    """``deploy.plan.build`` for a tenant: its ``schema-matches`` item compares the tenant
    schema (not the database) with the expected tenant schema of its revision."""
    database_wide = replace(dep.options, schema_check=False, backup=False)
    built = pl.build(replace(dep, options=database_wide), lint=lint)
    item, result = _matches_item(dep, settings, schema)
    mine = {SchemaMatches.name: item, Backup.name: pl.backup_item(dep, schema)}
    swapped = tuple(mine.get(c.name, c) for c in built.checks)
    return replace(built, checks=swapped, schema=result)


def _matches_item(
    dep: Deployment, settings: Settings, schema: str
) -> tuple[CheckItem, SchemaCheck | None]:
    current = dep.state.current
    if not dep.options.schema_check:
        return SchemaMatches.item(Status.SKIPPED, "--no-schema-check"), None
    if not current:
        return SchemaMatches.item(Status.SKIPPED, "the tenant records no revision"), None
    result = check(dep, settings, schema, current[0])
    return pl.matches_item(result, "`alembic-baseline fleet drift`"), result
