"""Deploy building blocks without a database: downgrade checks, options, records, names."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from alembic_baseline import settings
from alembic_baseline.deploy import options, rollback
from alembic_baseline.errors import ConfigError, UnsafeError
from alembic_baseline.history import code
from alembic_baseline.history.graph import Revision
from alembic_baseline.runbook import backup, checks, record
from alembic_baseline.runbook.items import Status


def _rev(tmp_path: Path, downgrade_body: str, name: str = "r1") -> Revision:
    path = tmp_path / f"{name}.py"
    path.write_text(
        "from alembic import op\n\ndef upgrade():\n"
        "    with op.get_context().autocommit_block():\n        op.execute('SELECT 1')\n\n"
        f"def downgrade():\n{downgrade_body}\n"
    )
    return Revision(name, (), f"message {name}", path)


@pytest.mark.parametrize(
    ("body", "real"),
    [
        ("    pass", False),
        ('    """Irreversible."""\n    raise NotImplementedError()', False),
        ("    ...", False),
        ("    op.drop_table('t')", True),
        ('    """Undo."""\n    op.execute("DROP VIEW v")', True),
    ],
)
def test_real_downgrade_by_ast(tmp_path: Path, body: str, real: bool) -> None:
    rev = _rev(tmp_path, body)
    assert code.has_real_downgrade(rev.path) is real
    assert code.uses_autocommit_block(rev.path)
    item = checks.downgrades([rev])
    assert item.status is (Status.PASS if real else Status.FAIL)
    if real:
        rollback.require_downgrades([rev])
    else:
        with pytest.raises(UnsafeError, match="no real downgrade"):
            rollback.require_downgrades([rev])


MERGE = (
    '"""merge heads\n\nRevision ID: m1\nRevises: a1, b1\n"""\n'
    'revision = "m1"\ndown_revision = ("a1", "b1")\nbranch_labels = None\ndepends_on = None\n\n\n'
    "def upgrade() -> None:\n    pass\n\n\ndef downgrade() -> None:\n    pass\n"
)
BRIDGE = (
    'revision = "f30373801237"\ndown_revision = "baseline_20260119"\n\n\n'
    'def upgrade() -> None:\n    """Nothing to do: the baseline built this schema."""\n\n\n'
    'def downgrade() -> None:\n    """Nothing to undo: the baseline\'s downgrade does."""\n'
)


@pytest.mark.parametrize(
    ("source", "real"),
    [
        (MERGE, True),  # `alembic merge heads`: nothing changed, nothing to undo
        (BRIDGE, True),  # the baseline's bridge revision
        (MERGE.replace("    pass\n", "    op.drop_table('t')\n", 1), False),  # a merge that changes
        (MERGE.rsplit("    pass", 1)[0] + "    raise NotImplementedError()\n", False),
        (MERGE.rsplit("\n\n\ndef downgrade", 1)[0] + "\n", False),  # no downgrade() at all
    ],
    ids=["merge", "bridge", "merge-with-upgrade", "no-op-raising-downgrade", "no-downgrade"],
)
def test_revisions_that_change_nothing_pass_the_downgrade_check(
    tmp_path: Path, source: str, real: bool
) -> None:
    path = tmp_path / "m1_merge.py"
    path.write_text(source)
    rev = Revision("m1", ("a1", "b1"), "merge heads", path)
    assert code.has_real_downgrade(path) is real
    item = checks.downgrades([rev])
    assert item.status is (Status.PASS if real else Status.FAIL)
    if real:
        assert "change nothing" in item.detail
        rollback.require_downgrades([rev])
    else:
        with pytest.raises(UnsafeError, match="no real downgrade"):
            rollback.require_downgrades([rev])


def test_failing_items_respect_skip_by_name() -> None:
    items = [
        checks.item("downgrades", Status.FAIL, "x"),
        checks.item("long-locks", Status.WARN, "y"),
    ]
    assert [i.name for i in checks.failing(items, ())] == ["downgrades"]
    assert checks.failing(items, ("downgrades",)) == []
    assert checks.unknown_names(["backup", "nope"]) == ["nope"]


def test_options_from_pyproject_then_flags(tmp_path: Path) -> None:
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = x\n")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.alembic-baseline.deploy]\nbackup_dir = "bk"\nlock_timeout = "2s"\n'
        'check_sql = "SELECT true"\nreference_tables = ["uom"]\n'
    )
    s = settings.load(config=str(tmp_path / "alembic.ini"))
    o = options.from_settings(s, lock_timeout="750ms", health_url=None)
    assert o.backup_dir == tmp_path / "bk" and o.lock_timeout == "750ms"
    assert o.check_sql == ("SELECT true",) and o.reference_tables == ("uom",)
    assert o.runs_dir == tmp_path / ".alembic-baseline" / "runs"
    with pytest.raises(ConfigError):
        options.from_settings(s, lock_timeout="5s; DROP TABLE x")
    (tmp_path / "pyproject.toml").write_text("[tool.alembic-baseline.deploy]\nbackupdir = 1\n")
    with pytest.raises(ConfigError, match="backupdir"):
        options.from_settings(settings.load(config=str(tmp_path / "alembic.ini")))


def test_backup_names_of_long_identifiers_fit_the_file_system(tmp_path: Path) -> None:
    """63-byte database and tenant schema names with long revision ids (two heads) would pass
    255 bytes: the name keeps database, schema and time, is distinct per input, and can be made."""
    at = datetime(2026, 1, 19, 14, 30, 22, tzinfo=UTC)
    db, schema = "d" * 63, "tenant_" + "é" * 28  # 63 bytes each
    heads = ("a" * 40 + "_add_a_long_named_column", "b" * 40 + "_merge_the_two_branches")
    one = backup.file_name(db, heads, heads[:1], at, schema)
    two = backup.file_name(db, heads[:1], heads, at, schema)
    assert one != two and len(one.encode()) <= 200 and one.endswith(".dump")
    assert one.startswith(f"{db}.tenant_") and "20260119T143022Z" in one
    (tmp_path / one).write_bytes(b"")  # the file system takes it
    short = backup.file_name("db", ("a1",), ("b2",), at, "t")
    assert short == "db.t_20260119T143022Z_a1_to_b2.dump"


def test_backup_name_and_space() -> None:
    at = datetime(2026, 1, 19, 14, 30, 22, tzinfo=UTC)
    name = backup.file_name("lot management", ("a1",), ("f3", "e2"), at)
    assert name == "lot_management_20260119T143022Z_a1_to_f3+e2.dump"
    assert backup.file_name("db", (), (), at).endswith("_base_to_base.dump")
    check = backup.space_for(Path("/nonexistent/deeper"), 10, 10**18)
    assert not check.ok and check.needed == 10 + 10**18
    with pytest.raises(backup.BackupError, match="Not enough space"):
        backup.require_space(check)


def test_archive_toc_names() -> None:
    toc = [
        "TABLE public customers postgres",
        "MATERIALIZED VIEW public mv_stock app",
        "FUNCTION public lot_descendants(bigint) postgres",
        "TABLE DATA public customers postgres",
        "INDEX public ix_x postgres",
    ]
    assert rollback.in_archive(toc) == {
        ("public", "customers"),
        ("public", "mv_stock"),
        ("public", "lot_descendants(bigint)"),
    }


def test_record_markdown_and_load(tmp_path: Path) -> None:
    r = record.start(tmp_path, "apply", "postgresql://app:***@db/lot")
    r.from_revisions, r.to_revisions = ("a1",), ("b2",)
    r.steps.append(record.StepRecord("b2", "add note", "upgrade", "failed", 0.5, "boom"))
    r.outcome = "failed"
    r.next_steps = ["Fix revision b2."]
    record.save(r)
    md = (tmp_path / r.id / "record.md").read_text()
    assert (
        "# alembic-baseline apply — failed" in md and "| `b2` | upgrade: add note | failed |" in md
    )
    loaded = record.load(tmp_path, r.id)
    assert loaded.from_revisions == ("a1",) and loaded.backup is None and loaded.outcome == "failed"
    with pytest.raises(ConfigError, match="No apply run with a backup"):
        record.load(tmp_path, "latest")


def _write_record(runs: Path, run_id: str, **fields: object) -> Path:
    data = {"id": run_id, "command": "apply", "database": "postgresql://db/prod"}
    data.update(fields)
    (runs / run_id).mkdir(parents=True)
    path = runs / run_id / "record.json"
    path.write_text(json.dumps(data))
    (runs / run_id / "record.md").write_text("# apply\n")
    return path


def test_unfinished_runs_are_told_apart_and_only_dead_ones_closed(tmp_path: Path) -> None:
    import socket
    import subprocess
    import sys

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # a pid that has ended
    host = socket.gethostname()
    steps = [
        {"revision": "a1", "status": "done"},
        {"revision": "b2", "status": "running"},
        {"revision": "c3", "status": "pending"},
    ]
    runs = tmp_path / "runs"
    _write_record(runs, "1-alive", outcome="running", host=host, pid=os.getpid())
    gone = _write_record(runs, "2-gone", outcome="running", host=host, pid=dead.pid, steps=steps)
    _write_record(runs, "3-elsewhere", outcome="running", host="another-box", pid=1)
    _write_record(runs, "4-finished", outcome="ok", host=host, pid=dead.pid)
    _write_record(runs, "5-other-db", outcome="running", host=host, pid=dead.pid,
                  database="postgresql://db/other")  # fmt: skip
    found = {u.id: u for u in record.unfinished(runs, "postgresql://db/prod")}
    assert {k: u.state for k, u in found.items()} == {
        "1-alive": "alive", "2-gone": "gone", "3-elsewhere": "elsewhere"
    }  # fmt: skip
    assert found["2-gone"].describe() == (
        f"apply run 2-gone: its process (pid {dead.pid}) is gone: killed, or the machine "
        "stopped; a1 finished; it was inside b2"
    )
    closed = record.close_abandoned(runs, "postgresql://db/prod", by="9-new")
    assert [u.id for u in closed] == ["2-gone"]
    data = json.loads(gone.read_text())
    assert data["outcome"] == "interrupted" and data["error"]["type"] == "Abandoned"
    assert [s["status"] for s in data["steps"]] == ["done", "interrupted", "pending"]
    assert "by run `9-new`" in (runs / "2-gone" / "record.md").read_text()
    assert [u.id for u in record.unfinished(runs, "postgresql://db/prod")] == [
        "1-alive", "3-elsewhere"
    ]  # fmt: skip
