"""Which test renders each command's result as markdown and as JSON (tests/unit/
test_presentation.py checks that every registered command is listed here)."""

from __future__ import annotations

import json
import re

DB = {
    # command path: arguments after it (the database's --url comes first), run in this order by
    # tests/db/test_every_format.py on one database, each with --format markdown and json
    "status": ("--no-schema-check",),
    "plan": ("--no-schema-check", "--out", "{tmp}/plan.sql"),
    "doctor": ("--no-schema-check",),
    "check pre-baseline": ("--no-verify",),
    "check pre-patch": (),
    "apply": ("--no-schema-check", "--no-backup"),
    "check post-apply": (),
    "rollback": ("--no-schema-check", "--no-backup", "--steps", "1"),
    "upgrade": (),
    "snapshot": ("-o", "{tmp}/snap.json"),
}
DB_BASELINE = {
    # tests/db/test_every_format.py: create → verify → archive --restore, and scratch
    # start → url → status → stop, once per format
    "baseline create", "baseline verify", "baseline archive",
    "scratch start", "scratch url", "scratch stop",
}  # fmt: skip
UNIT = {
    # rendered in-process without a database by tests/unit/test_presentation.py
    "lint", "scratch status",
}  # fmt: skip
VIEWS = {
    # too slow or too invasive for the suite to run per format (a PostgreSQL download, the
    # whole demo, a diagnosis to repair): their results are rendered from values built in
    # tests/unit/test_presentation.py
    "scratch install", "demo", "repair",
}  # fmt: skip

ELSEWHERE = {
    "fleet status": "tests/db/test_fleet_apply.py (JSON; markdown with the drift)",
    "fleet plan": "tests/db/test_fleet_apply.py (stages as JSON, markdown)",
    "fleet apply": "tests/db/test_fleet_apply.py (the --json document; markdown)",
    "fleet drift": "tests/db/test_fleet_apply.py (drifted targets as JSON, markdown)",
    "fleet manifest kubernetes": "tests/unit/test_fleet_manifest.py (YAML, and JSON)",
    "diff": "tests/db/test_snapshot_cli.py (two schemas, both formats)",
    "check models": "tests/db/test_check_models.py (differences as JSON, a match as markdown)",
    "check upgrade-with-data": "tests/db/test_upgrade_with_data.py (failures as JSON and markdown)",
    "history sum": "tests/unit/test_team_units.py (written and refused, JSON and markdown)",
    "revision rebase": "tests/db/test_team_rebase.py (a dry run as JSON and markdown)",
    "bundle": "tests/unit/test_team_bundle_units.py (JSON and markdown, offline)",
    "report": "tests/unit/test_team_report_units.py (JSON and markdown, no database)",
    "check history": "tests/db/test_testing_plugin.py (failures as JSON, a pass as markdown)",
}


def check_markdown(text: str) -> None:
    """Markdown, not JSON and not rich markup: a heading, a list, a table or a sentence."""
    assert text.strip(), "empty markdown"
    assert not text.lstrip().startswith(("{", "[{", "[\n")), text[:200]
    assert not re.search(r"\[/\]|\[(green|red|yellow|bold|dim)\]", text), text[:200]
    first = text.lstrip().splitlines()[0]
    assert first.startswith(("#", "- ", "| ", "`", "1. ")) or first[0].isupper(), first


def check_json(text: str) -> object:
    return json.loads(text)
