"""The pure parts of a fleet's tenant schema targets: the schema-only restore commands, the
mapping of the scratch tenant schema to a tenant's name, an unverifiable tenant (no database)."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from alembic_baseline.deploy.restore import aside_name, check_restorable, schema_restore_commands
from alembic_baseline.errors import ExitCode, UnsafeError
from alembic_baseline.expected import TENANT_SCRATCH_SCHEMA, SchemaCheck, as_tenant
from alembic_baseline.fleet.tenants import schema_item
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.runbook import backup as bk
from alembic_baseline.runbook import record as rec
from alembic_baseline.runbook.items import Status
from alembic_baseline.snapshot.model import Schema, Snapshot, View

S = TENANT_SCRATCH_SCHEMA


def _backup(path: Path, schema: str | None) -> bk.Backup:
    path.write_bytes(b"dump")
    return bk.Backup(path, 4, bk.sha256_of(path), 3, 0.1, "18.4", "saas", schema)


def test_a_one_schema_backup_is_refused_with_commands(tmp_path: Path) -> None:
    backup = _backup(tmp_path / "saas.t's_x.dump", 'Ten\'ant "x"')
    recorded = rec.RecordedRun("r1", "fleet-apply", "saas", "ok", ("a",), ("b",), backup)
    url = DatabaseURL.parse("postgresql://app:s3cret-pw@db.example:5433/saas")
    with pytest.raises(UnsafeError) as caught:
        check_restorable(recorded, "saas", True, url)
    assert caught.value.exit_code == ExitCode.UNSAFE
    steps = [caught.value.context[f"step {i}"] for i in (1, 2, 3)]
    assert steps == schema_restore_commands(backup, url)
    assert not any("s3cret" in s for s in steps)  # libpq reads PGPASSWORD / ~/.pgpass
    rename = shlex.split(steps[0])
    assert rename[-1] == (
        '--command=ALTER SCHEMA "Ten\'ant ""x""" RENAME TO "Ten\'ant ""x""_before_restore"'
    )
    assert "--dbname=dbname='saas' host='db.example' port='5433' user='app'" in rename
    restore = shlex.split(steps[1])
    assert restore[0] == "pg_restore" and restore[-1] == str(backup.path)
    assert "--single-transaction" in restore and "--clean" not in restore


def test_long_schemas_sharing_their_first_bytes_are_never_renamed_aside_to_one_name() -> None:
    # step 3 drops the renamed schema: two tenants whose names are equal in the bytes kept after
    # the cut must not meet under one "<schema>_before_restore"
    first, second = "t" * 50 + "_alpha", "t" * 50 + "_beta"
    names = {aside_name(first), aside_name(second)}
    assert len(names) == 2
    assert all(len(n.encode()) <= 63 and n.endswith("_before_restore") for n in names)
    assert aside_name("acme") == "acme_before_restore"  # short names stay readable
    multibyte = "テナント" * 5  # 60 bytes: cut on a character boundary
    assert aside_name(multibyte).encode().decode() == aside_name(multibyte)
    assert len(aside_name(multibyte).encode()) <= 63


def test_a_database_backup_is_not_refused_for_its_scope(tmp_path: Path) -> None:
    backup = _backup(tmp_path / "saas.dump", None)
    recorded = rec.RecordedRun("r1", "apply", "saas", "ok", ("a",), ("b",), backup)
    assert check_restorable(recorded, "saas", True) == backup


def test_the_scratch_schema_maps_to_the_tenant_name_only_where_it_is_a_name() -> None:
    definition = f" SELECT a.id FROM {S}.accounts a WHERE a.slug <> '{S}x.y'::text"
    snap = Snapshot.build(
        schemas=[Schema(S)],
        views=[View(S, "v", definition)],
    )
    mapped = as_tenant(snap, "Globex Corp", '"Globex Corp"')
    assert [s.name for s in mapped.schemas] == ["Globex Corp"]
    (view,) = mapped.views
    assert view.schema == "Globex Corp"
    assert view.definition == (
        f" SELECT a.id FROM \"Globex Corp\".accounts a WHERE a.slug <> '{S}x.y'::text"
    )


def test_a_tenant_that_could_not_be_compared_fails_its_verification() -> None:
    item = schema_item(SchemaCheck("abc", None, detail="schema not compared: no server"))
    assert item.status is Status.FAIL and item.detail.startswith("not verified:")
    assert schema_item(SchemaCheck("abc", True, detail="equal")).status is Status.PASS
    assert schema_item(SchemaCheck("abc", False, ("x",), "1 difference")).status is Status.FAIL
