"""Each function of alembic_baseline.compat against the installed Alembic and SQLAlchemy.

CI runs this file on the newest pair (requirements.lock) and the oldest supported pair
(requirements-oldest.lock, `make test-oldest`), so a private API that moved fails here first.
"""

from __future__ import annotations

import io
import textwrap
from pathlib import Path
from typing import Any

import pytest

from alembic_baseline import compat
from alembic_baseline.pg.url import DatabaseURL

# base -> (left, right) -> merge: a branch point and a merge point.
REVISIONS = {
    "aaaa00000001": None,
    "bbbb00000002": "'aaaa00000001'",
    "cccc00000003": "'aaaa00000001'",
    "dddd00000004": "('bbbb00000002', 'cccc00000003')",
}


def _write(versions: Path, rev: str, down: str | None, body: str = "pass") -> Path:
    path = versions / f"{rev}_rev.py"
    path.write_text(
        textwrap.dedent(f"""\
        from alembic import op

        revision = {rev!r}
        down_revision = {down}
        branch_labels = None
        depends_on = None


        def upgrade():
            op.execute("SELECT '{rev}'")


        def downgrade():
            {body}
        """)
    )
    return path


@pytest.fixture
def script(tmp_path: Path) -> Any:
    from alembic.script import ScriptDirectory

    versions = tmp_path / "versions"
    versions.mkdir()
    for rev, down in REVISIONS.items():
        _write(versions, rev, down)
    return ScriptDirectory(str(tmp_path))


def test_upgrade_and_downgrade_steps_follow_the_graph(script: Any) -> None:
    up = [s.revision.revision for s in compat.upgrade_steps(script, "heads", ())]
    assert up[0] == "aaaa00000001" and up[-1] == "dddd00000004"
    assert set(up[1:3]) == {"bbbb00000002", "cccc00000003"}
    partial = compat.upgrade_steps(script, "heads", ("bbbb00000002", "cccc00000003"))
    assert [s.revision.revision for s in partial] == ["dddd00000004"]
    down = compat.downgrade_steps(script, "aaaa00000001", ("dddd00000004",))
    assert {s.revision.revision for s in down} == {"dddd00000004", "bbbb00000002", "cccc00000003"}
    assert all(not s.is_upgrade for s in down)


# a1 -> a2 -> a3 -> (b4, c4) -> d5 -> e6 -> f7: linear stretches around a branch and its merge.
CHAIN = {
    "a1": None,
    "a2": "'a1'",
    "a3": "'a2'",
    "b4": "'a3'",
    "c4": "'a3'",
    "d5": "('b4', 'c4')",
    "e6": "'d5'",
    "f7": "'e6'",
}


@pytest.fixture
def chain(tmp_path: Path) -> Any:
    from alembic.script import ScriptDirectory

    versions = tmp_path / "chain" / "versions"
    versions.mkdir(parents=True)
    for rev, down in CHAIN.items():
        _write(versions, rev, down, body=f"op.execute(\"SELECT 'undo {rev}'\")")
    return ScriptDirectory(str(tmp_path / "chain"))


def _offline_downgrade(script: Any, start: str, destination: str, steps: Any) -> str:
    """What ``alembic downgrade start:destination --sql`` writes, with ``steps`` as its plan."""
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext

    buffer = io.StringIO()
    env = EnvironmentContext(
        Config(),
        script,
        fn=lambda rev, ctx: steps(script, destination, rev),
        as_sql=True,
        starting_rev=start,
        destination_rev=destination,
    )
    with env:
        env.configure(url="postgresql://u@localhost/db", output_buffer=buffer)
        with env.begin_transaction():
            env.run_migrations()
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("start", "destination"),
    [("f7", "base"), ("f7", "d5"), ("f7", "a2"), ("a3", "base"), ("e6", "a1"), ("a2", "a1")],
)
def test_downgrade_steps_render_what_alembic_renders(
    chain: Any, start: str, destination: str
) -> None:
    """The rollback SQL of a range, linear or through a merge, to base or not: the same text
    as with Alembic's own steps (``alembic downgrade --sql``), on the installed Alembic."""

    def alembics(script: Any, dest: str, rev: Any) -> list[Any]:
        return list(script._downgrade_revs(dest, rev))

    ours = _offline_downgrade(chain, start, destination, compat.downgrade_steps)
    assert ours == _offline_downgrade(chain, start, destination, alembics)
    assert f"SELECT 'undo {start}'" in ours and "-- Running downgrade" in ours


def test_linear_downgrade_steps_do_not_walk_the_history(chain: Any) -> None:
    """Undoing a revision with one parent, the only head: the table then holds the parent,
    answered without visiting the revisions below it (newer Alembic walks them all: a
    quadratic offline rollback). A merge revision still asks Alembic."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("walked the ancestors")

    steps = compat.downgrade_steps(chain, "a1", ("f7",))
    by_rev = {s.revision.revision: s for s in steps}
    chain.revision_map._get_ancestor_nodes = refuse
    for rev in ("f7", "e6", "b4", "a2"):
        assert not by_rev[rev].should_delete_branch({rev})
        assert by_rev[rev]._unmerge_to_revisions({rev}) == compat.down_revisions(
            by_rev[rev].revision
        )
    del chain.revision_map._get_ancestor_nodes  # the merge: Alembic's own answer
    assert set(by_rev["d5"]._unmerge_to_revisions({"d5"})) == {"b4", "c4"}
    assert by_rev["b4"]._unmerge_to_revisions({"b4", "c4"}) == ()  # c4 still holds a3


def _offline(script: Any, start: str | None, destination: str, down: bool, **opts: Any) -> str:
    """What ``alembic upgrade/downgrade start:destination --sql`` writes (Alembic's own steps)."""
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext

    def steps(rev: Any, ctx: Any) -> list[Any]:
        if down:
            return list(script._downgrade_revs(destination, rev))
        return list(script._upgrade_revs(destination, rev))

    buffer = io.StringIO()
    env = EnvironmentContext(
        Config(), script, fn=steps, as_sql=True, starting_rev=start, destination_rev=destination
    )
    with env:
        env.configure(url="postgresql://u@localhost/db", output_buffer=buffer, **opts)
        with env.begin_transaction():
            env.run_migrations()
    return buffer.getvalue()


@pytest.mark.parametrize(
    "opts",
    [
        {},
        {"literal_binds": True, "transaction_per_migration": True},
        {"version_table": "versions", "version_table_schema": "ops"},
        {"version_table": "Odd Versions", "version_table_schema": "My Schema"},
    ],
)
def test_fast_offline_version_sql_writes_what_alembic_writes(
    chain: Any, opts: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Upgrades and rollbacks through a branch point and a merge (INSERT, UPDATE and DELETE of
    the version table), to base and not, with the version table renamed and in a schema: the
    text is Alembic's own, on the installed Alembic; and the version statements are compiled
    once per kind and run, not once per step."""
    from alembic.ddl.impl import DefaultImpl
    from sqlalchemy.sql import dml

    compiled: list[str] = []
    exec_ = DefaultImpl._exec

    def counting(self: Any, construct: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(construct, dml.UpdateBase):
            compiled.append(type(construct).__name__)
        return exec_(self, construct, *args, **kwargs)

    monkeypatch.setattr(DefaultImpl, "_exec", counting)
    ranges = [(None, "f7", False), ("a2", "e6", False), ("f7", "base", True), ("e6", "a2", True)]
    for start, destination, down in ranges:
        compiled.clear()
        theirs = _offline(chain, start, destination, down, **opts)
        statements = len(compiled)
        compiled.clear()
        with compat.fast_offline_version_sql():
            ours = _offline(chain, start, destination, down, **opts)
        assert ours == theirs
        assert "version_num" in ours and statements >= 4
        assert len(compiled) <= 3 < statements  # one template per kind, not one per step
    from alembic.runtime import migration

    assert migration.HeadMaintainer.__name__ == "HeadMaintainer"  # restored on the way out


def test_fast_offline_version_sql_leaves_unusual_revision_ids_to_alembic(
    tmp_path: Path,
) -> None:
    """Revision ids SQLAlchemy might escape (``%``, quotes) take Alembic's own path."""
    from alembic.script import ScriptDirectory

    versions = tmp_path / "odd" / "versions"
    versions.mkdir(parents=True)
    _write(versions, "a1", None)
    (versions / "odd_rev.py").write_text(
        "revision = 'b%2'\ndown_revision = 'a1'\nbranch_labels = None\ndepends_on = None\n"
        "def upgrade():\n    pass\ndef downgrade():\n    pass\n"
    )
    script = ScriptDirectory(str(tmp_path / "odd"))
    theirs = _offline(script, None, "heads", False)
    with compat.fast_offline_version_sql():
        ours = _offline(script, None, "heads", False)
    assert ours == theirs and "b%" in ours


def test_down_revisions_is_always_a_tuple(script: Any) -> None:
    assert compat.down_revisions(script.get_revision("aaaa00000001")) == ()
    assert compat.down_revisions(script.get_revision("bbbb00000002")) == ("aaaa00000001",)
    merge = script.get_revision("dddd00000004")
    assert set(compat.down_revisions(merge)) == {"bbbb00000002", "cccc00000003"}


def test_version_locations(tmp_path: Path, script: Any) -> None:
    from alembic.script import ScriptDirectory

    assert compat.version_locations(script) == [(tmp_path / "versions").absolute()]
    other = tmp_path / "other"
    other.mkdir()
    two = ScriptDirectory(str(tmp_path), version_locations=[str(tmp_path / "versions"), str(other)])
    assert compat.version_locations(two) == [tmp_path / "versions", other]


def test_revision_files_are_the_files_alembic_loads(tmp_path: Path, script: Any) -> None:
    """The files (resolved) Alembic loads as revisions, without loading any; a file reached twice
    through version_locations is None (Alembic warns and skips it)."""
    from alembic.script import ScriptDirectory

    (tmp_path / "versions" / "README.txt").write_text("not a revision")
    (tmp_path / "versions" / "__init__.py").write_text("")
    files = compat.revision_files(script)
    assert files is not None and "_revision_map" not in vars(script.revision_map)  # none loaded
    loaded = compat.loaded_revisions(script)
    assert sorted(files) == sorted(Path(str(r.path)).resolve() for r in loaded)
    assert len(loaded) == len(REVISIONS)
    twice = ScriptDirectory(
        str(tmp_path), version_locations=[str(tmp_path / "versions"), str(tmp_path / "versions")]
    )
    assert compat.revision_files(twice) is None


def test_script_of_matches_what_alembic_makes(script: Any) -> None:
    loaded = script.get_revision("aaaa00000001")
    made = compat.script_of(loaded.module, loaded.revision, Path(str(loaded.path)))
    assert type(made.path) is type(loaded.path) and made.path == loaded.path
    assert made.revision == loaded.revision and made.down_revision == loaded.down_revision


def test_on_version_apply_is_added_to_env_pys_own(script: Any) -> None:
    """A real offline run: env.py's callback and ours both see every step, in order."""
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext

    theirs: list[str] = []
    ours: list[tuple[str, tuple[str, ...]]] = []
    env = EnvironmentContext(
        Config(),
        script,
        fn=lambda rev, ctx: compat.upgrade_steps(script, "heads", rev),
        as_sql=True,
        destination_rev="heads",
    )
    compat.add_on_version_apply(
        env, lambda *, step, heads, **_: ours.append((step.up_revision_id, tuple(sorted(heads))))
    )
    buffer = io.StringIO()
    with env:  # what env.py does, through alembic.context
        env.configure(
            url="postgresql://u@localhost/db",
            output_buffer=buffer,
            on_version_apply=lambda *, step, **_: theirs.append(step.up_revision_id),
        )
        with env.begin_transaction():
            env.run_migrations()
    assert [rev for rev, _ in ours] == theirs
    assert len(theirs) == 4 and theirs[-1] == "dddd00000004"
    assert ours[-1][1] == ("dddd00000004",)
    assert "SELECT 'dddd00000004'" in buffer.getvalue()


def test_offline_environment_answers_alembic_context() -> None:
    from alembic import context
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext

    ctx = MigrationContext.configure(dialect_name="postgresql", opts={"as_sql": True})
    with compat.offline_environment(Config(), ctx):
        assert context.is_offline_mode()
        assert context.get_context() is ctx


def test_loading_revision_path_names_the_broken_file(tmp_path: Path, script: Any) -> None:
    from alembic.script import ScriptDirectory

    broken = _write(tmp_path / "versions", "eeee00000005", "'dddd00000004'")
    broken.write_text(broken.read_text() + "\nraise RuntimeError('boom at import')\n")
    fresh = ScriptDirectory(str(tmp_path))
    with pytest.raises(RuntimeError, match="boom at import") as info:
        fresh.revision_map.heads  # noqa: B018 - imports every revision file
    assert compat.loading_revision_path(info.value) == broken
    assert compat.loading_revision_path(RuntimeError("not from Alembic")) is None


def test_sqlalchemy_driver_is_one_the_installed_sqlalchemy_has() -> None:
    from sqlalchemy.engine import make_url

    for driver in ("psycopg", "psycopg2", "asyncpg", None):
        for project_driver in ("psycopg", "psycopg2", "asyncpg"):
            url = DatabaseURL.parse("postgresql://u@h/db").with_driver(driver)
            rendered = url.render(compat.env_driver(url.driver, project_driver))
            make_url(rendered).get_dialect()  # raises NoSuchModuleError for a missing dialect
    expected = "psycopg" if compat.has_psycopg3_dialect() else "psycopg2"
    assert compat.sqlalchemy_driver("psycopg") == expected
    assert compat.sqlalchemy_driver("asyncpg") == "asyncpg"


def test_env_driver_prefers_the_url_then_the_project() -> None:
    assert compat.env_driver("psycopg2", "asyncpg") == "psycopg2"
    assert compat.env_driver("asyncpg", "psycopg") == "asyncpg"
    assert compat.env_driver(None, "asyncpg") == "asyncpg"
    # A psycopg (3) URL: as given on SQLAlchemy 2, the project's own driver on 1.4 (an async
    # env.py keeps its async driver).
    new = compat.has_psycopg3_dialect()
    assert compat.env_driver("psycopg", "asyncpg") == ("psycopg" if new else "asyncpg")
    assert compat.env_driver("psycopg", "psycopg") == ("psycopg" if new else "psycopg2")


def test_versions_are_in_the_supported_range() -> None:
    assert compat.sqlalchemy_version() >= (1, 4, 27)
    assert compat.alembic_version() >= (1, 8, 1)
    assert compat._version("2.0.0b4") == (2, 0, 0)


def test_the_demo_needs_sqlalchemy_2_and_says_so() -> None:
    from alembic_baseline.errors import ConfigError

    if compat.sqlalchemy_version() >= (2,):
        compat.require_sqlalchemy_2("The demo")  # no error
        return
    with pytest.raises(ConfigError, match=r"needs SQLAlchemy 2\.0") as info:
        compat.require_sqlalchemy_2("The demo")
    assert "virtualenv" in (info.value.hint or "")


@pytest.mark.skipif(compat.sqlalchemy_version() >= (2,), reason="the demo runs on SQLAlchemy 2")
def test_demo_command_refuses_on_sqlalchemy_1_4_before_starting_anything() -> None:
    from tests.helpers.projects import cli

    code, _, err = cli("demo")
    assert code == 2, err
    assert err.startswith("error: ") and "SQLAlchemy 2.0" in err and "Traceback" not in err


def test_postgresql_not_valid_support_matches_what_alembic_renders() -> None:
    import io

    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy.exc import ArgumentError

    buffer = io.StringIO()
    ctx = MigrationContext.configure(
        dialect_name="postgresql", opts={"as_sql": True, "output_buffer": buffer}
    )
    try:
        Operations(ctx).create_check_constraint("ck", "t", "x > 0", postgresql_not_valid=True)
        accepted = True
    except ArgumentError:
        accepted = False
    assert compat.has_postgresql_not_valid() == accepted
    assert ("NOT VALID" in buffer.getvalue()) == accepted


def test_lint_hint_for_not_valid_is_one_this_sqlalchemy_accepts() -> None:
    from alembic_baseline.lint.rules.constraints import _not_valid_how

    how = _not_valid_how("op.create_check_constraint", "lots")
    assert ("postgresql_not_valid=True" in how) == compat.has_postgresql_not_valid()
    assert "NOT VALID" in how or "not_valid" in how


def test_destination_revisions(script: Any) -> None:
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext

    def env(**opts: Any) -> EnvironmentContext:
        return EnvironmentContext(Config(), script, **opts)

    head = frozenset({"dddd00000004"})
    assert compat.destination_revisions(env(destination_rev="heads")) == head
    assert compat.destination_revisions(env(destination_rev="head")) == head
    assert compat.destination_revisions(env(destination_rev="bbbb00000002")) == {"bbbb00000002"}
    assert compat.destination_revisions(env(destination_rev="base")) is None
    assert compat.destination_revisions(env()) is None  # `current`, `check`: no destination


def test_version_table_and_default_schema() -> None:
    from types import SimpleNamespace

    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine

    ctx = MigrationContext.configure(
        dialect_name="postgresql",
        opts={"version_table": "schema_history", "version_table_schema": "tenant_a"},
    )
    assert compat.version_table(ctx) == ("tenant_a", "schema_history")
    engine = create_engine(f"postgresql+{compat.sqlalchemy_driver('psycopg')}://")
    compat.set_default_schema(SimpleNamespace(dialect=engine.dialect), "tenant_a")
    assert engine.dialect.default_schema_name == "tenant_a"


# -- psycopg: its version modules ----------------------------------------------------------------


def _fresh_python(code: str, *, cwd: Path | None = None) -> Any:
    import json
    import os
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=True,
        cwd=cwd,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    return json.loads(done.stdout.splitlines()[-1])


def test_seeded_psycopg_versions_are_metadatas_and_spare_its_import() -> None:
    seeded = _fresh_python(
        """
        import json, sys
        from alembic_baseline import compat
        compat.seed_psycopg_versions()
        import psycopg
        from psycopg import _cmodule
        print(json.dumps([psycopg.__version__, _cmodule.__version__,
                          "importlib.metadata" in sys.modules]))
        """
    )
    read = _fresh_python(
        """
        import json
        import psycopg
        from importlib import metadata
        from psycopg import _cmodule
        print(json.dumps([metadata.version("psycopg"), _cmodule.__version__, True]))
        """
    )
    assert seeded == [*read[:2], False]


def test_psycopg_versions_are_not_seeded_when_the_dist_info_is_not_beside_the_package(
    tmp_path: Path,
) -> None:
    # a directory first on sys.path with a psycopg dist-info but no package: metadata would
    # read that one, the import would find the package elsewhere; left to psycopg
    (tmp_path / "psycopg-3.0.0.dist-info").mkdir()
    seeded = _fresh_python(
        f"""
        import json, sys
        sys.path.insert(0, {str(tmp_path)!r})
        from alembic_baseline import compat
        compat.seed_psycopg_versions()
        print(json.dumps(["psycopg.version" in sys.modules,
                          "psycopg_binary.version" in sys.modules]))
        """
    )
    assert seeded == [False, False]  # nothing: psycopg's own version is not known


def test_psycopg_versions_are_not_seeded_once_psycopg_is_imported() -> None:
    seeded = _fresh_python(
        """
        import json, sys
        import psycopg
        version = sys.modules["psycopg.version"]
        from alembic_baseline import compat
        compat.seed_psycopg_versions()
        print(json.dumps([sys.modules["psycopg.version"] is version]))
        """
    )
    assert seeded == [True]


def test_psycopg_versions_are_not_seeded_when_its_version_module_defines_more(
    tmp_path: Path,
) -> None:
    # a psycopg whose version.py defines more than __version__ (a later release, say): a
    # seeded module would lack it, so psycopg imports its own
    package = tmp_path / "psycopg"
    package.mkdir()
    (package / "__init__.py").write_text("from .version import __version__, __build__\n")
    (package / "version.py").write_text(
        "from importlib import metadata\n"
        "__version__ = metadata.version('psycopg')\n"
        "__build__ = 'abc'\n"
    )
    (tmp_path / "psycopg-3.9.0.dist-info").mkdir()
    seeded = _fresh_python(
        f"""
        import json, sys
        sys.path.insert(0, {str(tmp_path)!r})
        from alembic_baseline import compat
        compat.seed_psycopg_versions()
        print(json.dumps(["psycopg.version" in sys.modules]))
        """
    )
    assert seeded == [False]
