"""Inline ``# alembic-baseline: ignore[...]``, file-level ignores, and the findings baseline."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import LintFiles
from lintcases import revision_source

from alembic_baseline.lint import baseline
from alembic_baseline.lint.config import from_section
from alembic_baseline.lint.engine import EngineResult

PG = from_section({"select": ["PG101", "PG402", "PG503"]})


def _codes(result: EngineResult) -> list[tuple[int, str]]:
    return sorted((f.line, f.code) for f in result.findings)


def _line(spec: dict[str, str], text: str) -> int:
    lines = revision_source(spec).splitlines()
    return next(n for n, line in enumerate(lines, start=1) if text in line)


def test_inline_ignore_on_the_line_hides_only_that_code(lint_files: LintFiles) -> None:
    spec = {
        "upgrade": 'op.create_index("ix_a", "lots", ["a"])  # alembic-baseline: ignore[PG101]\n'
        'op.create_index("ix_b", "lots", ["b"])'
    }
    result = lint_files([spec], PG)
    # PG101 of ix_a is hidden; PG402 (reported on the same line) and PG101 of ix_b are not.
    assert sorted((f.code, f.line) for f in result.findings) == [
        ("PG101", _line(spec, '"ix_b"')),
        ("PG402", _line(spec, '"ix_a"')),
    ]


def test_inline_ignore_anywhere_on_a_multi_line_call(lint_files: LintFiles) -> None:
    result = lint_files(
        [
            {
                "upgrade": "op.execute(\n"
                '    "CREATE INDEX ix_a ON lots (a)"  # alembic-baseline: ignore[PG101, PG402]\n'
                ")"
            }
        ],
        PG,
    )
    assert _codes(result) == []


def test_bare_ignore_and_prefixes(lint_files: LintFiles) -> None:
    result = lint_files(
        [
            {
                "upgrade": 'op.create_index("ix_a", "lots", ["a"])  # alembic-baseline: ignore\n'
                'op.drop_column("lots", "b")  # alembic-baseline: ignore[PG5]'
            }
        ],
        PG,
    )
    assert _codes(result) == []


def test_file_level_ignore(lint_files: LintFiles) -> None:
    result = lint_files(
        [
            {
                "header": "# alembic-baseline: ignore-file[PG402]\n",
                "upgrade": 'op.create_index("ix_a", "lots", ["a"])',
            }
        ],
        PG,
    )
    assert [code for _, code in _codes(result)] == ["PG101"]


def test_a_similar_comment_in_a_string_is_not_an_ignore(lint_files: LintFiles) -> None:
    result = lint_files(
        [{"upgrade": 'op.execute("CREATE INDEX ix_a ON lots (a) -- alembic-baseline: ignore")'}],
        PG,
    )
    assert [code for _, code in _codes(result)] == ["PG101", "PG402"]


def test_baseline_hides_accepted_findings_across_line_shifts(
    lint_files: LintFiles, tmp_path: Path
) -> None:
    spec = {"upgrade": 'op.create_index("ix_a", "lots", ["a"])'}
    first = lint_files([spec], PG)
    path = tmp_path / ".alembic-baseline" / "lint-baseline.json"
    assert baseline.write(path, first.findings) == 2
    stored = json.loads(path.read_text())
    assert {e["path"] for e in stored["findings"]} == {"../versions/a1b2c3d4e5f6_case.py"}

    # Lines shift (a comment and a SET above) and a second index appears.
    shifted = lint_files(
        [
            {
                "upgrade": "# reviewed in #123\n"
                'op.create_index("ix_a", "lots", ["a"])\n'
                'op.create_index("ix_new", "lots", ["n"])'
            }
        ],
        PG,
    )
    kept, hidden = baseline.apply(shifted.findings, baseline.read(path), path.parent)
    assert hidden == 2
    assert [(f.code, "ix_new" in f.message) for f in kept] == [("PG101", True)]


def test_missing_baseline_accepts_nothing(tmp_path: Path) -> None:
    assert not baseline.read(tmp_path / "none.json")
