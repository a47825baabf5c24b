"""`baseline create` and `verify` overlap their steps (issue 18): the scratch server is opened
while the project loads, databases are created while the history is read or replayed, seed rows
are dumped with the schema, snapshots are read while the next database is built. Each step that
runs on a thread of its own, when it fails, is a clear error of the command: the project is left
as it was, no scratch database and no thread is left behind.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from alembic_baseline.baseline import seed
from alembic_baseline.baseline import verify as verify_module
from alembic_baseline.errors import ConfigError, DatabaseError, ScratchError
from alembic_baseline.pg.scratch import ScratchServer, scratch_server_soon
from tests.db.test_baseline import _tree
from tests.helpers.projects import EXAMPLE, cli, copy_project

_OURS = ("ab-seeds", "ab-scratch", "ab-verify", "ab-preload", "ab-stage")


def _databases(server: ScratchServer) -> set[str]:
    """The scratch databases of ``server`` (cached replay templates survive by design)."""
    rows = server.admin().execute("SELECT datname FROM pg_database").fetchall()
    return {str(r[0]) for r in rows if str(r[0]).startswith("ab_")} - {
        str(r[0]) for r in rows if str(r[0]).startswith("ab_tpl_")
    }


def _our_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith(_OURS)]


def _create(server: ScratchServer, ini: Path) -> tuple[int, str, str]:
    return cli("-c", str(ini), "--scratch-url", server.admin_url.render(),
               "baseline", "create", "--from-history")  # fmt: skip


def test_scratch_server_soon_is_closed_after_the_callers_error(
    pg_default: ScratchServer,
) -> None:
    before = _databases(pg_default)
    opened: list[ScratchServer] = []
    with (
        pytest.raises(RuntimeError, match="the project did not load"),
        scratch_server_soon(scratch_url=pg_default.admin_url.render()) as soon,
    ):
        server = soon.result()
        opened.append(server)
        server.create_database()
        raise RuntimeError("the project did not load")
    assert _databases(pg_default) == before  # what it made was dropped, its connection closed
    assert opened[0]._admin is None
    # the caller failing before it asked for the server: the opening is waited for and closed
    with (
        pytest.raises(RuntimeError),
        scratch_server_soon(scratch_url=pg_default.admin_url.render()) as soon,
    ):
        raise RuntimeError("early")
    assert soon.done() and soon.result()._admin is None
    assert not _our_threads()


def test_scratch_server_soon_hands_its_failure_to_the_caller(pg_default: ScratchServer) -> None:
    other = pg_default.major - 1
    with (
        scratch_server_soon(major=other, scratch_url=pg_default.admin_url.render()) as soon,
        pytest.raises(ScratchError, match=f"PostgreSQL {other} is needed"),
    ):
        soon.result()
    assert not _our_threads()


def test_create_seed_rows_read_beside_the_dump_fail_cleanly(
    pg_default: ScratchServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ini = copy_project(EXAMPLE, tmp_path)
    before, databases = _tree(ini.parent), _databases(pg_default)
    seen: list[str] = []

    def failing(*args: Any, **kwargs: Any) -> seed.SeedData:
        seen.append(threading.current_thread().name)
        raise ConfigError("The seed rows could not be read (injected).", hint="none")

    monkeypatch.setattr(seed, "collect", failing)
    code, _, err = _create(pg_default, ini)
    assert code == 2 and "could not be read (injected)" in err and "Traceback" not in err
    assert seen and seen[0].startswith("ab-seeds")  # on a thread of its own, beside the dump
    assert _tree(ini.parent) == before
    assert _databases(pg_default) == databases
    assert not _our_threads()


def test_create_self_check_database_made_in_the_background_fails_cleanly(
    pg_default: ScratchServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ini = copy_project(EXAMPLE, tmp_path)
    before, databases = _tree(ini.parent), _databases(pg_default)
    real = ScratchServer._create
    seen: list[str] = []

    def create(self: ScratchServer, conn: Any, name: str, *args: Any, **kw: Any) -> Any:
        if "selfcheck" in name:
            seen.append(threading.current_thread().name)
            raise DatabaseError(f"Could not create scratch database {name!r} (injected).")
        return real(self, conn, name, *args, **kw)

    monkeypatch.setattr(ScratchServer, "_create", create)
    code, _, err = _create(pg_default, ini)
    assert code != 0 and "(injected)" in err and "Traceback" not in err
    assert seen == ["ab-scratch-create"]  # created while the schema was dumped
    assert _tree(ini.parent) == before
    assert _databases(pg_default) == databases
    assert not _our_threads()


def test_verify_snapshot_read_beside_the_next_build_fails_cleanly(
    pg_default: ScratchServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ini = copy_project(EXAMPLE, tmp_path)
    code, _, err = _create(pg_default, ini)
    assert code == 0, err
    databases = _databases(pg_default)
    real = verify_module.from_url
    seen: list[str] = []

    def snapshot(url: Any, options: Any) -> Any:
        seen.append(threading.current_thread().name)
        if len(seen) == 1:
            raise DatabaseError("The history's snapshot failed (injected).")
        return real(url, options)

    monkeypatch.setattr(verify_module, "from_url", snapshot)
    code, _, err = cli("-c", str(ini), "--scratch-url", pg_default.admin_url.render(),
                       "baseline", "verify")  # fmt: skip
    assert code != 0 and "(injected)" in err and "Traceback" not in err
    assert seen[0].startswith("ab-verify")  # read while the baseline was built
    assert _databases(pg_default) == databases
    assert not _our_threads()
    # and without the failure the proof still holds
    monkeypatch.setattr(verify_module, "from_url", real)
    code, out, err = cli("-c", str(ini), "--scratch-url", pg_default.admin_url.render(),
                         "baseline", "verify")  # fmt: skip
    assert code == 0 and "verified" in out, err


def test_verify_databases_made_while_the_project_loads_fail_cleanly(
    pg_default: ScratchServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ini = copy_project(EXAMPLE, tmp_path)
    code, _, err = _create(pg_default, ini)
    assert code == 0, err
    before, databases = _tree(ini.parent), _databases(pg_default)
    real = ScratchServer._create
    seen: list[str] = []

    def create(self: ScratchServer, conn: Any, name: str, *args: Any, **kw: Any) -> Any:
        if "history" in name:
            seen.append(threading.current_thread().name)
            raise DatabaseError(f"Could not create scratch database {name!r} (injected).")
        return real(self, conn, name, *args, **kw)

    monkeypatch.setattr(ScratchServer, "_create", create)
    code, _, err = cli("-c", str(ini), "--scratch-url", pg_default.admin_url.render(),
                       "baseline", "verify")  # fmt: skip
    assert code != 0 and "(injected)" in err and "Traceback" not in err
    assert seen == ["ab-scratch-create"]  # asked for by the server's opening, not the build
    assert _tree(ini.parent) == before
    assert _databases(pg_default) == databases
    assert not _our_threads()


@pytest.mark.parametrize("command", ["create", "verify"])
def test_databases_dropped_in_the_background_are_dropped_at_close_if_that_failed(
    pg_default: ScratchServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    ini = copy_project(EXAMPLE, tmp_path)
    if command == "verify":
        code, _, err = _create(pg_default, ini)
        assert code == 0, err
    databases = _databases(pg_default)
    real = ScratchServer._drop
    seen: list[str] = []

    def drop(self: ScratchServer, conn: Any, name: str) -> None:
        seen.append(threading.current_thread().name)
        if threading.current_thread().name.startswith("ab-scratch-drop"):
            raise DatabaseError(f"Could not drop {name!r} (injected).")
        real(self, conn, name)

    monkeypatch.setattr(ScratchServer, "_drop", drop)
    argv = ["create", "--from-history"] if command == "create" else ["verify"]
    code, _, err = cli("-c", str(ini), "--scratch-url", pg_default.admin_url.render(),
                       "baseline", *argv)  # fmt: skip
    assert code == 0, err  # a scratch database that is dropped late is no failure of the command
    assert "ab-scratch-drop" in seen  # dropped beside the rest of the work…
    assert "MainThread" in seen  # … and, that having failed, by the server's close()
    assert _databases(pg_default) == databases
    assert not _our_threads()


def test_create_replay_database_made_while_the_project_loads(
    pg_default: ScratchServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``create --from-history`` has the scratch server create the replay's database as soon as
    it answers, while the project still loads (not once the project is loaded); a failure of
    that CREATE DATABASE is a clear error with the project and the server left as they were."""
    import time

    from alembic_baseline.commands import baseline as commands

    ini = copy_project(EXAMPLE, tmp_path)
    before, databases = _tree(ini.parent), _databases(pg_default)
    real_project, real_create = commands.project, ScratchServer._create
    events: list[tuple[str, float]] = []

    def slow_project(settings: Any) -> Any:
        loaded = real_project(settings)
        time.sleep(0.5)  # a project that takes long to load (big history, slow imports)
        events.append(("project loaded", time.monotonic()))
        return loaded

    fail = [False]

    def create(self: ScratchServer, conn: Any, name: str, *args: Any, **kw: Any) -> Any:
        if "replay" in name:
            events.append(("replay database", time.monotonic()))
            if fail[0]:
                raise DatabaseError(f"Could not create scratch database {name!r} (injected).")
        return real_create(self, conn, name, *args, **kw)

    monkeypatch.setattr(commands, "project", slow_project)
    monkeypatch.setattr(ScratchServer, "_create", create)
    fail[0] = True
    code, _, err = _create(pg_default, ini)
    assert code != 0 and "(injected)" in err and "Traceback" not in err
    assert [e for e, _ in events] == ["replay database", "project loaded"]
    assert _tree(ini.parent) == before
    assert _databases(pg_default) == databases
    assert not _our_threads()
    fail[0], events[:] = False, []
    code, _, err = _create(pg_default, ini)
    assert code == 0, err
    assert [e for e, _ in events] == ["replay database", "project loaded"]
    assert _databases(pg_default) == databases
    assert not _our_threads()


@pytest.mark.parametrize("check_fails", [False, True])
def test_create_stages_its_files_while_the_self_check_loads(
    pg_default: ScratchServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, check_fails: bool
) -> None:
    """The new files are staged (and the archive planned) on a thread while the self-check
    loads the baseline SQL; the project itself changes only after the check passed, and a
    failed check leaves it as it was, without a staging folder."""
    import time

    from alembic_baseline.baseline import selfcheck

    ini = copy_project(EXAMPLE, tmp_path)
    before, databases = _tree(ini.parent), _databases(pg_default)
    script = ini.parent / "alembic"
    real = selfcheck.load
    staged: list[int] = []

    def load(url: Any, text: str) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            found = [p for d in script.glob(".ab-staging-*") for p in d.iterdir()]
            if len(found) == 4:  # the SQL, the baseline and bridge revisions, the manifest
                break
            time.sleep(0.01)
        staged.append(len(found))
        now = {k: v for k, v in _tree(ini.parent).items() if ".ab-staging-" not in k}
        assert now == before  # staged only: nothing in the project moved yet
        if check_fails:
            raise selfcheck.BaselineCheckError("The baseline SQL does not load (injected).")
        real(url, text)

    monkeypatch.setattr(selfcheck, "load", load)
    code, _, err = _create(pg_default, ini)
    assert staged == [4]
    assert not list(script.glob(".ab-staging-*"))
    if check_fails:
        assert code != 0 and "(injected)" in err and "Traceback" not in err
        assert _tree(ini.parent) == before
    else:
        assert code == 0, err
        assert len(list((script / "baselines").glob("*.sql"))) == 1
    assert _databases(pg_default) == databases
    assert not _our_threads()
