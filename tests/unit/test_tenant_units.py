"""alembic_baseline.tenant's name checks and lockkey's "runner holds the key" registry."""

from __future__ import annotations

import pytest

from alembic_baseline import lockkey, tenant


@pytest.mark.parametrize(
    "name",
    ["acme", "Globex-Corp", "tenant 42", "т_кириллица", "x" * 63, 'quote"in'],
)
def test_names_a_schema_can_have_pass(name: str) -> None:
    assert tenant.check_name(name) == name


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("", "is empty"),
        ("x" * 64, "is 64 bytes long"),
        ("é" * 32, "is 64 bytes long"),  # bytes, not characters
        ("acme\nDROP", "contains a control character"),
        ("pg_catalog", "is a system schema"),
        ("information_schema", "is a system schema"),
    ],
)
def test_names_that_cannot_be_a_tenant_are_refused(name: str, problem: str) -> None:
    with pytest.raises(tenant.TenantError, match=problem) as raised:
        tenant.check_name(name)
    assert "hint: Pass the name of the tenant's schema" in str(raised.value)


def test_runner_registry_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(lockkey.HELD_ENV, raising=False)
    mine, other = lockkey.key("saas", "acme"), lockkey.key("saas", "globex")
    assert not lockkey.held_by_runner(mine)
    with lockkey.holding(mine):
        assert lockkey.held_by_runner(mine) and not lockkey.held_by_runner(other)
    assert not lockkey.held_by_runner(mine)
    monkeypatch.setenv(lockkey.HELD_ENV, lockkey.env_for(mine)[lockkey.HELD_ENV])
    assert lockkey.held_by_runner(mine) and not lockkey.held_by_runner(other)
