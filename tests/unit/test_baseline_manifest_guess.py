"""``guess_major``: the major of a project's baseline manifest, read before Alembic loads, so that
``baseline verify`` opens its scratch server (and has it create its databases) meanwhile."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alembic_baseline.baseline.manifest import guess_major


def _project(root: Path, location: str, manifests: dict[str, str]) -> Path:
    ini = root / "alembic.ini"
    ini.write_text(f"[alembic]\nscript_location = {location}\n", encoding="utf-8")
    baselines = root / "migrations" / "baselines"
    baselines.mkdir(parents=True)
    for revision, version in manifests.items():
        text = json.dumps({"revision": revision, "server_version": version})
        (baselines / f"{revision}.json").write_text(text, encoding="utf-8")
    return ini


@pytest.mark.parametrize("location", ["%(here)s/migrations", "migrations"])
def test_the_newest_manifest_or_the_one_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, location: str
) -> None:
    ini = _project(tmp_path, location, {"baseline_a": "16.4", "baseline_b": "18.1"})
    monkeypatch.chdir(tmp_path.parent)  # a relative location is found beside the file too
    assert guess_major(ini, "alembic") == 18
    assert guess_major(ini, "alembic", "baseline_a") == 16
    assert guess_major(ini, "alembic", "baseline_c") is None


def test_no_guess_when_unsure(tmp_path: Path) -> None:
    ini = _project(tmp_path, "%(here)s/migrations", {"baseline_a": "sixteen"})
    assert guess_major(ini, "alembic") is None  # damaged: verify itself says so
    assert guess_major(ini, "other_section") is None
    assert guess_major(tmp_path / "missing.ini", "alembic") is None
    (tmp_path / "pkg.ini").write_text("[alembic]\nscript_location = myapp:migrations\n")
    assert guess_major(tmp_path / "pkg.ini", "alembic") is None
