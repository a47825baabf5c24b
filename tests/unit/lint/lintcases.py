"""Helpers for lint tests: build revision files from snippets (no database)."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from alembic_baseline.history.checksums import SUM_FILE, SumEntry, checksum, render
from alembic_baseline.lint.config import LintConfig, from_section
from alembic_baseline.lint.engine import Target

REPO = Path(__file__).resolve().parents[3]
CASES = REPO / "tests" / "fixtures" / "lint" / "cases"

TEMPLATE = '''"""{message}

Revision ID: {revision}
Revises: {down}
"""

from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = {revision!r}
down_revision = {down_value}
branch_labels = {labels!r}
depends_on = None
{header}

def upgrade() -> None:
{upgrade}


def downgrade() -> None:
{downgrade}
'''


def _body(text: str | None) -> str:
    return textwrap.indent(textwrap.dedent(text or "pass").strip("\n"), "    ")


def revision_source(spec: Mapping[str, Any]) -> str:
    """A whole revision module from a case's ``upgrade`` / ``downgrade`` / ``header`` snippets."""
    if "source" in spec:
        return textwrap.dedent(str(spec["source"]))
    down = spec.get("down_revision")
    down_value = repr(tuple(down)) if isinstance(down, list) else repr(down)
    labels = tuple(spec["branch_labels"]) if spec.get("branch_labels") else None
    return TEMPLATE.format(
        message="Lint case.",
        revision=spec.get("revision", "a1b2c3d4e5f6"),
        down=down if isinstance(down, str) else "",
        down_value=down_value,
        labels=labels,
        header=textwrap.dedent(spec.get("header", "")),
        upgrade=_body(spec.get("upgrade")),
        downgrade=_body(spec.get("downgrade")),
    )


def write_revisions(directory: Path, specs: Sequence[Mapping[str, Any]]) -> list[Target]:
    directory.mkdir(parents=True, exist_ok=True)
    targets = []
    for spec in specs:
        revision = spec.get("revision", "a1b2c3d4e5f6")
        name = spec.get("file", f"{revision}_case.py")
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(revision_source(spec), encoding="utf-8")
        targets.append(Target(path, archived=path.parent.name == "archive"))
    return targets


def config_for(rule: str, case: Mapping[str, Any]) -> LintConfig:
    section: dict[str, Any] = {"select": [rule]}
    if "options" in case:
        section["rules"] = {rule: case["options"]}
    if "target-version" in case:
        section["target-version"] = case["target-version"]
    return from_section(section)


def write_sum(directory: Path, case: Mapping[str, Any]) -> None:
    """The sum file ``history sum`` would have written for the case's ``summed`` files (default:
    its ``files``), plus ``sum_append``; ``crlf`` rewrites the files with CRLF line endings
    afterwards (as a Windows checkout would)."""
    specs = case.get("summed", case.get("files", [case]))
    entries = [
        SumEntry(
            str(spec.get("revision", "a1b2c3d4e5f6")),
            checksum(revision_source(spec).encode()),
            str(spec.get("file", f"{spec.get('revision', 'a1b2c3d4e5f6')}_case.py")),
        )
        for spec in specs
    ]
    (directory / SUM_FILE).write_text(render(entries) + case.get("sum_append", ""), "utf-8")
    if case.get("crlf"):
        for path in directory.glob("*.py"):
            path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))


INDEX = 'op.create_index("ix_{n}", "lots", ["c{n}"])'


def index_chain(count: int) -> list[dict[str, Any]]:
    """``count`` revisions in one line, each creating an index (a PG finding each)."""
    return [
        {
            "revision": f"{n + 1:012x}",
            "down_revision": f"{n:012x}" if n else None,
            "upgrade": INDEX.format(n=n),
            "downgrade": f'op.drop_index("ix_{n}", table_name="lots")',
        }
        for n in range(count)
    ]


def two_revision_project(root: Path) -> Path:
    """A project in ``root`` (``alembic.ini``, ``alembic/versions``) of two revisions: a table,
    then an index on it without CONCURRENTLY (one finding). Returns the ``alembic.ini``."""
    write_revisions(
        root / "alembic" / "versions",
        [
            {"revision": "000000000001", "upgrade": 'op.create_table("lots")'},
            {
                "revision": "000000000002",
                "down_revision": "000000000001",
                "upgrade": 'op.create_index("ix_a", "lots", ["a"])',
                "downgrade": 'op.drop_index("ix_a", table_name="lots")',
            },
        ],
    )
    (root / "alembic" / "script.py.mako").write_text("")
    ini = root / "alembic.ini"
    ini.write_text("[alembic]\nscript_location = %(here)s/alembic\n")
    return ini
