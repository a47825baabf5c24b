"""``baseline verify`` sees objects of kinds the snapshot does not model; ``baseline create``
refuses a truncated or garbled dump before it touches the project.

The fixture project (mini) gets a revision with a rule, an aggregate (both modelled), a
conversion (not modelled), a column STORAGE change, partitions and inheritance (whose cloned
objects must not differ). pg_dump faults are made by a real wrapper program in front of the real
pg_dump (found through ALEMBIC_BASELINE_PG_BIN), which exits 0 with cut or garbled output.
"""

from __future__ import annotations

import re
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from alembic_baseline.pg import binaries
from alembic_baseline.pg.scratch import ScratchServer
from tests.helpers.projects import FIXTURES, add_revision, cli, copy_project

HEAD = "3c4d5e6f7a8b"
EXTRA = "4d5e6f7a8b9c"
UPGRADE = '''
op.execute("""
CREATE TABLE audit_sink (id int, body text);
CREATE RULE audit_sink_ignore AS ON DELETE TO audit_sink DO INSTEAD NOTHING;
CREATE FUNCTION add2(int, int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1 + $2';
CREATE AGGREGATE total(int) (SFUNC = add2, STYPE = int, INITCOND = '0');
CREATE CONVERSION plain_conv FOR 'UTF8' TO 'LATIN1' FROM utf8_to_iso8859_1;
ALTER TABLE audit_sink ALTER COLUMN body SET STORAGE EXTERNAL;
CREATE TABLE events (id int, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE INDEX ON events (at);
CREATE TABLE event_refs (event_id int, event_at date, FOREIGN KEY (event_id, event_at)
    REFERENCES events);
CREATE TABLE audit_kids () INHERITS (audit_sink);
ALTER TABLE audit_sink ADD CONSTRAINT body_short CHECK (length(body) < 100);
""")
'''
DOWNGRADE = 'op.execute("DROP TABLE audit_sink; DROP AGGREGATE total(int); DROP FUNCTION add2")'


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}  # fmt: skip


def _project(tmp_path: Path) -> Path:
    ini = copy_project(FIXTURES / "mini", tmp_path)
    add_revision(ini.parent / "migrations" / "versions", EXTRA, HEAD, UPGRADE, DOWNGRADE)
    return ini


def _sql_file(ini: Path) -> Path:
    return next((ini.parent / "migrations" / "baselines").glob("*.sql"))


def test_verify_fails_when_the_baseline_sql_lacks_an_unmodelled_object(
    pg: ScratchServer, tmp_path: Path
) -> None:
    ini = _project(tmp_path)
    major = ("-c", str(ini), "--pg-major", str(pg.major))
    code, _, err = cli(*major, "baseline", "create", "--from-history")
    assert code == 0, err
    code, out, err = cli(*major, "baseline", "verify")
    assert code == 0, out + err
    assert "compared by name only:" in out and "1 conversion" in out
    assert "1 rule" not in out  # rules are modelled (snapshot/kinds.py): compared in full
    assert "1 aggregate" not in out  # so are aggregates

    sql = _sql_file(ini)
    text = sql.read_text()
    for pattern in (r"CREATE RULE audit_sink_ignore AS.*?;\n", r"CREATE AGGREGATE .*?\);\n"):
        text, found = re.subn(pattern, "", text, count=1, flags=re.DOTALL)
        assert found == 1, pattern
    sql.write_text(text)
    code, out, err = cli(*major, "baseline", "verify")
    assert code == 1, out + err
    assert "rule public.audit_sink.audit_sink_ignore" in out  # a snapshot difference
    assert "aggregate public.total(integer)" in out  # another one
    assert "not verified" in out

    sql.write_text(sql.read_text().replace("SET STORAGE EXTERNAL", "SET STORAGE EXTENDED"))
    code, out, _ = cli(*major, "baseline", "verify")
    assert code == 1 and "changed table column public.audit_sink.body: storage e" in out


WRAPPER = """#!/bin/sh
# pg_dump that exits 0 with damaged output ({mode}); a test stand-in for a broken pipe or disk.
case "$*" in *--version*) exec "{real}" "$@";; esac
out=$("{real}" "$@") || exit $?
case "{mode} $*" in
  truncated*pre-data*) printf '%s' "$out" | head -c $(( $(printf '%s' "$out" | wc -c) * 3 / 5 ));;
  garbled*pre-data*) printf '%s\\n' "$out" | sed 's/CREATE TABLE/CREAT TABLE/';;
  cut-at-statement*) printf '%s\\n' "$out" | sed '/CREATE RULE/,/;$/d; /CREATE AGGREGATE/,/);/d';;
  *) printf '%s\\n' "$out";;
esac
exit 0
"""


@pytest.fixture
def broken_pg_dump(
    pg: ScratchServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> Iterator[str]:
    mode = str(request.param)
    real = binaries.find_client(pg.major).program("pg_dump")
    bindir = tmp_path / "broken-bin"
    bindir.mkdir()
    program = bindir / "pg_dump"
    program.write_text(WRAPPER.format(real=real, mode=mode))
    program.chmod(program.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    monkeypatch.setenv("ALEMBIC_BASELINE_PG_BIN", str(bindir))
    binaries.discover.cache_clear()
    assert binaries.find_client(pg.major).bindir == bindir.resolve()
    yield mode
    monkeypatch.delenv("ALEMBIC_BASELINE_PG_BIN")
    binaries.discover.cache_clear()


@pytest.mark.parametrize(
    "broken_pg_dump", ["truncated", "garbled", "cut-at-statement"], indirect=True
)
def test_create_refuses_a_damaged_dump_and_leaves_the_project_untouched(
    pg: ScratchServer, tmp_path: Path, broken_pg_dump: str
) -> None:
    ini = _project(tmp_path / "p")
    root = ini.parent
    git = ["git", "-C", str(root), "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "history"], check=True)
    before = _tree(root)
    code, out, err = cli("-c", str(ini), "--pg-major", str(pg.major), "baseline", "create",
                         "--from-history")  # fmt: skip
    assert code == 2, out + err
    assert "The baseline SQL does not" in err and "hint:" in err
    if broken_pg_dump == "cut-at-statement":  # loads, but builds less than the source
        assert "rule public.audit_sink.audit_sink_ignore" in err  # a snapshot difference
        assert "aggregate public.total(integer)" in err  # another one
    assert _tree(root) == before
    status = subprocess.run([*git, "status", "--porcelain"], capture_output=True, text=True,
                            check=True).stdout.splitlines()  # fmt: skip
    assert [line for line in status if "__pycache__" not in line] == []
    assert not list(root.rglob(".ab-staging-*"))
