"""``pytest --alembic-baseline-checks``: the built-in history checks as test items.

Items: ``alembic-baseline::single-head``, ``::upgrade-from-empty``, ``::up-down[REV]`` (one per
revision after the baseline) and ``::lint``. The up/down walk runs once, on the first ``up-down``
item of the session (or worker), and every item reports its revision's result from it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import pytest

from alembic_baseline.history.graph import History
from alembic_baseline.testing import checks
from alembic_baseline.testing.failures import reported

if TYPE_CHECKING:
    from alembic_baseline.testing.toolkit import Toolkit

NODE = "alembic-baseline"


class _State(Protocol):
    results: dict[str, Any]

    def toolkit(self) -> Toolkit: ...


class CheckFailed(Exception):
    def __init__(self, result: checks.CheckResult) -> None:
        super().__init__(result.message)
        self.result = result


class Checks(pytest.Collector):
    """The parent node of the check items (``alembic-baseline::…`` in reports)."""

    def collect(self) -> list[pytest.Item | pytest.Collector]:
        return []  # the items are made by :func:`collect` (they need the session's toolkit)


class CheckItem(pytest.Item):
    """One built-in check (``revision`` set for the per-revision up/down check)."""

    def __init__(self, *, check: str, revision: str | None, state: _State, **kw: Any) -> None:
        super().__init__(**kw)
        self.check = check
        self.revision = revision
        self.state = state

    def runtest(self) -> None:
        with reported():
            result = self._result()
        if result.status == checks.SKIP:
            pytest.skip(result.message)
        if result.status == checks.FAIL:
            raise CheckFailed(result)

    def _result(self) -> checks.CheckResult:
        kit = self.state.toolkit()
        cache = self.state.results
        if self.check == "single-head":
            return checks.single_head(History(kit.project))
        if self.check == "upgrade-from-empty":
            return checks.upgrade_from_empty(kit.templates)[0]
        if self.check == "lint":
            return checks.lint(kit.settings, kit.project)
        if "up-down" not in cache:
            skip = checks.irreversible(kit.settings)
            cache["up-down"] = {
                r.revision: r for r in checks.up_down(kit.project, kit.templates, skip)
            }
        found: checks.CheckResult | None = cache["up-down"].get(self.revision)
        if found is None:
            return checks.CheckResult(
                "up-down", checks.FAIL, "not reached by the walk", self.revision
            )
        return found

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CheckFailed):
            r = excinfo.value.result
            return "\n".join([f"{r.name}: {r.message}", *(f"  {d}" for d in r.details)])
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[str, int | None, str]:
        return NODE, None, self.nodeid


def collect(session: pytest.Session, state: _State) -> list[pytest.Item]:
    """The check items, in the order they run."""
    kit = state.toolkit()
    start = checks.walk_start(kit.project)
    revisions = History(kit.project).pending([start] if start else [])
    wanted: list[tuple[str, str | None]] = [("single-head", None), ("upgrade-from-empty", None)]
    wanted += [("up-down", r.id) for r in revisions]
    wanted.append(("lint", None))
    parent = Checks.from_parent(session, name=NODE, nodeid=NODE)
    made: list[pytest.Item] = []
    for check, revision in wanted:
        name = f"{check}[{revision}]" if revision else check
        made.append(
            CheckItem.from_parent(parent, name=name, check=check, revision=revision, state=state)
        )
    return made
