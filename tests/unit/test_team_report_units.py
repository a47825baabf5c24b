"""``report`` without a database: the graph after a baseline, run records, lint findings."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from alembic_baseline.commands.report_html import report
from alembic_baseline.errors import ConfigError
from tests.helpers.baselined import (
    ARCHIVED,
    BASELINE,
    LEFT,
    MERGE,
    OLD_HEAD,
    RIGHT,
    baselined_project,
)
from tests.helpers.formats import check_markdown
from tests.helpers.projects import cli


def embedded(html: str) -> dict:  # type: ignore[type-arg]
    found = re.search(
        r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S
    )
    assert found, "no data in the page"
    return json.loads(found.group(1))  # type: ignore[no-any-return]


def test_the_graph_knows_baseline_bridge_archive_branches_and_run_records(tmp_path: Path) -> None:
    ini = baselined_project(tmp_path)
    run = ini.parent / ".alembic-baseline" / "runs" / "20261202T100000-apply-1"
    run.mkdir(parents=True)
    record = {"id": run.name, "command": "apply", "database": "prod", "outcome": "ok",
              "to_revisions": [RIGHT], "finished_at": "2026-12-02T10:00:05+00:00"}  # fmt: skip
    (run / "record.json").write_text(json.dumps(record))
    page = tmp_path / "report.html"
    code, stdout, _ = cli("-c", str(ini), "--format", "markdown", "report", "-o", str(page))
    assert code == 0, stdout
    check_markdown(stdout)
    html = page.read_text()
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html  # nothing to fetch: every script and style is inline
    data = embedded(html)
    kinds = {n["id"]: set(n["kinds"]) for n in data["nodes"]}
    assert kinds[BASELINE] >= {"baseline", "base"} and kinds[OLD_HEAD] >= {"bridge", "branchpoint"}
    assert kinds[MERGE] >= {"merge", "head"} and kinds[LEFT] == kinds[RIGHT] == set()
    assert all(kinds[f"archived:{r}"] >= {"archived"} for r in ARCHIVED)
    assert "base" in kinds[f"archived:{ARCHIVED[0]}"]
    edges = {(e["source"], e["target"], e["kind"]) for e in data["edges"]}
    assert {(LEFT, MERGE, "merge"), (RIGHT, MERGE, "merge")} <= edges
    assert (f"archived:{OLD_HEAD}", OLD_HEAD, "archive") in edges
    assert [(d["name"], d["revisions"], d["outcome"]) for d in data["databases"]] == [
        ("prod", [RIGHT], "apply ok")
    ]
    code, stdout, stderr = cli("-c", str(ini), "--json", "report", "-o", str(page))
    assert code == 0, stderr
    assert json.loads(stdout)["revisions"] == 8


SECRET_SAMPLES = (
    "postgresql://app:s3cret@db.internal/prod",
    "app:s3cret@db.internal/prod",
    "host=db password=s3cret dbname=x",
    "PGPASSWORD = 's3cret'",
    "sslpassword=s3cret",
    "ALTER ROLE app PASSWORD 's3cret'",
    "create role app with password E'se\\'cret'",
)


def test_page_data_is_what_the_generic_json_gives_with_secrets_hidden() -> None:
    from alembic_baseline.report import dataclass_json
    from alembic_baseline.team.report_data import (
        DatabaseView,
        Edge,
        FindingView,
        Node,
        ReportData,
        _text,
    )

    data = ReportData(
        project="p",
        nodes=(Node("a1", "a1", SECRET_SAMPLES[0], ("base", "head"), "versions/a1.py"),),
        edges=(Edge("a0", "a1", "parent"),),
        databases=(
            DatabaseView(SECRET_SAMPLES[1], "--url", ("a1",), pending=("b2",), drift=("x",)),
        ),
        findings=tuple(
            FindingView("AB1", "warning", "a1", "versions/a1.py", i, s)
            for i, s in enumerate(SECRET_SAMPLES)
        ),
        notes=(SECRET_SAMPLES[2],),
    )
    fast = data.to_json()
    assert fast == dataclass_json(data)
    assert "s3cret" not in json.dumps(fast) and "se\\\\'cret" not in json.dumps(fast)
    for sample in SECRET_SAMPLES:  # the shortcut never skips text redact changes
        assert _text(sample) != sample


def test_without_a_database_the_report_loads_no_deploy_machinery(tmp_path: Path) -> None:
    """``status`` (deploy, psycopg, the schema check) is imported only for ``--url``."""
    import subprocess
    import sys

    from tests.helpers.projects import FIXTURES, copy_project

    ini = copy_project(FIXTURES / "mini", tmp_path)
    code = (
        "import sys\n"
        "from alembic_baseline.cli import main\n"
        f"assert main(['-c', {str(ini)!r}, 'report', '-o', {str(tmp_path / 'r.html')!r}]) == 0\n"
        "loaded = [m for m in ('alembic_baseline.commands.deploy', 'alembic_baseline.deploy.run',"
        " 'psycopg') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "r.html").is_file()


def test_lint_runs_in_a_forked_helper_with_the_same_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``report`` lints in a forked helper while it draws the graph; the page is the same as
    when it lints in its own process, and a lint error is still the command's error. (The
    single-thread check is bypassed: the test session may run other threads.)"""
    from alembic_baseline.settings import load
    from alembic_baseline.team import forked

    ini = baselined_project(tmp_path / "proj")
    (ini.parent / "pyproject.toml").unlink(missing_ok=True)
    settings = load(config=str(ini), cwd=ini.parent)
    started: list[forked.Helper[Any, Any, Any]] = []
    real = forked.start

    def record(*args: Any, **kwargs: Any) -> Any:
        helper = real(*args, **kwargs)
        started.append(helper)
        return helper

    monkeypatch.setattr(forked, "start", record)
    monkeypatch.setattr(forked, "available", lambda: False)
    report(settings, tmp_path / "alone.html")
    assert started == [None]
    monkeypatch.setattr(forked, "available", lambda: True)
    report(settings, tmp_path / "helped.html")
    assert started[1] is not None and started[1].pid is None  # forked, and reaped
    alone, helped = (embedded((tmp_path / n).read_text()) for n in ("alone.html", "helped.html"))
    assert alone["findings"] and helped["findings"] == alone["findings"]

    (ini.parent / "pyproject.toml").write_text('[tool.alembic-baseline.lint]\nselect = ["NOPE"]\n')
    with pytest.raises(ConfigError) as caught:
        report(load(config=str(ini), cwd=ini.parent), tmp_path / "failed.html")
    assert "NOPE" in str(caught.value) and not (tmp_path / "failed.html").exists()


def test_the_lint_helper_inherits_alembic_from_the_report(tmp_path: Path) -> None:
    """The lint helper is forked once Alembic (and SQLAlchemy) are imported: on a cold lint
    cache it renders the revisions and would otherwise import them again (~0.4 s CPU)."""
    import subprocess
    import sys

    from tests.helpers.projects import FIXTURES, copy_project

    ini = copy_project(FIXTURES / "mini", tmp_path)
    seen = tmp_path / "seen.txt"
    code = (
        "import os, sys\n"
        "from alembic_baseline.cli import main\n"
        "from alembic_baseline.commands import report_html\n"
        "real = report_html._lint_rows\n"
        "def rows(settings):\n"
        f"    with open({str(seen)!r}, 'a') as f:\n"
        "        f.write(f\"{os.getpid()} {'alembic' in sys.modules}\\n\")\n"
        "    return real(settings)\n"
        "report_html._lint_rows = rows\n"
        "assert 'alembic' not in sys.modules\n"
        f"assert main(['-c', {str(ini)!r}, 'report', '-o', {str(tmp_path / 'r.html')!r}]) == 0\n"
        "print(os.getpid())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    pid, imported = seen.read_text().split()
    assert pid != out.stdout.strip()  # in the helper
    assert imported == "True"


def test_the_loaded_modules_are_frozen_while_the_report_is_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """gc.freeze() once Alembic is imported (the collections while the revisions load skip
    it), undone after."""
    import gc

    from alembic_baseline.commands import report_html
    from alembic_baseline.settings import load
    from alembic_baseline.team import forked
    from tests.helpers.projects import FIXTURES, copy_project

    ini = copy_project(FIXTURES / "mini", tmp_path / "proj")
    seen: list[int] = []
    real = report_html._lint_rows

    def rows(settings: Any) -> Any:
        seen.append(gc.get_freeze_count())
        return real(settings)

    monkeypatch.setattr(report_html, "_lint_rows", rows)
    monkeypatch.setattr(forked, "available", lambda: False)  # lint in this process
    before = gc.get_freeze_count()
    report(load(config=str(ini), cwd=ini.parent), tmp_path / "r.html")
    assert seen[0] > before == gc.get_freeze_count() == 0
