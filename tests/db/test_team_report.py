"""``report``: the HTML page drawn by a real headless browser, with a database and its drift.

A project after a baseline (archived revisions, baseline, bridge, a branch and its merge); the
database is at one side of the branch and has a table the history does not: the page places
it on the graph, lists its pending revisions and its drift. Chromium (no network) loads the
file: one SVG node per revision, the merge's edges, the database marker, a non-blank screenshot.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.url import DatabaseURL
from tests.helpers.baselined import LEFT, MERGE, RIGHT, baselined_project
from tests.helpers.browser import distinct_colours, dump_dom, screenshot
from tests.helpers.projects import cli, project


def test_report_drawn_in_a_headless_browser(default_db: DatabaseURL, tmp_path: Path) -> None:
    ini = baselined_project(tmp_path / "proj")
    project(ini).upgrade(default_db, RIGHT)
    with connection(default_db) as conn:
        conn.execute("CREATE TABLE drift_probe (id int)")
        conn.commit()
    page = tmp_path / "report.html"
    args = ("-c", str(ini), "--json", "report", "-o", str(page), "--url", default_db.render())
    code, stdout, _ = cli(*args)
    result = json.loads(stdout)
    assert code == 1 and result["drift"]  # the schema differs from RIGHT's: exit 1
    given = result["databases"][0]
    assert given["revisions"] == [RIGHT] and given["pending"] == [LEFT, MERGE]
    assert any("drift_probe" in line for line in given["drift"])
    if default_db.password:
        assert default_db.password not in page.read_text()

    dom = dump_dom(page, tmp_path)
    assert 'data-rendered="yes"' in dom, dom[:2000]
    nodes = re.findall(r'<g class="node [^"]*" id="rev-([^"]+)"', dom)
    assert len(nodes) == 8  # 3 archived + baseline, bridge, two sides, merge
    assert dom.count('class="edge merge"') == 2 and dom.count('class="edge archive"') == 1
    assert f'class="db-marker" data-revision="{RIGHT}"' in dom
    assert "drift_probe" in dom
    assert distinct_colours(screenshot(page, tmp_path)) > 50
