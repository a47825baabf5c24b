"""Fleet results as markdown (the text rendering is the CLI's, the JSON the results' own).

Markdown suits a CI job summary or a change ticket: one table per result, one row per target.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic_baseline.fleet.drift import FleetDrift
from alembic_baseline.fleet.probe import FleetStatus

if TYPE_CHECKING:
    from alembic_baseline.fleet.apply import FleetRun


def _cell(text: object) -> str:
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def status_markdown(st: FleetStatus) -> str:
    s = st.to_json()["summary"]
    lines = [
        "# Fleet status",
        "",
        f"Heads: {', '.join(st.heads)}. {s['targets']} target(s): {s['at_head']} at head, "
        f"{s['pending']} pending, {s['problems']} with a problem"
        + (f" (shard {st.shard})." if st.shard else "."),
        "",
        "| revision | targets |",
        "|---|---|",
    ]
    lines += [f"| {_cell(rev)} | {_cell(', '.join(names))} |" for rev, names in st.groups.items()]
    if st.problems:
        lines += ["", "| target | problem | detail |", "|---|---|---|"]
        lines += [f"| {_cell(p.name)} | {p.problem} | {_cell(p.detail)} |" for p in st.problems]
    return "\n".join(lines) + "\n"


def run_markdown(run: FleetRun) -> str:
    s = run.to_json()["summary"]
    lines = [
        "# Fleet apply",
        "",
        f"{s['targets']} target(s): {s['ok']} ok, {s['skipped']} skipped "
        f"({s['not_run']} not run), {s['failed']} failed in {s['seconds']} s"
        + (f"; stopped: {run.stopped}" if run.stopped else "")
        + (f" (shard {run.shard})." if run.shard else "."),
        "",
        "| target | outcome | from | to | error |",
        "|---|---|---|---|---|",
    ]
    for o in run.outcomes:
        j = o.to_json()
        lines.append(
            f"| {_cell(o.name)} | {o.outcome} | {_cell(j['from'])} | {_cell(j['to'])} "
            f"| {_cell(o.error)} |"
        )
    return "\n".join(lines) + "\n"


def drift_markdown(d: FleetDrift) -> str:
    s = d.to_json()["summary"]
    lines = [
        "# Fleet drift",
        "",
        f"{s['targets']} target(s): {s['matching']} matching, {s['drifted']} drifted, "
        f"{s['not_compared']} not compared; revisions replayed: "
        f"{', '.join(d.revisions) or '(none)'}.",
        "",
        "| target | revision | result | differences |",
        "|---|---|---|---|",
    ]
    word = {True: "matches", False: "drifted", None: "not compared"}
    for t in d.targets:
        what = "; ".join(t.differences) or t.detail
        lines.append(
            f"| {_cell(t.name)} | {_cell(t.revision)} | {word[t.matches]} | {_cell(what)} |"
        )
    return "\n".join(lines) + "\n"
