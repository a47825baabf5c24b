"""The team workflow without a database: sum file format, phases, the down_revision edit, the
rebase plan on histories with merges and several bases, applied checksums against files."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from alembic_baseline import settings
from alembic_baseline.deploy.applied import AppliedRow
from alembic_baseline.errors import ConfigError, ExitCode, UnsafeError
from alembic_baseline.history.checksums import ChecksumCache, SumEntry, checksum, parse, render
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.history.graph import History
from alembic_baseline.history.phases import PhaseError, phase_of_source, runnable
from alembic_baseline.team import rebase as rb
from alembic_baseline.team.integrity import DELETED, compare
from alembic_baseline.team.rewrite import RewriteError, rewrite_down_revision
from tests.helpers.formats import check_json, check_markdown
from tests.helpers.projects import cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "projects"


# -- sum file ------------------------------------------------------------------------------------


def test_sum_file_round_trip_and_damage() -> None:
    entries = [
        SumEntry("b2", checksum(b"two"), "b2_x.py"),
        SumEntry("a1", checksum(b"one"), "a.py"),
    ]
    text = render(entries)
    assert text.splitlines()[1].startswith("a1 sha256:")  # sorted by path
    read = parse(text)
    assert read.intact and read.by_revision()["b2"].path == "b2_x.py"
    # Two branches' lines concatenated by hand: the first line's total no longer matches.
    extra = SumEntry("c3", checksum(b"three"), "c3.py").line
    assert not parse(text + extra + "\n").intact
    conflicted = parse(text.replace("a1 ", "<<<<<<< HEAD\na1 ", 1))
    assert not conflicted.intact and "merge-conflict marker" in conflicted.problems[0]
    assert checksum(b"a\r\nb\rc\n") == checksum(b"a\nb\nc\n") != checksum(b"a\nb\nc")


def test_checksum_cache_follows_file_identity(tmp_path: Path) -> None:
    revision = tmp_path / "a1_rev.py"
    revision.write_text("revision = 'a1'\n")
    cache_file = tmp_path / "cache" / "checksums.json"
    cache = ChecksumCache(cache_file)
    assert cache.checksum(revision) == checksum(revision.read_bytes())
    assert not cache.dirty  # written just now: racy, not remembered
    old = revision.stat().st_mtime_ns - 10_000_000_000
    os.utime(revision, ns=(old, old))
    cache.checksum(revision)
    cache.save()
    warm = ChecksumCache(cache_file)
    assert warm.entries[str(revision)][3] == checksum(revision.read_bytes())
    revision.write_text("revision = 'b2'\n")  # same size, new mtime: read again
    assert warm.checksum(revision) == checksum(b"revision = 'b2'\n")


# -- phases --------------------------------------------------------------------------------------


def test_phase_declaration() -> None:
    assert phase_of_source('revision = "a"\n') == "pre"
    assert phase_of_source('revision = "a"\nphase = "post"\n') == "post"
    assert phase_of_source('phase: str = "pre"\n') == "pre"
    assert phase_of_source('def f():\n    phase = "post"\n') == "pre"  # module level only
    with pytest.raises(PhaseError):
        phase_of_source("phase = 'later'\n")


@pytest.mark.parametrize(
    ("phases", "wanted", "expected"),
    [
        (["pre", "pre", "post"], "pre", (2, None)),
        (["pre", "pre", "post"], "post", (0, "pre revisions are pending before post ones")),
        (["post", "pre"], "pre", (0, "a pre revision follows a pending post revision")),
        (["post", "pre"], "post", (1, None)),
        (["pre", "post", "pre"], "pre", (1, "a pre revision follows a pending post revision")),
        (["post", "post"], "pre", (0, None)),
        ([], "post", (0, None)),
    ],
)
def test_runnable_never_reorders(
    phases: list[str], wanted: str, expected: tuple[int, str | None]
) -> None:
    count, reason = runnable(phases, wanted)
    assert count == expected[0]
    assert (reason is None) == (expected[1] is None)
    assert expected[1] is None or expected[1] in (reason or "")


# -- the down_revision edit ----------------------------------------------------------------------


def test_rewrite_keeps_everything_but_the_id() -> None:
    source = (
        '"""Ajout de la colonne « note »\n\nRevision ID: b2\nRevises: a1\n"""\r\n'
        "note = 'é'; down_revision: Union[str, None] = 'a1'  # keep me\r\n"
        'branch_labels = None\r\nx = "Revises: a1"\r\n'
    )
    out = rewrite_down_revision(source, "a1", "f9e8d7c6b5a4")
    assert out == source.replace("= 'a1'", "= 'f9e8d7c6b5a4'", 1).replace(
        "Revises: a1\n", "Revises: f9e8d7c6b5a4\n", 1
    )
    assert 'x = "Revises: a1"' in out  # outside the docstring: untouched
    with pytest.raises(RewriteError):
        rewrite_down_revision('down_revision = ("a1", "b2")\n', "a1", "c3")


# -- rebase plans on real histories (no database) ------------------------------------------------


def _history(tmp_path: Path, extra: dict[str, str | None]) -> History:
    """The multibase fixture (two bases, merged) plus revisions ``id → down_revision``."""
    root = tmp_path / "multibase"
    shutil.copytree(FIXTURES / "multibase", root, ignore=shutil.ignore_patterns("__pycache__"))
    for rev, down in extra.items():
        (root / "migrations" / "versions" / f"{rev}_team_case_with_a_long_slug.py").write_text(
            f'"""case\n\nRevision ID: {rev}\nRevises: {down}\n"""\n'
            f"revision = {rev!r}\ndown_revision = {down!r}\nbranch_labels = None\n"
            "depends_on = None\n\n\ndef upgrade() -> None:\n    pass\n\n\n"
            "def downgrade() -> None:\n    pass\n"
        )
    config = str(root / "alembic.ini")
    return History(AlembicProject(settings.load(config=config, environ={}, cwd=root)))


def test_rebase_plan_from_a_base_of_a_merged_history(tmp_path: Path) -> None:
    # ee11 forks from bb22 (one of the two merged bases): its branch is a single line.
    history = _history(tmp_path, {"ee11ee11ee11": "bb22bb22bb22"})
    plan = rb.plan(history, applied=set(), move="ee11")
    assert (plan.root.id, plan.fork, plan.onto) == ("ee11ee11ee11", "bb22bb22bb22", "dd44dd44dd44")
    # The other head's branch holds the merge: moving it is refused, with the reason.
    with pytest.raises(UnsafeError, match="contains merge revision"):
        rb.plan(history, applied=set(), move="dd44")
    with pytest.raises(ConfigError, match="say which one moves"):
        rb.plan(history, applied=set())
    # dd44's line is applied somewhere: ee11 is the one to move, without being asked.
    assert rb.plan(history, applied={"aa11aa11aa11"}).moved_head == "ee11ee11ee11"


def test_rebase_refuses_a_branch_with_its_own_base(tmp_path: Path) -> None:
    history = _history(tmp_path, {"ff66ff66ff66": None, "0a77aa77aa77": "ff66ff66ff66"})
    with pytest.raises(UnsafeError, match="starts at a base of its own"):
        rb.plan(history, applied={"dd44dd44dd44"})


def test_rebase_needs_two_heads(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="exactly two heads"):
        rb.plan(_history(tmp_path, {}), applied=set())


def test_run_records_count_every_started_step(tmp_path: Path) -> None:
    run = tmp_path / "runs" / "20261201T000000Z-apply-ab12"
    run.mkdir(parents=True)
    steps = [
        {"revision": "r1", "direction": "upgrade", "status": "done"},
        {"revision": "r2", "direction": "upgrade", "status": "failed"},
        {"revision": "r3", "direction": "upgrade", "status": "pending"},
    ]
    (run / "record.json").write_text(json.dumps({"from_revisions": ["r0"], "steps": steps}))
    assert rb.run_record_revisions(tmp_path / "runs") == ({"r0", "r1", "r2"}, 1)


# -- applied checksums against files -------------------------------------------------------------


def test_compare_applied_rows_with_files(tmp_path: Path) -> None:
    history = _history(tmp_path, {})
    merge = history.live["cc33cc33cc33"]
    row = lambda rev, value: AppliedRow(rev, value, f"versions/{rev}.py", "upgrade", "")  # noqa: E731
    good = checksum(merge.path.read_bytes())
    rows = {
        "aa11aa11aa11": row(
            "aa11aa11aa11", checksum(history.live["aa11aa11aa11"].path.read_bytes())
        ),
        "cc33cc33cc33": row("cc33cc33cc33", good),
        "bb22bb22bb22": row("bb22bb22bb22", "sha256:" + "0" * 64),  # edited since
        "0ld0ld0ld0ld": row("0ld0ld0ld0ld", good),  # no file: gone
        "dd44dd44dd44": row("dd44dd44dd44", good),  # not applied (above current): not compared
    }
    result = compare(history, rows, ["cc33cc33cc33", "0ld0ld0ld0ld"])
    assert result.checked == 4
    assert [(m.revision, m.actual is None) for m in result.mismatches] == [
        ("0ld0ld0ld0ld", True),
        ("bb22bb22bb22", False),
    ]
    # Archived by a baseline (its manifest lists it) though the file is gone: present.
    baselines = history.project.script_location / "baselines"
    baselines.mkdir()
    manifest = {
        "revision": "baseline_20261201", "old_head": "cc33cc33cc33", "sql": "", "source": "",
        "server_version": "18", "pg_dump": "", "archived": ["0ld0ld0ld0ld"],
    }  # fmt: skip
    (baselines / "baseline_20261201.json").write_text(json.dumps(manifest))
    rows["bb22bb22bb22"] = row(
        "bb22bb22bb22", checksum(history.live["bb22bb22bb22"].path.read_bytes())
    )
    result = compare(history, rows, ["cc33cc33cc33", "0ld0ld0ld0ld"])
    assert result.ok and result.not_compared == ("0ld0ld0ld0ld",)
    rows["0ld0ld0ld0ld"] = row("0ld0ld0ld0ld", DELETED)  # an accepted deletion
    assert compare(history, rows, ["cc33cc33cc33", "0ld0ld0ld0ld"]).not_compared == ()


def test_history_sum_writes_then_refuses_an_edit_in_json_and_markdown(tmp_path: Path) -> None:
    history = _history(tmp_path, {})
    ini = str(history.project.settings.config_file)
    code, out, _ = cli("--format", "markdown", "-c", ini, "history", "sum")
    assert code == ExitCode.OK
    check_markdown(out)
    assert "4 revisions, written" in out
    merge = history.live["cc33cc33cc33"].path
    merge.write_text(merge.read_text() + "# edited after it was applied\n")
    code, out, _ = cli("--format", "json", "-c", ini, "history", "sum")
    data = check_json(out)
    assert code == ExitCode.UNSAFE and isinstance(data, dict) and data["refused"] is True
    assert data["directories"][0]["edited"] == ["cc33cc33cc33"]
    code, out, _ = cli("-c", ini, "history", "sum", "--accept-changes")
    assert code == ExitCode.OK and "written" in out
