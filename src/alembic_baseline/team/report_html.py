"""``report -o report.html``: one self-contained HTML file (CSS, JS and data inline).

The graph is laid out in the browser by dagre (vendored in ``assets/``, MIT: see
``assets/VENDORED.md``) and drawn as SVG by ``assets/report.js``; the tables are written here.
Nothing is fetched when the file is opened.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic_baseline.errors import ExitCode
from alembic_baseline.report import dataclass_json, table
from alembic_baseline.team.report_data import DatabaseView, ReportData

if TYPE_CHECKING:
    from alembic_baseline.report import Reporter

LEGEND = ("base", "head", "merge", "branchpoint", "baseline", "bridge", "archived")


def _asset(name: str) -> str:
    return resources.files("alembic_baseline.team").joinpath("assets", name).read_text("utf-8")


def _script_safe(text: str) -> str:
    """Text that cannot end the <script> element it is inlined in."""
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def _rows(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    """An HTML table; cells are already escaped HTML."""
    if not rows:
        return "<p>None.</p>"
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _code(items: tuple[str, ...] | list[str]) -> str:
    return ", ".join(f"<code>{escape(i)}</code>" for i in items) or "—"


def _databases(dbs: tuple[DatabaseView, ...]) -> str:
    rows = []
    for db in dbs:
        drift = "<br>".join(escape(d) for d in db.drift)
        state = escape(db.schema) + (f"<br>{drift}" if drift else "")
        rows.append(
            (
                escape(db.name),
                escape(db.origin),
                _code(db.revisions),
                escape(" ".join(p for p in (db.outcome, db.when) if p)),
                str(len(db.pending)) if db.origin == "--url" else "—",
                state or "—",
            )
        )
    header = ("database", "from", "revision(s)", "last run", "pending", "schema")
    return _rows(header, rows)


def _pending(dbs: tuple[DatabaseView, ...]) -> str:
    parts = [
        f"<h3>{escape(db.name)}</h3><p>{_code(db.pending)}</p>"
        for db in dbs
        if db.origin == "--url"
    ]
    return "".join(parts) or "<p>No database given (--url / --url-env): nothing to compare.</p>"


def _findings(data: ReportData) -> str:
    rows = [
        (
            f'<span class="sev-{escape(f.severity)}">{escape(f.severity)}</span>',
            f"<code>{escape(f.code)}</code>",
            f"<code>{escape(f.revision)}</code>" if f.revision else "",
            f"<code>{escape(f.file)}:{f.line}</code>",
            escape(f.message),
        )
        for f in data.findings
    ]
    return _rows(("severity", "rule", "revision", "where", "message"), rows)


def render(data: ReportData) -> str:
    """The whole HTML document."""
    legend = "".join(f'<span class="{k}">{k}</span>' for k in LEGEND)
    legend += '<span class="db">◆ database</span>'
    notes = "".join(f"<p>{escape(n)}</p>" for n in data.notes)
    payload = _script_safe(json.dumps(data.to_json(), ensure_ascii=False))
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>alembic-baseline report: {escape(data.project)}</title>
<style>{_asset("report.css")}</style></head>
<body>
<header><h1>Migration history: {escape(data.project)}</h1>
<div>{len(data.nodes)} revisions · {len(data.databases)} database(s) · {len(data.findings)}
lint finding(s) · generated {generated} by alembic-baseline</div></header>
<main>
<section><h2>Revision graph</h2><div class="legend">{legend}</div>{notes}
<p id="graph-status">The graph needs JavaScript (inline; nothing is downloaded).</p>
<div id="graph"></div></section>
<section><h2>Databases</h2>{_databases(data.databases)}</section>
<section><h2>Pending revisions</h2>{_pending(data.databases)}</section>
<section><h2>Lint findings</h2>{_findings(data)}</section>
</main>
<script type="application/json" id="report-data">{payload}</script>
<script>{_script_safe(_asset("dagre.min.js"))}</script>
<script>{_script_safe(_asset("report.js"))}</script>
</body></html>
"""


@dataclass(frozen=True)
class ReportResult:
    """``report``: the file written and what it shows."""

    path: Path
    revisions: int
    databases: tuple[DatabaseView, ...]
    findings: int
    drift: bool
    """A given database's schema differs from (or could not be compared with) its revision."""

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.FINDINGS if self.drift else ExitCode.OK

    def to_json(self) -> Any:
        return dataclass_json(self)

    def text(self, out: Reporter) -> None:
        if not out.styled:  # a pipe or a file: the same characters without importing rich
            out.raw("\n".join(self._lines(lambda s: s)))
            return
        from rich.markup import escape as rich_escape

        for line in self._lines(rich_escape):
            out.text(line)

    def _lines(self, escape: Callable[[str], str]) -> list[str]:
        lines = [
            f"wrote {escape(str(self.path))}: {self.revisions} revisions, "
            f"{len(self.databases)} database(s), {self.findings} lint finding(s)"
        ]
        lines += [
            f"  {escape(db.name)}: {', '.join(db.revisions) or 'no revision'}"
            + (f" — {escape(db.schema)}" if db.schema else "")
            for db in self.databases
        ]
        return lines

    def markdown(self) -> str:
        lines = [f"## report `{self.path}`", "", f"{self.revisions} revisions, "
                 f"{self.findings} lint finding(s).", ""]  # fmt: skip
        if not self.databases:
            return "\n".join([*lines, "No database given and no run record found."]) + "\n"
        rows = (
            (f"`{d.name}`", d.origin, ", ".join(d.revisions) or "—", d.schema or "—")
            for d in self.databases
        )
        return (
            "\n".join([*lines, *table(("database", "from", "revision(s)", "schema"), rows)]) + "\n"
        )
