"""Which upgrade effects a downgrade leaves unreversed (for AB202)."""

from __future__ import annotations

from collections.abc import Sequence

from alembic_baseline.lint.effects import Effect

_VIEWS = ("view", "matview")
_COLUMN_SCOPED = ("not_null", "column_type", "default")
_SKIPPED = ("data", "object", "schema", "extension")


def _net(up: Sequence[Effect]) -> dict[tuple[str, str], tuple[str, str, Effect]]:
    """(kind, name) → (first action, last action, first effect), in upgrade order."""
    net: dict[tuple[str, str], tuple[str, str, Effect]] = {}
    for effect in up:
        if effect.kind in _SKIPPED or (effect.kind == "table" and effect.action == "change"):
            continue
        key = (effect.kind, effect.name)
        first, _, origin = net.get(key, (effect.action, "", effect))
        net[key] = (first, effect.action, origin)
    return net


class _Downgrade:
    def __init__(self, down: Sequence[Effect]) -> None:
        self.actions: dict[tuple[str, str], set[str]] = {}
        for effect in down:
            self.actions.setdefault((effect.kind, effect.name), set()).add(effect.action)
        # Dropping a table or materialized view drops its indexes, constraints, triggers.
        self.dropped_tables = {
            e.name for e in down if e.kind in ("table", "matview") and e.action == "drop"
        }
        self.cascades = any(e.cascade for e in down)
        self.constraint_tables = {e.table for e in down if e.kind == "constraint"}

    def did(self, key: tuple[str, str], *actions: str) -> bool:
        return bool(self.actions.get(key, set()) & set(actions))

    def removes(self, effect: Effect) -> bool:
        key = (effect.kind, effect.name)
        if self.did(key, "drop") or (effect.table and effect.table in self.dropped_tables):
            return True
        if effect.kind in _VIEWS:
            return key in self.actions or self.cascades
        if effect.kind in _COLUMN_SCOPED:
            return self.did(("column", effect.name), "drop")
        if effect.kind == "constraint" and effect.name.endswith(".?"):
            return effect.table in self.constraint_tables
        return False

    def restores(self, effect: Effect) -> bool:
        key = (effect.kind, effect.name)
        if self.did(key, "create", "replace", "change"):
            return True
        return effect.kind in _VIEWS and key in self.actions


def unreversed(up: Sequence[Effect], down: Sequence[Effect]) -> list[tuple[Effect, str]]:
    """(upgrade effect, what the downgrade should do) for every effect it leaves in place."""
    downgrade = _Downgrade(down)
    missing: list[tuple[Effect, str]] = []
    for (kind, _), (first, last, effect) in _net(up).items():
        if first == "create" and last == "drop":
            continue  # temporary object
        if first == "create":
            if not downgrade.removes(effect):
                missing.append((effect, "undo" if kind in _COLUMN_SCOPED else "drop"))
        elif first == "drop" and last == "drop":
            if not downgrade.restores(effect):
                missing.append((effect, "re-create"))
        elif not (downgrade.restores(effect) or downgrade.removes(effect)):
            missing.append((effect, "restore"))
    return missing
