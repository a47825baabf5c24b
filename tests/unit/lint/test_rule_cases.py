"""Every rule's YAML case file: passing and failing revision snippets with the expected findings.

A case is one revision (``upgrade``/``downgrade``/``header`` snippets or a whole ``source``) or
several (``files``). ``expect`` lists findings of the case file's rule: ``at`` is a piece of the
line where it must be reported (or ``line`` its number), ``file`` the file for multi-file cases,
``message`` a piece of its message. The sum-file rules (``history-sum-*``) also get the sum
file of the case's ``summed`` files (see ``lintcases.write_sum``). Findings of other rules are
not part of the comparison.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from lintcases import CASES, config_for, revision_source, write_revisions, write_sum

from alembic_baseline import compat
from alembic_baseline.lint.engine import run
from alembic_baseline.lint.registry import all_rules, find_rule


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and "rule" in data and "cases" in data, path
    return data


def _params() -> list[Any]:
    params = []
    for path in sorted(CASES.glob("*.yaml")):
        for index, case in enumerate(_load(path)["cases"]):
            params.append(pytest.param(path, case, id=f"{path.stem}[{index}:{case['name']}]"))
    return params


def _file_name(spec: dict[str, Any]) -> str:
    return str(spec.get("file", f"{spec.get('revision', 'a1b2c3d4e5f6')}_case.py"))


def _expected_line(source: str, expect: dict[str, Any]) -> int:
    if "line" in expect:
        return int(expect["line"])
    for number, text in enumerate(source.splitlines(), start=1):
        if expect["at"] in text:
            return number
    raise AssertionError(f"no line contains {expect['at']!r}")


@pytest.mark.parametrize(("case_file", "case"), _params())
def test_rule_case(case_file: Path, case: dict[str, Any], tmp_path: Path) -> None:
    rule = find_rule(_load(case_file)["rule"])
    assert rule is not None and rule.name == case_file.stem
    specs = case.get("files", [case])
    if "postgresql_not_valid" in str(specs) and not compat.has_postgresql_not_valid():
        pytest.skip("this SQLAlchemy (1.4.27 and near) rejects postgresql_not_valid")
    targets = write_revisions(tmp_path / "versions", specs)
    if rule.name.startswith("history-sum") and not case.get("no_sum"):
        write_sum(tmp_path / "versions", case)
    result = run(targets, config_for(rule.code, case), root=tmp_path, jobs=1)

    sources = {_file_name(s): revision_source(s) for s in specs}
    default = _file_name(specs[0])
    expected = sorted(
        (e.get("file", default), _expected_line(sources[e.get("file", default)], e))
        for e in case.get("expect", [])
    )
    found = [f for f in result.findings if f.code == rule.code]
    got = sorted((Path(f.path).name, f.line) for f in found)
    assert got == expected, "\n".join(f"{f.line}: {f.message}" for f in found)
    for e in case.get("expect", []):
        if "message" in e:
            line = _expected_line(sources[e.get("file", default)], e)
            texts = [f.message for f in found if f.line == line]
            assert any(e["message"] in t for t in texts), texts
    for f in found:  # every finding says what is wrong and what to do
        assert f.message and f.hint and f.rule == rule.name


def test_every_rule_has_passing_and_failing_cases() -> None:
    files = {p.stem: _load(p) for p in CASES.glob("*.yaml")}
    for rule in all_rules():
        assert rule.name in files, f"tests/fixtures/lint/cases/{rule.name}.yaml is missing"
        cases = files[rule.name]["cases"]
        assert any(not c.get("expect") for c in cases), f"{rule.name}: no passing case"
        assert any(c.get("expect") for c in cases), f"{rule.name}: no failing case"
    assert set(files) <= {r.name for r in all_rules()}, "case file for an unknown rule"
