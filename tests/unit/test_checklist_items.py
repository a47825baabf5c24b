"""Every checklist item (``plan``'s and ``check``'s) is one documented declaration with a stable
name; code builds items and names them in hints through the declarations, never by retyping."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from alembic_baseline.docstrings import sections
from alembic_baseline.doctor.items import all_checks
from alembic_baseline.runbook import checks
from alembic_baseline.runbook.items import (
    DOC_SECTIONS,
    NAME_PATTERN,
    Check,
    Downgrades,
    Status,
    find_check,
    plan_checks,
)

REPO = Path(__file__).resolve().parents[2]
CHECKS = all_checks()
DECLARATIONS = {"runbook/items.py", "doctor/items.py"}


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.name)
def test_item_documents_itself(check: type[Check]) -> None:
    assert NAME_PATTERN.match(check.name) and check.title
    found = sections(check.__doc__)
    assert found["summary"], "a one-line summary first"
    for title in DOC_SECTIONS:
        assert found.get(title), f"{check.name}: section {title!r} missing or empty"
    expected = "alembic_baseline.runbook.items" if check.plan else "alembic_baseline.doctor.items"
    assert check.__module__ == expected, "plan's items in runbook.items, check's in doctor.items"


def test_names_are_unique_and_plan_accepts_its_own() -> None:
    assert len({c.name for c in CHECKS}) == len(CHECKS)
    assert set(checks.NAMES) == {c.name for c in plan_checks()}
    assert checks.unknown_names(["downgrades", "doctor", "nope"]) == ["doctor", "nope"]
    assert find_check("downgrades") is Downgrades
    with pytest.raises(KeyError):
        find_check("nope")


@pytest.mark.parametrize(
    ("name", "title"), [("Not_Kebab", "t"), ("fine-name", ""), ("downgrades", "reused")]
)
def test_declaration_refuses_bad_or_reused_names(name: str, title: str) -> None:
    with pytest.raises(TypeError):
        type("Bad", (Check,), {"name": name, "title": title, "__doc__": "x"})
    assert all_checks() == CHECKS


def test_items_carry_the_declared_name_and_wording() -> None:
    item = Downgrades.item(Status.FAIL, "d", "h")
    assert (item.name, item.runbook, item.status) == ("downgrades", Downgrades.title, Status.FAIL)
    assert Downgrades.item(Status.PASS, "d", runbook="other").runbook == "other"
    assert Downgrades.manual("tick it").status is Status.MANUAL
    failing = checks.downgrades([])
    assert failing.name == "downgrades"


def test_no_item_name_is_retyped_in_code() -> None:
    """Items are built as ``TheCheck.item(...)`` and named in hints as ``TheCheck.name``."""
    retyped = re.compile(r"""CheckItem\(\s*["']|\bitem\(\s*["'][a-z]|--skip-check [a-z]""")
    found = []
    for path in sorted((REPO / "src" / "alembic_baseline").rglob("*.py")):
        relative = path.relative_to(REPO / "src" / "alembic_baseline").as_posix()
        text = path.read_text(encoding="utf-8")
        if relative not in DECLARATIONS and retyped.search(text):
            found.append(relative)
    assert found == []


def test_user_docs_name_every_item() -> None:
    english = (REPO / "docs" / "doctor.md").read_text(encoding="utf-8")
    english += (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
    for check in CHECKS:
        assert f"`{check.name}`" in english, check.name
    for page in ("doctor.md", "deploy.md", "ja/doctor.md", "ja/deploy.md"):
        assert "doctor/checklist-items.md)" in (REPO / "docs" / page).read_text(encoding="utf-8")
