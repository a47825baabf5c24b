"""One ``upgrade heads`` run that calls back after every revision, with the project's own env.py.

Identifying a database's revision needs the schema after each revision of a replay. Running
``upgrade +1`` per revision would pay env.py, an engine and a connection per revision; instead the
whole history runs once and Alembic's ``on_version_apply`` hook is added to whatever env.py passes
to ``context.configure()`` (env.py's own callbacks keep running). The hook runs inside the
revision's transaction, on the migration's connection, so it sees exactly that revision's schema
(and, with one transaction for the whole run, the uncommitted work of the revisions before it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from alembic_baseline import compat
from alembic_baseline.history import prepare, sandbox
from alembic_baseline.history.graph import History

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext

    from alembic_baseline.history.driver import AlembicProject
    from alembic_baseline.pg.url import DatabaseURL


@dataclass(frozen=True)
class Step:
    """One revision applied by the replay and the version table's rows afterwards."""

    revision: str
    heads: tuple[str, ...]


StepHook = Callable[["MigrationContext", Step], None]


def upgrade_order(history: History) -> list[Step]:
    """The steps ``upgrade heads`` takes from an empty database, and the heads after each.

    Alembic's own ordering (the one a real run uses) and its head bookkeeping: a revision
    replaces the heads it revises, so after a branch point both children are heads, and a merge
    folds them back into one.
    """
    steps = compat.upgrade_steps(history.script, "heads", ())
    heads: set[str] = set()
    order = []
    for step in steps:
        rev = step.revision
        downs = compat.down_revisions(rev)
        heads = (heads - set(downs)) | {rev.revision}
        order.append(Step(rev.revision, tuple(sorted(heads))))
    return order


def _hooked_environment(cfg: Config, script: Any, fn: Any, hook: StepHook) -> Any:
    """An EnvironmentContext whose ``configure()`` (what env.py calls through ``alembic.context``)
    adds our ``on_version_apply`` callback to env.py's own."""
    from alembic.runtime.environment import EnvironmentContext

    env = EnvironmentContext(cfg, script, fn=fn, destination_rev="heads")

    def on_version_apply(
        *, ctx: MigrationContext, step: Any, heads: set[str], run_args: Any
    ) -> None:
        hook(ctx, Step(step.up_revision_id or "", tuple(sorted(heads))))

    compat.add_on_version_apply(env, on_version_apply)
    return sandbox.guard_environment(env)


def upgrade_with_hook(project: AlembicProject, url: DatabaseURL, hook: StepHook) -> None:
    """``upgrade heads`` on ``url`` calling ``hook`` after every revision (errors name the
    failed revision, as for every run of the project's revisions)."""
    script = project.script

    def steps(rev: Any, context: Any) -> Any:
        return compat.upgrade_steps(script, "heads", rev)

    def action(cfg: Config) -> None:
        with _hooked_environment(cfg, script, steps, hook):
            script.run_env()

    # The driver's run wrapper points env.py at the URL, confines it to that scratch database
    # and turns failures into MigrationError; the version table must then hold the heads.
    prepare.run(project.settings, script, url)
    result = project._run(url, "replay with fingerprints", action, scratch=True)
    if result.sandbox is not None:
        sandbox.confirm_reached(result.sandbox, script, "heads", len(result.steps))
