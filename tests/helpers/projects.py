"""Copy fixture projects, add revisions, run the CLI in-process."""

from __future__ import annotations

import io
import shutil
import textwrap
from pathlib import Path

from alembic_baseline import settings
from alembic_baseline.cli import main
from alembic_baseline.history.driver import AlembicProject

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "lot_management"
FIXTURES = REPO / "tests" / "fixtures" / "projects"


def copy_project(source: Path, dest: Path) -> Path:
    """Copy a project (without caches) into ``dest``; returns its alembic.ini.

    The sample project needs SQLAlchemy 2.0 (postgresql.DOMAIN): a test built on it is skipped
    on the oldest supported SQLAlchemy (`make test-oldest`), with that reason."""
    if source == EXAMPLE:
        from tests.helpers.versions import OLD_SQLALCHEMY

        if OLD_SQLALCHEMY:
            import pytest

            pytest.skip("the sample project's revisions need SQLAlchemy 2.0")
    target = dest / source.name
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return target / "alembic.ini"


def project(ini: Path, *x: str) -> AlembicProject:
    return AlembicProject(settings.load(config=str(ini), x_args=tuple(x)))


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def add_revision(versions: Path, rev: str, down: str, upgrade: str, downgrade: str) -> Path:
    """Write a revision file the way `alembic revision` would."""
    path = versions / f"{rev}_added_in_test.py"
    head = (
        f'"""added in test\n\nRevision ID: {rev}\nRevises: {down}\n'
        'Create Date: 2026-11-24 12:00:00\n"""\n'
        "from alembic import op\nimport sqlalchemy as sa\n\n"
        f'revision = "{rev}"\ndown_revision = "{down}"\nbranch_labels = None\n'
        "depends_on = None\n\n\n"
    )
    up = textwrap.indent(textwrap.dedent(upgrade).strip(), "    ")
    down_body = textwrap.indent(textwrap.dedent(downgrade).strip(), "    ")
    path.write_text(
        head + f"def upgrade() -> None:\n{up}\n\n\ndef downgrade() -> None:\n{down_body}\n"
    )
    return path
