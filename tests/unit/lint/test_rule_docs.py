"""Every rule documents itself (Why / Anti-pattern / Best practice / References), and the
committed docs/rules pages are exactly what the docstrings generate."""

from __future__ import annotations

from pathlib import Path

import pytest

from alembic_baseline.lint.docs import pages
from alembic_baseline.lint.registry import (
    CODE_PATTERN,
    DOC_SECTIONS,
    NAME_PATTERN,
    Rule,
    all_rules,
    doc_sections,
)

DOCS = Path(__file__).resolve().parents[3] / "docs" / "rules"
FAMILIES = {"AB1", "AB2", "AB3", "AB4", "PG1", "PG2", "PG3", "PG4", "PG5"}


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: f"{r.code}-{r.name}")
def test_rule_documents_itself(rule: type[Rule]) -> None:
    assert CODE_PATTERN.match(rule.code) and rule.code[:3] in FAMILIES
    assert NAME_PATTERN.match(rule.name)
    sections = doc_sections(rule)
    assert sections["summary"], "a one-line summary first"
    for title in DOC_SECTIONS:
        assert sections.get(title), f"{rule.code}: section {title!r} missing or empty"
    assert "```" in sections["Anti-pattern"], "show the anti-pattern as code"
    assert "```" in sections["Best practice"], "show the Alembic way as code"
    assert "https://" in sections["References"]
    assert rule.__module__.startswith("alembic_baseline.lint.rules.")


def test_codes_and_names_are_unique_and_modules_are_families() -> None:
    rules = all_rules()
    assert len({r.code for r in rules}) == len({r.name for r in rules}) == len(rules)
    for rule in rules:  # one module per family: all of a module's rules share a prefix
        module_rules = [r for r in rules if r.__module__ == rule.__module__]
        assert {r.code[:3] for r in module_rules} == {rule.code[:3]}


def test_committed_rule_docs_are_up_to_date() -> None:
    wanted = pages()
    present = {p.name: p.read_text(encoding="utf-8") for p in DOCS.glob("*.md")}
    stale = sorted(name for name in wanted if present.get(name) != wanted[name])
    extra = sorted(set(present) - set(wanted))
    assert not stale and not extra, (
        f"docs/rules is out of date (stale: {stale}, extra: {extra}); regenerate with "
        "`alembic-baseline lint --write-docs docs/rules`"
    )


def test_index_lists_every_rule() -> None:
    index = pages()["README.md"]
    for rule in all_rules():
        assert f"[`{rule.name}`]({rule.name}.md)" in index
        assert rule.summary().replace("|", "\\|") in index
