"""``bundle`` without a database: offline rendering cut per revision, guards, incomplete ranges."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from alembic_baseline.report import Reporter
from alembic_baseline.team import bundle_sql
from tests.helpers.formats import check_markdown
from tests.helpers.projects import FIXTURES, add_revision, cli, copy_project

READS_THE_DATABASE = """
n = op.get_bind().execute(sa.text("SELECT count(*) FROM customers")).scalar()
op.execute(f"COMMENT ON TABLE customers IS 'had {n} rows'")
"""


def test_an_offline_failure_is_listed_and_the_bundle_incomplete(tmp_path: Path) -> None:
    ini = copy_project(FIXTURES / "mini", tmp_path)
    versions = ini.parent / "migrations" / "versions"
    add_revision(versions, "4d5e6f7a8b9c", "3c4d5e6f7a8b", READS_THE_DATABASE, "pass")
    add_revision(versions, "5e6f7a8b9c0d", "4d5e6f7a8b9c", 'op.execute("SELECT 2")', "pass")
    out = tmp_path / "b"
    x = ("-x", "version_table=ops_versions", "-x", "version_schema=ops")
    code, stdout, _ = cli("-c", str(ini), *x, "--json", "bundle", "base:head", "-o", str(out))
    result = json.loads(stdout)
    assert code == 1 and not result["complete"]
    assert [m["revision"] for m in result["missing"]] == ["4d5e6f7a8b9c"]
    assert "4d5e6f7a8b9c" not in result["revisions"] and "5e6f7a8b9c0d" in result["revisions"]
    assert result["transactions"] == "single"  # this env.py's offline branch: one transaction
    readme = (out / "README.md").read_text()
    assert "INCOMPLETE" in readme and "4d5e6f7a8b9c" in readme
    # the revision after the gap expects the one that is missing: its guard stops there
    after = next((out / "upgrade").glob("*_5e6f7a8b9c0d.sql")).read_text()
    assert "IS DISTINCT FROM ARRAY['4d5e6f7a8b9c']::text[]" in after
    assert "to_regclass('ops.ops_versions')" in after
    apply = (out / "apply.sql").read_text().splitlines()
    assert apply.count("BEGIN;") == 1 and apply[-1] == "COMMIT;"
    subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=out, check=True)
    # markdown says it too; a bundle is never written over another
    again = ("-c", str(ini), *x, "--format", "markdown", "bundle", "base:head", "-o")
    code, stdout, _ = cli(*again, str(tmp_path / "b2"))
    check_markdown(stdout)
    assert code == 1 and "**incomplete**" in stdout and "`4d5e6f7a8b9c`" in stdout
    code, _, stderr = cli(*again, str(out))
    assert code == 2 and "not an empty directory" in stderr


def test_split_replays_the_version_table_through_a_merge() -> None:
    sql = "\n\n".join(
        [
            "BEGIN;",
            "-- Running upgrade a -> b",
            "CREATE TABLE t (x int);",
            "UPDATE alembic_version SET version_num='b' WHERE alembic_version.version_num = 'a';",
            "COMMIT;",
            "BEGIN;",
            "-- Running upgrade a -> c",
            "COMMIT;",
            "CREATE INDEX CONCURRENTLY i ON t (x);",
            "BEGIN;",
            "INSERT INTO alembic_version (version_num) VALUES ('c')"
            " RETURNING alembic_version.version_num;",
            "COMMIT;",
            "BEGIN;",
            "-- Running upgrade b, c -> m",
            "DELETE FROM alembic_version WHERE alembic_version.version_num = 'b';",
            "UPDATE alembic_version SET version_num='m' WHERE alembic_version.version_num = 'c';",
            "COMMIT;",
        ]
    )
    result = bundle_sql.split(sql, ("a",))
    assert result.mode == "per-revision" and result.version_table == "alembic_version"
    assert [(s.revision, s.heads_before, s.heads_after) for s in result.steps] == [
        ("b", ("a",), ("b",)),
        ("c", ("b",), ("b", "c")),
        ("m", ("b", "c"), ("m",)),
    ]
    assert [s.autocommit for s in result.steps] == [False, True, False]
    assert not any(s.sql.rstrip().endswith(("BEGIN;", "COMMIT;")) for s in result.steps)
    assert "ARRAY['b', 'c']::text[]" in bundle_sql.guard("alembic_version", ("c", "b"), "m")


class _RichPath(Reporter):
    """A reporter that takes the styled (rich) path but writes no colour codes."""

    @property
    def styled(self) -> bool:
        return True


def test_text_to_a_pipe_is_what_rich_prints_without_importing_it(tmp_path: Path) -> None:
    from alembic_baseline.team.bundle_render import NotRendered
    from alembic_baseline.team.bundle_result import BundleResult
    from alembic_baseline.team.report_data import DatabaseView
    from alembic_baseline.team.report_html import ReportResult

    results = [
        BundleResult(tmp_path / "b[1]", None, "head", ("a1", "b2"), (NotRendered("c3", "x [y]"),),
                     ("b2",), (), "single", 7, True),
        BundleResult(tmp_path / "b", "a1", "head", ("b2",), (), ("b2",), (), "none", 3, False),
        ReportResult(tmp_path / "r[2].html", 3, (DatabaseView("db [x]", "--url", ("a1",),
                     schema="1 difference [col]"),), 4, True),
    ]  # fmt: skip
    shown = []
    for result in results:
        plain, rich = io.StringIO(), io.StringIO()
        result.text(Reporter(plain, io.StringIO()))
        result.text(_RichPath(rich, io.StringIO()))
        assert plain.getvalue() == rich.getvalue()
        shown.append(plain.getvalue())
    assert "b[1]: 2 revision(s)" in shown[0] and "c3: x [y]" in shown[0]
    assert "db [x]: a1 — 1 difference [col]" in shown[2]
    code = (
        "import sys\n"
        "from alembic_baseline.cli import main\n"
        f"assert main(['-c', {str(copy_project(FIXTURES / 'mini', tmp_path))!r}, 'bundle', "
        f"'base:head', '-o', {str(tmp_path / 'out')!r}]) == 0\n"
        "assert 'rich' not in sys.modules\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("✓ bundle ") and "rollback: 3 revision(s)" in out.stdout
