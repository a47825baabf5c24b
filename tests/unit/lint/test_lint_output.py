"""Renderers: grouped text, JSON, SARIF 2.1.0 (structure checked against the spec), GitHub."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from alembic_baseline.lint.model import Finding, Severity
from alembic_baseline.lint.output import Report, fails, render, render_github
from alembic_baseline.lint.registry import all_rules

ROOT = Path("/project")
FINDINGS = [
    Finding(
        "PG101",
        "create-index-concurrently",
        Severity.WARNING,
        "/project/alembic/versions/a1_add.py",
        12,
        "CREATE INDEX ix_a on existing table lots [blocks] writes.",
        "Use postgresql_concurrently=True, 100% of the time: really.",
        subject="upgrade: CREATE INDEX ix_a ON lots (a)",
        end_line=14,
    ),
    Finding(
        "AB201",
        "downgrade-implemented",
        Severity.ERROR,
        "/project/alembic/versions/a1_add.py",
        30,
        "downgrade() does nothing.",
        "Undo it.",
    ),
    Finding(
        "AB104",
        "offline-sql-renders",
        Severity.INFO,
        "/project/alembic/versions/b2_other.py",
        3,
        "Line one\nline two, with: colons",
        "h",
    ),
]
REPORT = Report(root=ROOT, files=2, hidden=1)


def test_text_groups_by_file_and_escapes_markup() -> None:
    text = render("text", FINDINGS, REPORT)
    first, second = text.index("alembic/versions/a1_add.py"), text.index("b2_other.py")
    assert first < text.index("PG101") < text.index("AB201") < second
    assert "\\[blocks]" in text  # rich markup in messages is escaped, not interpreted
    assert "hint:" in text
    assert text.rstrip().endswith(
        "1 error, 1 warning, 1 info in 2 revision file(s); 1 accepted in the baseline."
    )


def test_json_is_machine_readable() -> None:
    data = json.loads(render("json", FINDINGS, REPORT))
    assert data["counts"] == {"error": 1, "warning": 1, "info": 1}
    assert data["hidden_by_baseline"] == 1
    first = data["findings"][0]
    assert first["path"] == "alembic/versions/a1_add.py"
    assert first["severity"] == "warning" and first["end_line"] == 14
    assert len(first["fingerprint"]) == 16


def _check_sarif(log: dict[str, Any]) -> None:
    """Required properties and types of the parts of SARIF 2.1.0 that we emit."""
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    assert isinstance(log["runs"], list) and len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert isinstance(driver["name"], str) and driver["name"]
    rules = driver["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("none", "note", "warning", "error")
        # the rule's documentation is in the log itself (no address of a published copy)
        assert "helpUri" not in rule and "## Why" in rule["help"]["markdown"], rule["id"]
    for result in run["results"]:
        assert result["level"] in ("none", "note", "warning", "error")
        assert isinstance(result["message"]["text"], str) and result["message"]["text"]
        index = result["ruleIndex"]
        assert isinstance(index, int) and index >= 0 and rules[index]["id"] == result["ruleId"]
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        assert not uri.startswith("/") and "\\" not in uri  # relative, as code scanning wants
        region = physical["region"]
        assert 1 <= region["startLine"] <= region["endLine"]
        assert all(isinstance(v, str) for v in result["partialFingerprints"].values())


def test_sarif_is_valid_2_1_0() -> None:
    log = json.loads(render("sarif", FINDINGS, REPORT))
    _check_sarif(log)
    run = log["runs"][0]
    assert len(run["tool"]["driver"]["rules"]) == len(all_rules())
    levels = [r["level"] for r in run["results"]]
    assert levels == ["warning", "error", "note"]
    assert run["results"][0]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 12,
        "endLine": 14,
    }


def test_sarif_without_findings_is_still_a_valid_log() -> None:
    _check_sarif(json.loads(render("sarif", [], REPORT)))


def test_github_annotations_escape_data_and_properties() -> None:
    lines = render_github(FINDINGS, REPORT).splitlines()
    assert lines[0].startswith(
        "::warning file=alembic/versions/a1_add.py,line=12,endLine=14,title=PG101::CREATE INDEX"
    )
    assert "100%25 of the time" in lines[0]
    assert lines[1].startswith("::error file=alembic/versions/a1_add.py,line=30,")
    assert lines[2].startswith("::notice ")
    assert "Line one%0Aline two, with: colons" in lines[2]
    assert len(lines) == 3


def test_fail_on_threshold() -> None:
    assert fails(FINDINGS, Severity.ERROR)
    assert not fails(FINDINGS[2:], Severity.WARNING)
    assert fails(FINDINGS[2:], Severity.INFO)
    assert not fails([], Severity.INFO)


def test_plain_text_is_what_rich_prints_without_a_terminal(tmp_path: Path) -> None:
    """``lint`` writes findings as plain text where no terminal styles them (rich is slow on
    thousands of lines): the characters must be those rich prints from the markup."""
    import io

    from rich.console import Console

    from alembic_baseline.lint.output import render_text

    tricky = Finding(
        "PG999",
        "tricky",
        Severity.WARNING,
        str(tmp_path / "versions" / "c3 [x].py"),
        7,
        "SELECT '[bold]x[/]'\tAS a,\r\\[y] 100% \\ ok\x07",
        "tab\there; [red]not markup[/red]\\ and a backslash",
    )
    findings = [*FINDINGS, tricky]
    report = Report(root=tmp_path, files=3, hidden=1)
    buffer = io.StringIO()
    console = Console(file=buffer, highlight=False, soft_wrap=True)
    assert console.color_system is None  # what Reporter.styled reads
    console.print(render_text(findings, report))
    assert render_text(findings, report, markup=False) + "\n" == buffer.getvalue()
    assert "[red]not markup[/red]" in buffer.getvalue()


def test_reporter_styled_agrees_with_rich(monkeypatch: Any) -> None:
    """``Reporter.styled`` answers without rich when rich would surely not style the stream,
    and asks rich otherwise (FORCE_COLOR styles even a pipe)."""
    import io

    from rich.console import Console

    from alembic_baseline.report import Reporter

    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(name, raising=False)
    plain = Reporter(io.StringIO(), io.StringIO())
    assert plain.styled is False
    assert plain._out is None  # answered without making a rich console
    assert Console(file=io.StringIO()).color_system is None
    monkeypatch.setenv("FORCE_COLOR", "1")
    forced = Reporter(io.StringIO(), io.StringIO())
    assert forced.styled is (Console(file=io.StringIO()).color_system is not None) is True
