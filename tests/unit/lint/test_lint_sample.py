"""The sample project's history (examples/lot_management), linted: exactly these findings.

Each expected finding was reviewed against the revision: plain CREATE INDEX on live tables,
CHECK/FOREIGN KEY without NOT VALID, renames and a dropped column, a GENERATED column added to
a populated table, a varchar→int type change, an UPDATE next to DDL, views re-created after a
DROP VIEW without CASCADE, no lock_timeout before lock-heavy DDL, and the renames, the drop and
the type change in pre-deploy revisions (no revision of the sample declares phase = "post").
Things the history does right produce nothing: the CONCURRENTLY index inside an autocommit
block, the enum values used only in later revisions, the view rebuilt with DROP ... CASCADE
that re-creates its dependant.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from alembic_baseline import compat
from alembic_baseline import settings as settings_module
from alembic_baseline.commands.lint import LintOptions, lint

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "lot_management"
VERSIONS = EXAMPLE / "alembic" / "versions"

pytestmark = pytest.mark.skipif(
    not (VERSIONS.is_dir() and any(VERSIONS.glob("*.py"))),
    reason="examples/lot_management is not there yet",
)

EXPECTED: dict[str, list[tuple[int, str]]] = {
    "071acca60ff0": [(27, "PG402")],
    "09dc841d3b8f": [(43, "PG402"), (43, "PG502"), (43, "PG505")],
    "0aacc41f3dbe": [
        (23, "PG101"),
        (23, "PG402"),
        (24, "PG101"),
        (25, "PG101"),
        (26, "PG101"),
        (27, "PG101"),
        (28, "PG101"),
    ],
    "1192b0cfe0f7": [(24, "PG101"), (24, "PG402"), (30, "PG101")],
    "17f79672b195": [(25, "AB301")],
    "338f4f5105b8": [(46, "PG402")],
    "37bbeb0c2bcd": [(80, "PG402")],
    "3f568b996af7": [(24, "PG402"), (25, "PG101")],
    "45c2593fef5c": [(115, "PG402"), (120, "PG101"), (127, "PG202"), (130, "PG202")],
    "45c92fbfa5cc": [(23, "PG402"), (41, "PG202")],
    "46f962399dff": [(23, "PG302"), (23, "PG402"), (33, "PG101")],
    "5e7342d40a8d": [(24, "PG301"), (24, "PG402"), (24, "PG505"), (32, "PG202")],
    "66a63af7f438": [(23, "PG402"), (35, "PG202")],
    "730918613044": [(82, "PG402")],
    "79dcd624e69c": [(23, "PG402"), (27, "PG202")],
    "87e77121f3ff": [(23, "PG402"), (29, "PG201"), (39, "PG201"), (47, "PG101"), (48, "PG101")],
    "8c47d50b84ed": [(24, "PG402")],
    "98887c3c8b26": [(23, "PG402"), (23, "PG502"), (23, "PG505")],
    "a3ae9e58a78d": [(24, "PG402"), (24, "PG503"), (24, "PG505")],
    "a79dbb359e5e": [(25, "PG402"), (29, "PG202")],
    "ae5348b3d5dd": [(24, "PG402"), (25, "PG201"), (33, "PG101")],
    "b2a2934f788b": [(24, "AB301"), (54, "AB301")],
    "db3344049085": [(32, "AB301"), (57, "AB301")],
    "dfab40bca45b": [(39, "PG402")],
    "f167cb4af734": [(23, "PG402"), (23, "PG501"), (23, "PG505"), (32, "AB204"), (37, "PG201")],
    "f30373801237": [(25, "PG101"), (25, "PG402")],
}


def _settings(project: Path) -> settings_module.Settings:
    return settings_module.load(config=str(project / "alembic.ini"), environ={}, cwd=project)


def _found(project: Path) -> dict[str, list[tuple[int, str]]]:
    result = lint(_settings(project), options=LintOptions(cache=False, use_baseline=False, jobs=1))
    found: dict[str, list[tuple[int, str]]] = {}
    for f in result.findings:
        found.setdefault(Path(f.path).name[:12], []).append((f.line, f.code))
    return {k: sorted(v) for k, v in found.items()}


# The sample's revisions use postgresql.DOMAIN (SQLAlchemy 2.0): on 1.4 they cannot render.
needs_sqlalchemy_2 = pytest.mark.skipif(
    compat.sqlalchemy_version() < (2,), reason="the sample project needs SQLAlchemy 2.0"
)


@needs_sqlalchemy_2
def test_sample_history_findings_are_exactly_the_reviewed_ones() -> None:
    assert _found(EXAMPLE) == EXPECTED


@needs_sqlalchemy_2
def test_sample_history_every_revision_renders_offline_and_parses() -> None:
    result = lint(
        _settings(EXAMPLE),
        options=LintOptions(cache=False, select=("AB103", "AB104"), use_baseline=False),
    )
    assert result.findings == ()
    assert result.files == len(list(VERSIONS.glob("*.py")))


def test_a_lost_dependant_view_in_the_sample_is_caught(tmp_path: Path) -> None:
    project = tmp_path / "lot_management"
    shutil.copytree(EXAMPLE, project)
    revision = next((project / "alembic" / "versions").glob("9229155f8cb7_*.py"))
    text = revision.read_text(encoding="utf-8")
    assert "CREATE VIEW v_lot_expiry_alerts AS" in text
    revision.write_text(
        text.replace("CREATE VIEW v_lot_expiry_alerts AS", "CREATE VIEW v_expiry_alerts_v2 AS"),
        encoding="utf-8",
    )
    result = lint(
        _settings(project),
        options=LintOptions(cache=False, select=("AB302",), use_baseline=False, jobs=1),
    )
    (finding,) = result.findings
    assert Path(finding.path).name.startswith("9229155f8cb7")
    assert "DROP VIEW IF EXISTS v_inventory_summary CASCADE" in text.splitlines()[finding.line - 1]
    assert "also drops v_lot_expiry_alerts (" in finding.message
