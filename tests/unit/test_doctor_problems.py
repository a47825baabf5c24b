"""Every doctor diagnosis is one documented unit (the lint rules' pattern): its sections are
there, the registry refuses bad or reused codes, the committed docs/doctor pages are what the
classes generate, and each problem has a case where it is found and one where it is not —
pure cases where the check is pure, else the DB test that builds the state for real."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from alembic_baseline import settings
from alembic_baseline.doctor import environment, leftovers, versions
from alembic_baseline.doctor.docs import pages
from alembic_baseline.doctor.facts import Facts
from alembic_baseline.doctor.model import Diagnosis, Severity
from alembic_baseline.doctor.registry import (
    CODE_PATTERN,
    DOC_SECTIONS,
    NAME_PATTERN,
    Problem,
    all_problems,
    find_problem,
)
from alembic_baseline.expected import VersionTable
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.history.graph import History
from alembic_baseline.pg import binaries
from alembic_baseline.pg.server import InvalidIndex
from alembic_baseline.pg.url import DatabaseURL
from tests.helpers.projects import FIXTURES, add_revision, copy_project

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs" / "doctor"
PROBLEMS = all_problems()


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: f"{p.code}-{p.name}")
def test_problem_documents_itself(problem: type[Problem]) -> None:
    assert CODE_PATTERN.match(problem.code) and NAME_PATTERN.match(problem.name)
    assert problem.title and problem.title == problem.title.strip()
    sections = problem.sections()
    assert sections["summary"], "a one-line summary first"
    for title in DOC_SECTIONS:
        assert sections.get(title), f"{problem.code}: section {title!r} missing or empty"
    assert problem.severity not in problem.other_severities
    assert problem.__module__ == "alembic_baseline.doctor.problems"


def test_codes_and_names_are_unique_and_found_by_code() -> None:
    assert len({p.code for p in PROBLEMS}) == len({p.name for p in PROBLEMS}) == len(PROBLEMS)
    assert [p.code for p in PROBLEMS] == sorted(p.code for p in PROBLEMS)
    for problem in PROBLEMS:
        assert find_problem(problem.code) is problem
    with pytest.raises(KeyError):
        find_problem("AB-D999")


@pytest.mark.parametrize(
    ("code", "name", "title"),
    [
        ("AB-D1", "ok-name", "t"),  # code format
        ("AB101", "ok-name", "t"),
        ("AB-D901", "Not_Kebab", "t"),
        ("AB-D901", "ok-name", ""),  # a title is required
        ("AB-D001", "brand-new-name", "t"),  # reused code
        ("AB-D901", "half-applied", "t"),  # reused name
    ],
)
def test_registration_refuses_bad_or_reused_codes(code: str, name: str, title: str) -> None:
    before = [p.code for p in all_problems()]
    with pytest.raises(TypeError):
        type("Bad", (Problem,), {"code": code, "name": name, "title": title, "__doc__": "x"})
    assert [p.code for p in all_problems()] == before


def test_a_severity_the_problem_does_not_declare_is_refused() -> None:
    half = find_problem("AB-D007")
    assert half.of("m", "f", severity=Severity.INFO).severity is Severity.INFO
    with pytest.raises(ValueError, match="never"):
        find_problem("AB-D008").of("m", "f", severity=Severity.INFO)


def test_no_code_literal_outside_the_declarations() -> None:
    """Diagnosing code refers to the classes: a quoted ``"AB-Dnnn"`` anywhere else in src is
    a code that could drift from its documentation."""
    literal = re.compile(r"""["']AB-D\d{3}["']""")
    found = [
        f"{path.relative_to(REPO)}:{n}"
        for path in sorted((REPO / "src").rglob("*.py"))
        if path.name != "problems.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if literal.search(line)
    ]
    assert found == []


# -- generated docs ----------------------------------------------------------------------------


def test_committed_doctor_docs_are_up_to_date() -> None:
    wanted = pages()
    present = {p.name: p.read_text(encoding="utf-8") for p in DOCS.glob("*.md")}
    stale = sorted(name for name in wanted if present.get(name) != wanted[name])
    extra = sorted(set(present) - set(wanted))
    assert not stale and not extra, (
        f"docs/doctor is out of date (stale: {stale}, extra: {extra}); regenerate with "
        "`python -m alembic_baseline.doctor.docs docs/doctor`"
    )


def test_user_docs_link_every_problem() -> None:
    index = pages()["README.md"]
    english = (REPO / "docs" / "doctor.md").read_text(encoding="utf-8")
    japanese = (REPO / "docs" / "ja" / "doctor.md").read_text(encoding="utf-8")
    assert "(doctor/README.md)" in english and "(../doctor/README.md)" in japanese
    for p in PROBLEMS:
        assert f"[`{p.name}`]({p.name}.md)" in index
        assert f"| {p.code} | [`{p.name}`](doctor/{p.name}.md) | {p.title} |" in english
        assert f"{p.code} `{p.name}`" in japanese, p.code


# -- cases: where each problem is found, and where it is not -----------------------------------

HEALTHY = "tests/db/test_doctor.py::test_a_healthy_database_has_nothing_to_report"
FOUND_BY = {
    "AB-D001": "tests/db/test_doctor.py::test_missing_and_empty_version_tables",
    "AB-D002": "tests/db/test_doctor.py::test_missing_and_empty_version_tables",
    "AB-D003": "tests/db/test_doctor.py::test_duplicate_row_is_deduplicated",
    "AB-D004": "tests/db/test_doctor.py::test_unknown_revision_deleted_or_renamed",
    "AB-D005": "tests/db/test_doctor.py::test_overlapping_rows",
    "AB-D006": "tests/db/test_doctor.py::test_multiple_heads_without_merge",
    "AB-D007": "tests/db/test_doctor_leftovers.py::"
    "test_killed_concurrent_index_is_dropped_so_the_revision_reruns",
    "AB-D008": "tests/db/test_doctor.py::test_drift_is_described_and_a_restamp_is_refused",
    "AB-D009": "tests/db/test_doctor_archived.py::test_upgrade_only_with_evidence",
    "AB-D010": "tests/db/test_doctor.py::test_wrong_revision_is_identified_and_restamped",
    "AB-D011": "tests/db/test_doctor.py::test_scratch_of_another_major_is_diagnosed",
    "AB-D012": "tests/unit/test_doctor_units.py::"
    "test_environment_problems_with_the_real_installations",
    "AB-D013": "tests/db/test_not_compared.py::test_doctor_says_the_schema_was_not_compared",
}
"""The test that builds each problem for real and asserts its code (on a real database where
the check needs one). Where it is absent: ``HEALTHY`` asserts that a healthy database has no
diagnosis at all, and the pure cases below check each pure diagnosis both ways."""


def _test_source(ref: str) -> str:
    path, name = ref.split("::")
    tree = ast.parse((REPO / path).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return ast.get_source_segment((REPO / path).read_text(encoding="utf-8"), node) or ""
    raise AssertionError(f"{ref} does not exist")


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.code)
def test_every_problem_has_a_real_case_that_finds_it(problem: type[Problem]) -> None:
    assert f'"{problem.code}"' in _test_source(FOUND_BY[problem.code])
    assert 'report["diagnoses"] == []' in _test_source(HEALTHY)


URL = DatabaseURL.parse("postgresql://app@db.example/app")


def _facts(rows: tuple[str, ...] | None, invalid: tuple[InvalidIndex, ...] = ()) -> Facts:
    """A database as ``doctor`` reads it: ``rows`` None = no version table."""
    return Facts(URL, "16.4", 16, VersionTable(), rows is not None, rows or (), invalid)


def _history(tmp: Path, extra_head: bool = False) -> History:
    ini = copy_project(FIXTURES / "doctor_app", tmp)
    if extra_head:
        versions_dir = ini.parent / "migrations" / "versions"
        add_revision(versions_dir, "bb05", "aa04", "pass", "pass")
    return History(AlembicProject(settings.load(config=str(ini))))


def _rows(rows: tuple[str, ...] | None, empty: bool = False) -> Callable[[Path], list[Diagnosis]]:
    return lambda tmp: versions.version_diagnoses(_facts(rows), _history(tmp), empty, None, None)


INDEX = InvalidIndex("public", "items", "ix_items_sku", "CREATE INDEX ix_items_sku ...", False)
PURE: dict[str, tuple[Callable[[Path], list[Diagnosis]], Callable[[Path], list[Diagnosis]]]] = {
    "AB-D001": (_rows(None), _rows(None, empty=True)),
    "AB-D002": (_rows(()), _rows(("aa02",))),
    "AB-D003": (_rows(("aa02", "aa02")), _rows(("aa02",))),
    "AB-D004": (_rows(("zz99",)), _rows(("aa02",))),
    "AB-D005": (_rows(("aa01", "aa02")), _rows(("aa02",))),
    "AB-D006": (
        lambda tmp: versions.graph_diagnoses(_history(tmp, extra_head=True)),
        lambda tmp: versions.graph_diagnoses(_history(tmp)),
    ),
    "AB-D007": (
        lambda tmp: leftovers.invalid_index_diagnoses(_facts(("aa03",), (INDEX,)), _history(tmp)),
        lambda tmp: leftovers.invalid_index_diagnoses(_facts(("aa03",)), _history(tmp)),
    ),
    "AB-D009": (_rows(("aa02",)), _rows(("aa02",))),  # absent only: found needs an archive
    "AB-D011": (
        lambda _: [d for d in [environment.scratch_problem(99, None)] if d],
        lambda _: [d for d in [environment.scratch_problem(_installed("postgres"), None)] if d],
    ),
    "AB-D012": (
        lambda _: [d for d in [environment.pg_dump_problem(99)] if d],
        lambda _: [d for d in [environment.pg_dump_problem(_installed("pg_dump"))] if d],
    ),
}
"""code → (inputs where it is found, inputs where it is absent), for the checks that need no
database (the project's files, the version table's rows as read, the installed binaries)."""
ABSENT_ONLY = {"AB-D009"}


def _installed(program: str) -> int:
    majors = [i.major for i in binaries.discover() if i.has(program)]
    if not majors:
        pytest.skip(f"no {program} installed")
    return max(majors)


@pytest.mark.parametrize("code", sorted(PURE))
def test_pure_cases(code: str, tmp_path: Path) -> None:
    found, absent = PURE[code]
    if code not in ABSENT_ONLY:
        assert code in [d.code for d in found(tmp_path / "found")]
    assert code not in [d.code for d in absent(tmp_path / "absent")]
