"""What ``baseline verify`` and ``baseline create`` import: each its own operation, not the
others' (create's self-check and pg_dump handling are not verify's; the deploy options and the
upgrade of archived databases are neither's)."""

from __future__ import annotations

from pathlib import Path

from tests.unit.test_cli_startup import _loaded, _python

_CODE = """
import io, json, sys
from alembic_baseline.cli import main
from alembic_baseline.commands.baseline import {function}  # the command's module
code = main(["baseline", {argv}], io.StringIO(), io.StringIO())
assert code == 2, code  # no alembic.ini here: the first error, after the imports
print(json.dumps(sorted(sys.modules)))
"""


def test_verify_imports_no_create_restore_or_upgrade(tmp_path: Path) -> None:
    modules = _python(_CODE.format(function="verify_baseline", argv='"verify"'), cwd=tmp_path)
    for other in ("alembic_baseline.baseline.create", "alembic_baseline.baseline.selfcheck",
                  "alembic_baseline.baseline.source", "alembic_baseline.baseline.restore",
                  "alembic_baseline.baseline.upgrade", "alembic_baseline.deploy.options",
                  "pglast"):  # fmt: skip
        assert _loaded(modules, other) == [], other
    assert "alembic_baseline.baseline.verify" in modules


def test_create_imports_no_restore_or_upgrade(tmp_path: Path) -> None:
    argv = '"create", "--from-history"'
    modules = _python(_CODE.format(function="create_baseline", argv=argv), cwd=tmp_path)
    for other in ("alembic_baseline.baseline.restore", "alembic_baseline.baseline.upgrade",
                  "alembic_baseline.deploy.options", "pglast"):  # fmt: skip
        assert _loaded(modules, other) == [], other
    assert "alembic_baseline.baseline.create" in modules
