"""The pure parts of restore, run guard and backup files (no database)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from alembic_baseline.deploy import guard, rowcounts
from alembic_baseline.deploy import restore_tx as rtx
from alembic_baseline.deploy.rollback import CatalogName
from alembic_baseline.runbook import backupdir

HEADER = b"""--
-- PostgreSQL database dump
--

\\restrict abc

SET statement_timeout = 0;
SET lock_timeout = 0;
SELECT pg_catalog.set_config('search_path', '', false);
SET row_security = off;

DROP TABLE IF EXISTS public.t;
COPY public.t (id, s) FROM stdin;
1\tSET lock_timeout = 0;
\\.
"""


def test_header_filter_rewrites_the_lock_timeout_of_the_header_only() -> None:
    head = rtx.header_filter("5s")
    out = head(HEADER, False)
    assert out is not None
    assert b"SET lock_timeout = '5s';" in out and b"\nSET lock_timeout = 0;" not in out
    assert b"1\tSET lock_timeout = 0;\n" in out  # the same text as data stays as it is
    assert out.replace(b"SET lock_timeout = '5s';", b"SET lock_timeout = 0;") == HEADER


def test_header_filter_waits_for_a_whole_line() -> None:
    head = rtx.header_filter("5s")
    assert head(HEADER[:40], False) is None  # inside the header, mid-line: needs more
    assert head(b"SET lock_timeout = 0", False) is None
    assert head(b"SET lock_timeout = 0;", True) == b"SET lock_timeout = '5s';"


def test_preamble_opens_a_transaction_and_drops_inside_it() -> None:
    text = rtx.preamble([CatalogName("TABLE", "public", "new table")], "2s").decode()
    lines = text.splitlines()
    assert lines[0] == "BEGIN;" and lines[1] == "SET lock_timeout = '2s';"
    assert "pg_backend_pid(), txid_current()" in lines[2]
    assert lines[3] == 'DROP TABLE IF EXISTS "public"."new table" CASCADE;'
    assert "COMMIT" not in text


def test_row_changes() -> None:
    backup = {"public.items": 3, "public.gone": 5, "public.same": 2}
    now = {"public.items": 4, "public.same": 2, "public.orders": 2, "public.empty_new": 0}
    found = rowcounts.changes(backup, now)
    assert [c.describe() for c in found] == [
        "public.items: 4 row(s) now, 3 in the backup",
        "public.orders: 2 row(s) now, table not in the backup (dropped)",
    ]


def test_guard_key_is_stable_and_in_int4_range() -> None:
    k1, k2 = guard.key("production")
    assert (k1, k2) == guard.key("production") and k2 != guard.key("production2")[1]
    assert 0 <= k1 < 2**31 and 0 <= k2 < 2**31


def test_private_file_and_publish_never_replace(tmp_path: Path) -> None:
    backupdir.require_private(tmp_path / "new")
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o700
    fd, partial = backupdir.create_private(tmp_path, "b.dump")
    os.write(fd, b"dump")
    os.close(fd)
    assert stat.S_IMODE(partial.stat().st_mode) == 0o600 and partial.name.startswith(".b.dump.")
    (tmp_path / "b.dump").write_text("earlier")
    final = backupdir.publish(partial, tmp_path / "b.dump")
    assert final.name == "b-2.dump" and final.read_bytes() == b"dump" and not partial.exists()
    assert (tmp_path / "b.dump").read_text() == "earlier"


@pytest.mark.parametrize(("mode", "ok"), [(0o700, True), (0o1777, True), (0o777, False)])
def test_shared_directories(tmp_path: Path, mode: int, ok: bool) -> None:
    directory = tmp_path / "d"
    directory.mkdir()
    directory.chmod(mode)
    if ok:
        backupdir.require_private(directory)
    else:
        with pytest.raises(backupdir.UnsafeBackupDir, match="sticky bit"):
            backupdir.require_private(directory)


def test_tenant_schema_keys_differ_from_the_database_key_and_each_other() -> None:
    from alembic_baseline import lockkey

    assert lockkey.key("app") == guard.key("app")
    keys = {lockkey.key("app", s) for s in ("t1", "t2", "")} | {lockkey.key("app")}
    assert len(keys) == 4 and all(0 <= k < 2**31 for pair in keys for k in pair)
