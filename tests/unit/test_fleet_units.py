"""Fleet pieces that need no database: shards, stages, target files."""

from __future__ import annotations

from pathlib import Path

import pytest

from alembic_baseline.errors import ConfigError
from alembic_baseline.fleet import shard
from alembic_baseline.fleet.rollout import Policy, boundaries, parse_stages
from alembic_baseline.fleet.targets import Target, from_file, unique, with_labels
from alembic_baseline.fleet.worker import runs_dir
from alembic_baseline.pg.url import DatabaseURL

NAMES = [f"tenant_{i}" for i in range(500)]


def test_shards_are_disjoint_cover_everything_and_stay_put() -> None:
    shares = [[n for n in NAMES if shard.Shard(i, 4).owns(n)] for i in range(4)]
    assert sorted(n for s in shares for n in s) == sorted(NAMES)
    assert all(60 < len(s) < 190 for s in shares)  # roughly even, none empty
    # a target added or removed moves no other target
    fewer = [n for n in NAMES if n != "tenant_7"] + ["tenant_new"]
    for i in range(4):
        kept = {n for n in fewer if shard.Shard(i, 4).owns(n)}
        assert kept - {"tenant_new"} == set(shares[i]) - {"tenant_7"}


def test_shard_from_flag_or_indexed_job_environment() -> None:
    assert shard.chosen("2/5", None, {}) == shard.Shard(2, 5)
    assert shard.chosen(None, None, {}) is None
    job = {"JOB_COMPLETION_INDEX": "3"}
    assert shard.chosen(None, 4, job) == shard.Shard(3, 4)
    assert shard.chosen(None, None, {**job, "ALEMBIC_BASELINE_SHARDS": "8"}) == shard.Shard(3, 8)
    with pytest.raises(ConfigError, match="JOB_COMPLETION_INDEX is not set"):
        shard.chosen(None, 4, {})
    for bad in ("4/4", "-1/3", "1", "a/b", "0/0"):
        with pytest.raises(ConfigError):
            shard.parse(bad)


def test_stages_are_cumulative_after_the_canaries() -> None:
    stages = parse_stages("10%,50%,100%")
    assert boundaries(200, Policy(canary=2, stages=stages)) == [2, 20, 100, 200]
    assert boundaries(3, Policy(canary=1, stages=stages)) == [1, 2, 3]
    assert boundaries(10, Policy()) == [10]
    assert boundaries(10, Policy(stages=parse_stages("5,50%"))) == [5]  # stops at 50 %
    for bad in ("0%", "150%", "ten", "10%,x"):
        with pytest.raises(ConfigError):
            parse_stages(bad)


def test_targets_file_toml_and_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EU2_URL", "postgresql://app:s3cret@db-eu-2/app")
    toml = tmp_path / "fleet.toml"
    toml.write_text(
        '[[target]]\nname = "eu-1"\nurl = "postgresql://app@db-eu-1/app"\n'
        'labels = { region = "eu", tier = "gold" }\n\n'
        '[[target]]\nname = "eu-2"\nurl_env = "EU2_URL"\nlabels = ["canary"]\n\n'
        '[[target]]\nname = "acme"\nurl = "postgresql://app@db-eu-1/app"\nschema = "acme"\n'
    )
    found = from_file(toml)
    assert [t.name for t in found] == ["eu-1", "eu-2", "acme"]
    assert found[1].url.password == "s3cret" and "s3cret" not in found[1].where
    assert found[2].schema == "acme" and found[2].where.endswith("schema acme")
    assert [t.name for t in with_labels(found, ("region=eu",))] == ["eu-1"]
    assert [t.name for t in with_labels(found, ("canary=",))] == ["eu-2"]

    yaml = tmp_path / "fleet.yaml"
    yaml.write_text("target:\n  - name: one\n    url: postgresql://app@h/one\n")
    assert [t.name for t in from_file(yaml)] == ["one"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[target]]\nname = "a"\n', "exactly one of url and url_env"),
        ('[[target]]\nname = "a"\nurl_env = "NOT_SET_ANYWHERE_42"\n', "is not set"),
        ('[[target]]\nurl = "postgresql://h/a"\n', "has no name"),
        ('[[target]]\nname = "a"\nurl = "postgresql://h/a"\nport = 5\n', "unknown key"),
        ("title = 'no targets'\n", "lists no targets"),
    ],
)
def test_targets_file_mistakes(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        from_file(path)


def test_duplicate_names_are_refused_and_odd_names_get_safe_directories(tmp_path: Path) -> None:
    url = DatabaseURL.parse("postgresql://h/a")
    with pytest.raises(ConfigError, match="Two targets are named"):
        unique([Target("a", url), Target("a", url.with_database("b"))])
    from alembic_baseline.deploy.options import DeployOptions

    options = DeployOptions(runs_dir=tmp_path, backup_dir=tmp_path, cache_dir=tmp_path)
    assert runs_dir(options, "eu-1").name == "eu-1"
    odd = {runs_dir(options, n).name for n in ("../x", "a/b", "a_b", ".hidden")}
    assert len(odd) == 4 and all("/" not in n and not n.startswith(".") for n in odd)
