"""The quick path's graph walk (history/quick.py) against Alembic's ``RevisionMap`` as the oracle:
random histories (several bases, branches, merges), random database positions; where the quick
path answers, its heads and its pending revisions (set and order) are Alembic's; where the
history has what it does not handle (depends_on, branch labels) it declines. Also: the version
table read from env.py, and alembic.ini read as Alembic reads it."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from alembic.script.revision import Revision as AlembicRevision
from alembic.script.revision import RevisionMap

from alembic_baseline.history.graph import Revision, ancestors
from alembic_baseline.history.quick import QuickHistory, env_version_table, script_dir
from alembic_baseline.settings import Settings


def _history(rng: random.Random, size: int) -> dict[str, tuple[str, ...]]:
    """id → parents: a random DAG; each revision has 0 (a base), 1 or 2 (a merge) parents
    among the earlier ones."""
    downs: dict[str, tuple[str, ...]] = {}
    for i in range(size):
        rev = f"r{i:03d}"
        earlier = sorted(downs)
        roll = rng.random()
        if not earlier or roll < 0.12:
            downs[rev] = ()
        elif roll < 0.3 and len(earlier) >= 2:
            downs[rev] = tuple(rng.sample(earlier, 2))
        else:
            # mostly continue a recent revision (long chains), sometimes branch off an old one
            pick = earlier[-1] if rng.random() < 0.6 else rng.choice(earlier)
            downs[rev] = (pick,)
    return downs


def _quick(downs: dict[str, tuple[str, ...]]) -> QuickHistory:
    live = {r: Revision(r, d, f"message {r}", Path(f"/v/{r}.py")) for r, d in downs.items()}
    return QuickHistory(Settings(), Path("/v"), live, {}, [])


def _alembic(downs: dict[str, tuple[str, ...]]) -> RevisionMap:
    return RevisionMap(
        lambda: iter(
            [AlembicRevision(r, (d[0] if len(d) == 1 else d) or None) for r, d in downs.items()]
        )
    )


def _antichain(rng: random.Random, downs: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """A database position: one or two revisions, none an ancestor of the other."""
    quick = _quick(downs)
    first = rng.choice(sorted(downs))
    chosen = [first]
    other = rng.choice(sorted(downs))
    if rng.random() < 0.3 and other != first:
        below = quick._downs
        if first not in ancestors(below, [other]) and other not in ancestors(below, [first]):
            chosen.append(other)
    return tuple(sorted(chosen))


def _upgrade_order(rmap: RevisionMap, current: tuple[str, ...]) -> list[str]:
    """What ``alembic upgrade heads`` runs from ``current``, in order (ScriptDirectory's
    ``_upgrade_revs``)."""
    revs = rmap.iterate_revisions("heads", current, implicit_base=True)
    return [r.revision for r in reversed(list(revs))]


def _compare(seed: int) -> int:
    """Compare one random history; the number of non-empty pending lists answered."""
    rng = random.Random(seed)
    downs = _history(rng, rng.randint(1, 40))
    quick, rmap = _quick(downs), _alembic(downs)
    assert quick.heads() == tuple(sorted(rmap.heads))
    assert quick.bases() == tuple(sorted(rmap.bases))
    answered = 0
    positions = [(), *(_antichain(rng, downs) for _ in range(12)), quick.heads()]
    for current in positions:
        found = quick.quick_pending(current)
        expected = _upgrade_order(rmap, current)
        if found is None:
            # declined only when more than one order is possible
            assert len(expected) > 1
            continue
        answered += len(found) > 0
        assert [r.id for r in found] == expected, (current, downs)
    return answered


@pytest.mark.parametrize("seed", range(60))
def test_heads_and_pending_are_alembics(seed: int) -> None:
    _compare(seed)


def test_the_random_histories_have_pending_revisions_answered() -> None:
    """The comparison is not vacuous: many non-empty pending lists are answered."""
    assert sum(_compare(seed) for seed in range(60)) >= 40


def test_a_linear_history_is_answered_from_anywhere() -> None:
    downs = {f"r{i}": ((f"r{i - 1}",) if i else ()) for i in range(10)}
    quick, rmap = _quick(downs), _alembic(downs)
    for i in range(10):
        found = quick.quick_pending((f"r{i}",))
        assert found is not None
        assert [r.id for r in found] == _upgrade_order(rmap, (f"r{i}",))
    found = quick.quick_pending(())
    assert found is not None and [r.id for r in found] == _upgrade_order(rmap, ())


def test_two_branches_pending_are_left_to_alembic() -> None:
    downs = {"a": (), "b": ("a",), "c": ("a",), "m": ("b", "c")}
    assert _quick(downs).quick_pending(("a",)) is None
    found = _quick(downs).quick_pending(("b",))
    assert found is not None and [r.id for r in found] == ["c", "m"]


# -- env.py ------------------------------------------------------------------------------------

_ENV = """
from alembic import context

x = context.get_x_argument(as_dictionary=True)
TABLE = x.get("version_table", "alembic_version")
SCHEMA = x.get("version_schema")


def run() -> None:
    context.configure(url="x", {keywords})
"""


@pytest.mark.parametrize(
    ("keywords", "expected"),
    [
        ("", ("alembic_version", None)),
        ("version_table='v'", ("v", None)),
        ("version_table='v', version_table_schema='s'", ("v", "s")),
        ("version_table=TABLE, version_table_schema=SCHEMA", ("alembic_version", None)),
        ("version_table=None", None),
        ("version_table=TABLE.upper()", None),
        ("version_table=name()", None),
        ("**options", None),
        ("version_table_schema=os.environ['S']", None),
        ("version_table=x['version_table']", None),
    ],
)
def test_the_version_table_is_read_from_env_py(
    tmp_path: Path, keywords: str, expected: tuple[str, str | None] | None
) -> None:
    (tmp_path / "env.py").write_text(_ENV.format(keywords=keywords))
    assert env_version_table(tmp_path) == expected


@pytest.mark.parametrize(
    "extra",
    [
        "TABLE = 'other'",  # bound twice
        "connection.execute(text('SET search_path TO tenant'))",
        "context.configure(url='x', version_table='another')",  # two configure() disagree
    ],
)
def test_an_env_py_that_may_move_the_version_table_is_left_to_the_full_path(
    tmp_path: Path, extra: str
) -> None:
    text = _ENV.format(keywords="version_table=TABLE") + f"\n\ndef more() -> None:\n    {extra}\n"
    if extra.startswith("TABLE"):
        text = _ENV.format(keywords="version_table=TABLE") + f"\n{extra}\n"
    (tmp_path / "env.py").write_text(text)
    assert env_version_table(tmp_path) is None


def test_no_configure_call_is_the_full_path(tmp_path: Path) -> None:
    (tmp_path / "env.py").write_text("from myapp.migrations import run\nrun()\n")
    assert env_version_table(tmp_path) is None


# -- alembic.ini -------------------------------------------------------------------------------


def _ini(tmp_path: Path, body: str) -> Settings:
    (tmp_path / "migrations" / "versions").mkdir(parents=True, exist_ok=True)
    ini = tmp_path / "alembic.ini"
    ini.write_text("[alembic]\n" + body)
    return Settings(config_file=ini)


def test_script_location_with_here(tmp_path: Path) -> None:
    settings = _ini(tmp_path, "script_location = %(here)s/migrations\n")
    assert script_dir(settings) == tmp_path / "migrations"


@pytest.mark.parametrize(
    "body",
    [
        "script_location = %(here)s/migrations\nversion_locations = %(here)s/a %(here)s/b\n",
        "script_location = %(here)s/migrations\nrecursive_version_locations = true\n",
        "script_location = %(here)s/migrations\nsourceless = true\n",
        "script_location = myapp:migrations\n",
        "sqlalchemy.url = x\n",  # no script_location
    ],
)
def test_configurations_left_to_alembic(tmp_path: Path, body: str) -> None:
    assert script_dir(_ini(tmp_path, body)) is None


def test_a_tool_alembic_table_in_pyproject_is_left_to_alembic(tmp_path: Path) -> None:
    settings = _ini(tmp_path, "script_location = %(here)s/migrations\n")
    (tmp_path / "pyproject.toml").write_text("[tool.alembic]\nscript_location = 'x'\n")
    assert script_dir(settings) is None


@pytest.mark.parametrize(
    ("text", "quick"),
    [
        ("[tool.alembic-baseline]\nscratch_major = 18\n", True),  # this tool's table
        ("[tool.alembic-baseline.deploy]\nrecord_applied = false\n", True),
        ("[tool.alembic]\nscript_location = 'x'\n", False),
        ("[[tool.alembic.post_write_hooks]]\ntype = 'exec'\n", False),
        ("tool = { alembic = { script_location = 'x' } }\n", False),
        ("[tool.alembic\n", False),  # unreadable: Alembic's to judge
    ],
)
def test_only_alembics_own_table_in_pyproject_is_left_to_alembic(
    tmp_path: Path, text: str, quick: bool
) -> None:
    settings = _ini(tmp_path, "script_location = %(here)s/migrations\n")
    (tmp_path / "pyproject.toml").write_text(text)
    assert (script_dir(settings) is not None) == quick
