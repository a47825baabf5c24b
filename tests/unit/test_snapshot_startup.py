"""``snapshot --url`` starts its catalog queries before it creates the snapshot's classes: the
modules the command imports up to ``inspect`` hold none of them (they are imported inside
``inspect._read`` once the reading lanes run, while the server works)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

_CLASSES = (
    "alembic_baseline.snapshot.model",
    "alembic_baseline.snapshot.objects",
    "alembic_baseline.snapshot.kinds",
    "alembic_baseline.snapshot.loaders",
    "alembic_baseline.snapshot.inventory",
    "alembic_baseline.history.checksums",
)


def _modules(code: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALEMBIC_BASELINE")}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    modules: list[str] = json.loads(done.stdout.splitlines()[-1])
    return modules


def test_the_snapshot_command_reaches_inspect_without_the_snapshot_classes() -> None:
    modules = _modules(
        """
        import json, sys
        import alembic_baseline.cli.snapshot
        import alembic_baseline.commands.snapshot
        from alembic_baseline.snapshot import InspectOptions, inspect, sources
        from alembic_baseline.snapshot.parallel import reading
        print(json.dumps(sorted(sys.modules)))
        """
    )
    assert "alembic_baseline.snapshot.inspect" in modules
    assert [m for m in _CLASSES if m in modules] == []


def test_the_package_still_gives_the_model_names() -> None:
    from alembic_baseline import snapshot
    from alembic_baseline.snapshot import model

    assert snapshot.Snapshot is model.Snapshot
    assert snapshot.FORMAT_VERSION == model.FORMAT_VERSION
    assert callable(snapshot.inspect)  # the function, not the submodule
    assert sorted(snapshot.__all__) == sorted(
        ["FORMAT_VERSION", "CatalogObject", "InspectOptions", "ObjectKey", "Snapshot", "inspect"]
    )
