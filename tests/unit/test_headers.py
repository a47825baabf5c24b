"""Revision headers read without importing the files (history/headers.py): what is a plain
literal, what the cache remembers (only what Alembic imported and agreed with), when it is used."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from alembic_baseline.history import headers
from alembic_baseline.history.headers import HeaderCache, HeaderModule, read_headers

PLAIN = '''"""add things

Revision ID: b2
"""
from alembic import op

revision = "b2"
down_revision: str | None = "a1"
branch_labels = ("x",)
depends_on = ["c3"]


def upgrade() -> None:
    op.execute("SELECT 1")
'''


def test_plain_literals_are_read_with_the_docstring() -> None:
    found = read_headers(PLAIN)
    assert found == {
        "revision": "b2",
        "down_revision": "a1",
        "branch_labels": ("x",),
        "depends_on": ["c3"],
        "__doc__": "add things\n\nRevision ID: b2\n",
    }


@pytest.mark.parametrize(
    "change",
    [
        ('down_revision: str | None = "a1"', 'down_revision = "a" + "1"'),  # an expression
        ('down_revision: str | None = "a1"', 'down_revision = str("a1")'),  # a call
        ('down_revision: str | None = "a1"', "down_revision = PREVIOUS"),  # a name
        ('revision = "b2"', 'revision = "b2"\nrevision = "b3"'),  # bound twice
        ('revision = "b2"', 'revision = "b2"\nif True:\n    revision = "b3"'),
        ('revision = "b2"', 'revision = "b2"\nfor revision in ["b3"]:\n    pass'),
        ('revision = "b2"', 'revision = "b2"\nglobals()["revision"] = "b3"'),
        ('revision = "b2"', 'revision = "b2"\nfrom somewhere import *'),
        ('revision = "b2"', 'revision = "b2"\nfrom somewhere import x as revision'),
        ('branch_labels = ("x",)', "branch_labels = 5"),  # not None/str/strings
        ("def upgrade", "def revision() -> None:\n    pass\n\n\ndef upgrade"),
        ('revision = "b2"', 'revision = "b2"\n__doc__ = "other"'),
        ('revision = "b2"', 'revision = "b2"\nrevision += "x"'),
        ('revision = "b2"', "revision ="),  # not Python
    ],
)
def test_anything_but_plain_literals_is_refused(change: tuple[str, str]) -> None:
    assert change[0] in PLAIN
    assert read_headers(PLAIN.replace(change[0], change[1], 1)) is None


def _project(tmp_path: Path, files: dict[str, str]) -> ScriptDirectory:
    versions = tmp_path / "migrations" / "versions"
    versions.mkdir(parents=True)
    (tmp_path / "migrations" / "env.py").write_text("")
    old = time.time() - 60  # older than the racy window: entries may be written
    for name, text in files.items():
        path = versions / name
        path.write_text(text)
        os.utime(path, (old, old))
    cfg = Config()
    cfg.set_main_option("script_location", str(tmp_path / "migrations"))
    return ScriptDirectory.from_config(cfg)


def _rev(rev: str, down: str | None, extra: str = "") -> str:
    return f'"""{rev} message"""\nrevision = {rev!r}\ndown_revision = {down!r}\n{extra}'


def _fast(tmp_path: Path, cache: HeaderCache) -> ScriptDirectory | None:
    cfg = Config()
    cfg.set_main_option("script_location", str(tmp_path / "migrations"))
    script = ScriptDirectory.from_config(cfg)
    return script if headers.install(script, cache) else None


def _graph(script: ScriptDirectory) -> list[tuple[Any, ...]]:
    return sorted(
        (s.revision, s.down_revision, s.doc, s.path, s.branch_labels, s.dependencies)
        for s in script.walk_revisions()
    )


def test_learnt_headers_build_the_same_map_without_importing(tmp_path: Path) -> None:
    files = {
        "a1_first.py": _rev("a1", None),
        "b2_second.py": _rev("b2", "a1", "branch_labels = ('lbl',)\n"),
        "c3_other_base.py": _rev("c3", None),
        "d4_merge.py": _rev("d4", ("b2", "c3"), "depends_on = 'a1'\n"),
        "README.txt": "not a revision",
    }
    full = _project(tmp_path, files)
    cache = HeaderCache(tmp_path / "cache" / headers.HEADER_CACHE)
    assert _fast(tmp_path, cache) is None  # nothing learnt yet: the full path
    full.revision_map.heads  # noqa: B018 - Alembic imports every file
    cache.learn(full)
    cache.save()
    again = HeaderCache(tmp_path / "cache" / headers.HEADER_CACHE)
    fast = _fast(tmp_path, again)
    assert fast is not None
    assert _graph(fast) == _graph(full)
    assert fast.get_heads() == full.get_heads() and fast.get_bases() == full.get_bases()
    assert all(isinstance(s.module, HeaderModule) for s in fast.walk_revisions())


def test_a_computed_header_is_never_learnt_and_keeps_the_full_path(tmp_path: Path) -> None:
    files = {
        "a1.py": _rev("a1", None),
        "b2.py": '"""b2"""\nrevision = "b2"\ndown_revision = "a" + "1"\n',
    }
    full = _project(tmp_path, files)
    full.revision_map.heads  # noqa: B018
    cache = HeaderCache(None)
    cache.learn(full)
    assert sorted(Path(k).name for k in cache.entries) == ["a1.py"]
    assert _fast(tmp_path, cache) is None


def test_values_that_differ_from_the_imported_module_are_not_learnt(tmp_path: Path) -> None:
    """Literal in the source, something else at import (a module that rebinds itself)."""
    full = _project(tmp_path, {"a1.py": _rev("a1", None), "b2.py": _rev("b2", "a1")})
    full.revision_map.heads  # noqa: B018
    b2 = full.get_revision("b2")
    b2.module.__doc__ = "changed at import"  # as a module could do to itself
    cache = HeaderCache(None)
    cache.learn(full)
    assert sorted(Path(k).name for k in cache.entries) == ["a1.py"]


def test_an_edited_file_is_read_again(tmp_path: Path) -> None:
    full = _project(tmp_path, {"a1.py": _rev("a1", None), "b2.py": _rev("b2", "a1")})
    full.revision_map.heads  # noqa: B018
    cache = HeaderCache(None)
    cache.learn(full)
    assert _fast(tmp_path, cache) is not None
    b2 = tmp_path / "migrations" / "versions" / "b2.py"
    b2.write_text(_rev("b2", "a1").replace("b2 message", "b2 edited"))
    assert _fast(tmp_path, cache) is None  # identity changed: the full path
    assert cache.get(b2) is None


def test_a_new_revision_file_takes_the_full_path(tmp_path: Path) -> None:
    full = _project(tmp_path, {"a1.py": _rev("a1", None)})
    full.revision_map.heads  # noqa: B018
    cache = HeaderCache(None)
    cache.learn(full)
    assert _fast(tmp_path, cache) is not None
    (tmp_path / "migrations" / "versions" / "b2.py").write_text(_rev("b2", "a1"))
    assert _fast(tmp_path, cache) is None


def test_a_file_written_just_now_is_not_learnt(tmp_path: Path) -> None:
    full = _project(tmp_path, {"a1.py": _rev("a1", None)})
    a1 = tmp_path / "migrations" / "versions" / "a1.py"
    os.utime(a1)  # now: inside the racy window
    full.revision_map.heads  # noqa: B018
    cache = HeaderCache(None)
    cache.learn(full)
    assert cache.entries == {}


def test_a_sourceless_script_directory_takes_the_full_path(tmp_path: Path) -> None:
    full = _project(tmp_path, {"a1.py": _rev("a1", None)})
    full.revision_map.heads  # noqa: B018
    cache = HeaderCache(None)
    cache.learn(full)
    cfg = Config()
    cfg.set_main_option("script_location", str(tmp_path / "migrations"))
    cfg.set_main_option("sourceless", "true")
    assert not headers.install(ScriptDirectory.from_config(cfg), cache)


def test_an_unreadable_cache_file_is_an_empty_cache(tmp_path: Path) -> None:
    path = tmp_path / headers.HEADER_CACHE
    path.write_text("{not json")
    assert HeaderCache(path).entries == {}
