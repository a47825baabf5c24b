"""DDL for text search dictionaries and configurations.

A dictionary's options and a configuration's mappings are altered in place; a new template or
parser means dropping and creating the object (what names a configuration — indexes, defaults,
views, functions — is dragged along: see its Kind's ends). Configurations are created after the
dictionaries they map to, and a removed dictionary is dropped once A's configurations have
stopped using it (the late drop phase). A dictionary whose template changes while A's
configurations use it is left as manual work (it cannot be dropped while mapped).
"""

from __future__ import annotations

from collections import defaultdict

from alembic_baseline.diff.model import Change
from alembic_baseline.diff.plan import Plan
from alembic_baseline.diff.quote import qualified
from alembic_baseline.snapshot.model import (
    CatalogObject,
    Snapshot,
    TextSearchConfiguration,
    TextSearchDictionary,
)

_LATE = "drop released text search dictionaries"
_DICTIONARY = "TEXT SEARCH DICTIONARY"
_CONFIGURATION = "TEXT SEARCH CONFIGURATION"


def _option_name(option: str) -> str:
    return option.partition(" = ")[0]


def create_dictionary(plan: Plan, obj: CatalogObject) -> None:
    assert isinstance(obj, TextSearchDictionary)
    if plan.create_once(obj.key):
        options = ", ".join((f"TEMPLATE = {obj.template}", *obj.options))
        sql = f"CREATE {_DICTIONARY} {qualified(obj.schema, obj.name)} ({options})"
        plan.add(plan.phase(obj.key), sql, obj.key)


def mapped(snap: Snapshot, name: str) -> bool:
    """Whether a configuration of ``snap`` maps a token type to the dictionary ``name``."""
    return any(
        name in mapping.partition(": ")[2].split(", ")
        for config in snap.text_search_configurations
        for mapping in config.mappings
    )


def drop_dictionary(plan: Plan, obj: CatalogObject, destructive: bool) -> None:
    assert isinstance(obj, TextSearchDictionary)
    if not plan.drop_once(obj.key):
        return
    name = qualified(obj.schema, obj.name)
    if plan.b(obj.key) is None:  # removed: after A's configurations have moved off it
        plan.add(_LATE, f"DROP {_DICTIONARY} {name}", obj.key)
    elif mapped(plan.diff.a, name):
        plan.create_once(obj.key)  # (B's cannot be created under the same name)
        plan.add(
            plan.drop_phase(obj.key),
            f"-- DROP {_DICTIONARY} {name}",
            obj.key,
            manual=True,
            note="a dictionary's template cannot be altered, and configurations map to this "
            "one: create the new dictionary under another name, map the configurations to "
            "it, drop this one",
        )
    else:
        plan.add(plan.drop_phase(obj.key), f"DROP {_DICTIONARY} {name}", obj.key)


def alter_dictionary(plan: Plan, change: Change) -> None:
    old, new = change.old, change.new
    if not (isinstance(old, TextSearchDictionary) and isinstance(new, TextSearchDictionary)):
        return
    if old.options == new.options:
        return
    kept = {_option_name(o) for o in new.options}
    # an option named without a value goes back to the template's default
    removed = [_option_name(o) for o in old.options if _option_name(o) not in kept]
    changes = [o for o in new.options if o not in old.options] + removed
    sql = f"ALTER {_DICTIONARY} {qualified(new.schema, new.name)} ({', '.join(changes)})"
    plan.add(plan.phase(new.key), sql, new.key)


def _by_dictionaries(mappings: dict[str, str]) -> dict[str, list[str]]:
    """Token types grouped by their dictionary list (one statement per list)."""
    groups: dict[str, list[str]] = defaultdict(list)
    for token, dictionaries in sorted(mappings.items()):
        groups[dictionaries].append(token)
    return groups


def _mappings(obj: TextSearchConfiguration) -> dict[str, str]:
    return dict(m.split(": ", 1) for m in obj.mappings)


def _map(plan: Plan, obj: TextSearchConfiguration, verb: str, mappings: dict[str, str]) -> None:
    alter = f"ALTER {_CONFIGURATION} {qualified(obj.schema, obj.name)}"
    for dictionaries, tokens in _by_dictionaries(mappings).items():
        sql = f"{alter} {verb} MAPPING FOR {', '.join(tokens)} WITH {dictionaries}"
        plan.add(plan.phase(obj.key), sql, obj.key)


def create_configuration(plan: Plan, obj: CatalogObject) -> None:
    assert isinstance(obj, TextSearchConfiguration)
    if plan.create_once(obj.key):
        name = qualified(obj.schema, obj.name)
        plan.add(
            plan.phase(obj.key), f"CREATE {_CONFIGURATION} {name} (PARSER = {obj.parser})", obj.key
        )
        _map(plan, obj, "ADD", _mappings(obj))


def drop_configuration(plan: Plan, obj: CatalogObject, destructive: bool) -> None:
    if plan.drop_once(obj.key):
        sql = f"DROP {_CONFIGURATION} {qualified(obj.key.schema, obj.key.name)}"
        plan.add(plan.drop_phase(obj.key), sql, obj.key)


def alter_configuration(plan: Plan, change: Change) -> None:
    old, new = change.old, change.new
    if not isinstance(old, TextSearchConfiguration) or not isinstance(new, TextSearchConfiguration):
        return
    before, after = _mappings(old), _mappings(new)
    gone = sorted(t for t in before if t not in after)
    if gone:
        sql = f"ALTER {_CONFIGURATION} {qualified(new.schema, new.name)} DROP MAPPING FOR "
        plan.add(plan.phase(new.key), sql + ", ".join(gone), new.key)
    changed = {t: d for t, d in after.items() if t in before and before[t] != d}
    _map(plan, new, "ALTER", changed)
    _map(plan, new, "ADD", {t: d for t, d in after.items() if t not in before})
