"""Alembic runs take turns in a process: env.py reads the environment and the working directory,
which a run sets, so a second run (another thread) waits until the first has put them back."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from alembic_baseline import settings
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.pg.url import DatabaseURL
from tests.helpers.projects import FIXTURES, copy_project


def test_a_second_run_waits_for_the_first_to_restore_env_and_cwd(tmp_path: Path) -> None:
    ini = copy_project(FIXTURES / "mini", tmp_path)
    project = AlembicProject(settings.load(config=str(ini)))
    var = project.settings.url_env
    first = DatabaseURL.parse("postgresql://a@localhost/first")
    second = DatabaseURL.parse("postgresql://a@localhost/second")
    seen: list[tuple[str, str | None, str]] = []
    entered = threading.Event()

    def run(url: DatabaseURL, name: str, hold: float) -> None:
        with project._driving(url):
            entered.set()
            seen.append(("in", os.environ.get(var), name))
            time.sleep(hold)
            seen.append(("out", os.environ.get(var), name))

    before = (os.environ.get(var), Path.cwd())
    one = threading.Thread(target=run, args=(first, "first", 0.3))
    one.start()
    entered.wait(5)
    two = threading.Thread(target=run, args=(second, "second", 0.0))
    two.start()
    one.join(5)
    two.join(5)
    assert [(step, name) for step, _, name in seen] == [
        ("in", "first"),
        ("out", "first"),
        ("in", "second"),
        ("out", "second"),
    ]
    assert all((url or "").endswith(f"/{name}") for _, url, name in seen)
    assert (os.environ.get(var), Path.cwd()) == before
