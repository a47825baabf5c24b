"""A project after a baseline, built from the ``mini`` fixture: its three revisions archived,
a baseline revision, the bridge (the old head's id) and, after it, a branch and its merge."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.helpers.projects import FIXTURES, copy_project

BASELINE = "baseline_20261202"
OLD_HEAD = "3c4d5e6f7a8b"
LEFT, RIGHT, MERGE = "a1b2c3d4e5f6", "b2c3d4e5f6a7", "c3d4e5f6a7b8"
ARCHIVED = ("1a2b3c4d5e6f", "2b3c4d5e6f7a", OLD_HEAD)


def _revision(versions: Path, rev: str, down: object, body: str, labels: object = None) -> None:
    (versions / f"{rev}_step.py").write_text(
        f'"""{rev} step\n\nRevision ID: {rev}\n"""\nfrom alembic import op\n\n'
        f"revision = {rev!r}\ndown_revision = {down!r}\nbranch_labels = {labels!r}\n"
        f"depends_on = None\n\n\ndef upgrade() -> None:\n    {body}\n\n\n"
        "def downgrade() -> None:\n    pass\n"
    )


def baselined_project(tmp: Path) -> Path:
    """The project's alembic.ini."""
    ini = copy_project(FIXTURES / "mini", tmp)
    migrations = ini.parent / "migrations"
    versions = migrations / "versions"
    archive = versions / "archive"
    archive.mkdir()
    for path in versions.glob("*.py"):
        shutil.move(path, archive / path.name)
    _revision(versions, BASELINE, None, 'op.execute("CREATE TABLE customers (id bigint)")',
              ("baseline",))  # fmt: skip
    _revision(versions, OLD_HEAD, BASELINE, "pass")  # the bridge
    _revision(versions, LEFT, OLD_HEAD, 'op.execute("CREATE TABLE left_side (id int)")')
    _revision(versions, RIGHT, OLD_HEAD, 'op.execute("CREATE TABLE right_side (id int)")')
    _revision(versions, MERGE, (LEFT, RIGHT), "pass")
    (migrations / "baselines").mkdir()
    manifest = {
        "revision": BASELINE, "old_head": OLD_HEAD, "sql": f"{BASELINE}.sql",
        "source": "history", "server_version": "18", "pg_dump": "18", "archived": list(ARCHIVED),
    }  # fmt: skip
    (migrations / "baselines" / f"{BASELINE}.json").write_text(json.dumps(manifest))
    return ini
