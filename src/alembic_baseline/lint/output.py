"""Renderers for lint findings: grouped text (rich markup), JSON, markdown, SARIF 2.1.0, GitHub
annotations.

Pure functions from findings to a string; the CLI prints it. Paths are shown relative to the
project root so the output is the same on every machine (and SARIF URIs are relative, as GitHub
code scanning expects).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Any

from alembic_baseline import __version__
from alembic_baseline.lint.model import Finding, Severity
from alembic_baseline.lint.paths import Resolver

FORMATS = ("text", "json", "markdown", "sarif", "github")
_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


@dataclass(frozen=True)
class Report:
    """What the renderers need besides the findings."""

    root: Path
    files: int = 0
    hidden: int = 0
    """Findings hidden by the baseline."""
    resolve: Resolver | None = field(default=None, compare=False, repr=False)
    """The run's resolver, which knows the findings' paths already (else a new one)."""


def display_path(path: str, root: Path, resolve: Resolver | None = None) -> str:
    """``path`` relative to the project root (pass one ``resolve`` for many paths)."""
    return (resolve or Resolver()).relative(path, root)


def _displayed(findings: Sequence[Finding], report: Report) -> Callable[[Finding], str]:
    """A finding's display path, each distinct path computed once."""
    resolve, root = report.resolve or Resolver(), report.root
    shown = {path: resolve.relative(path, root) for path in {f.path for f in findings}}
    return lambda f: shown[f.path]


def _grouped(
    findings: Sequence[Finding], report: Report
) -> Iterator[tuple[str, Iterator[Finding]]]:
    """Findings grouped by display path, ordered by path, line and code."""
    shown = _displayed(findings, report)
    ordered = sorted(findings, key=lambda f: (shown(f), f.line, f.code))
    return groupby(ordered, key=shown)


def fails(findings: Sequence[Finding], fail_on: Severity) -> bool:
    """True when the run should exit 1: a finding at or above ``fail_on``."""
    return any(f.severity >= fail_on for f in findings)


def counts(findings: Sequence[Finding]) -> dict[str, int]:
    return {s.label: sum(1 for f in findings if f.severity is s) for s in reversed(Severity)}


def render_text(findings: Sequence[Finding], report: Report, *, markup: bool = True) -> str:
    """Findings grouped by file, with rich markup (colour on a terminal); ``markup=False``: the
    same characters as rich prints the markup without colour (where no terminal styles it)."""
    escape: Callable[[str], str] = str
    if markup:
        from rich.markup import escape as escape_markup

        escape = escape_markup
    bold, colour, dim, end = ("[bold]", "[{}]", "[dim]", "[/]") if markup else ("", "", "", "")
    lines: list[str] = []
    for path, group in _grouped(findings, report):
        lines.append(f"{bold}{escape(path)}{end}")
        for f in group:
            start = colour.format(_COLOURS[f.severity])
            code = f"{start}{f.code}{end} {dim}{f.rule}{end}"
            lines.append(f"  {dim}{f.line:>4}{end}  {code}  {escape(f.message)}")
            lines.append(f"        {dim}hint:{end} {escape(f.hint)}")
        lines.append("")
    lines.append(summary(findings, report))
    text = "\n".join(lines)
    return text if markup else _plain(text)


_CONTROL = dict.fromkeys((7, 8, 11, 12, 13))
"""Control characters rich drops from printed text (``rich.control.strip_control_codes``)."""


def _plain(text: str) -> str:
    """Text as rich prints it without styles: control characters dropped, tabs expanded (per
    line, from its start, as rich does)."""
    return text.translate(_CONTROL).expandtabs(8)


def summary(findings: Sequence[Finding], report: Report) -> str:
    """``1 error, 2 warnings in 3 revision file(s); 4 accepted in the baseline.``"""
    n = counts(findings)
    plural = {"error": "errors", "warning": "warnings", "info": "info"}
    text = ", ".join(f"{v} {k if v == 1 else plural[k]}" for k, v in n.items() if v)
    tail = f"; {report.hidden} accepted in the baseline" if report.hidden else ""
    return f"{text or 'no findings'} in {report.files} revision file(s){tail}."


def render_markdown(findings: Sequence[Finding], report: Report) -> str:
    """Findings grouped by file, for a PR comment."""
    lines = [f"## alembic-baseline lint — {summary(findings, report)}", ""]
    for path, group in _grouped(findings, report):
        lines += [f"### `{path}`", ""]
        for f in group:
            lines.append(
                f"- line {f.line}: **{f.code}** `{f.rule}` ({f.severity.label}) {f.message}"
            )
            lines.append(f"  - hint: {f.hint}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def json_document(findings: Sequence[Finding], report: Report) -> dict[str, Any]:
    shown = _displayed(findings, report)
    return {
        "format": 1,
        "files": report.files,
        "hidden_by_baseline": report.hidden,
        "counts": counts(findings),
        "findings": [{**f.to_json(), "path": shown(f)} for f in findings],
    }


def render_json(findings: Sequence[Finding], report: Report) -> str:
    return json.dumps(json_document(findings, report), indent=2, ensure_ascii=False)


def _sarif_rule(rule: Any) -> dict[str, Any]:
    """A rule's whole documentation travels in the log (``help.markdown``, the page of
    docs/rules/): code scanning shows it, and no address of a published copy is needed."""
    # lazy: start-up: only SARIF output reads the rules' documentation (a warm text run
    # imports no rule)
    from alembic_baseline.lint.docs import rule_page
    from alembic_baseline.lint.registry import doc_sections

    sections = doc_sections(rule)
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary()},
        "fullDescription": {"text": sections.get("Why", rule.summary())},
        "help": {"text": sections.get("Best practice", ""), "markdown": rule_page(rule)},
        "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity]},
        "properties": {"tags": ["alembic", "postgresql", rule.code[:2]]},
    }


def render_sarif(findings: Sequence[Finding], report: Report) -> str:
    """A SARIF 2.1.0 log with one run (upload it with github/codeql-action/upload-sarif)."""
    # lazy: start-up: only SARIF output lists the rules (a warm text run imports no rule)
    from alembic_baseline.lint.registry import all_rules

    rules = all_rules()
    index = {rule.code: i for i, rule in enumerate(rules)}
    shown = _displayed(findings, report)
    results = []
    for f in findings:
        region = {"startLine": f.line, "endLine": max(f.end_line, f.line)}
        result: dict[str, Any] = {"ruleId": f.code}
        if f.code in index:
            result["ruleIndex"] = index[f.code]
        results.append(
            {
                **result,
                "level": _SARIF_LEVEL[f.severity],
                "message": {"text": f"{f.message} Hint: {f.hint}"},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {
                                "uri": shown(f),
                                "uriBaseId": "%SRCROOT%",
                            },
                            "region": region,
                        }
                    }
                ],
                "partialFingerprints": {"alembicBaselineFingerprint/v1": f.fingerprint},
            }
        )
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "alembic-baseline",
                        "version": __version__,
                        "rules": [_sarif_rule(rule) for rule in rules],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(findings: Sequence[Finding], report: Report) -> str:
    """GitHub Actions workflow commands: one annotation per finding."""
    lines = []
    shown = _displayed(findings, report)
    for f in findings:
        props = ",".join(
            [
                f"file={_escape_property(shown(f))}",
                f"line={f.line}",
                f"endLine={max(f.end_line, f.line)}",
                f"title={f.code}",
            ]
        )
        message = _escape_data(f"{f.message} Hint: {f.hint}")
        lines.append(f"::{_GITHUB_LEVEL[f.severity]} {props}::{message}")
    return "\n".join(lines)


def render(fmt: str, findings: Sequence[Finding], report: Report) -> str:
    renderer = {
        "text": render_text,
        "json": render_json,
        "markdown": render_markdown,
        "sarif": render_sarif,
        "github": render_github,
    }.get(fmt)
    if renderer is None:
        raise ValueError(f"unknown lint output format {fmt!r} (use {', '.join(FORMATS)})")
    return renderer(findings, report)
