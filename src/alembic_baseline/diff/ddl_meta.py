"""COMMENT ON, OWNER TO and GRANT/REVOKE: metadata statements, made once for all kinds.

A comment or a grant is lost when its object is dropped, so they are emitted for every object
the plan created (or recreated) as well as for objects whose comment or privileges changed.
"""

from __future__ import annotations

from alembic_baseline.diff.ddl_aggregates import operator_name
from alembic_baseline.diff.kinds import DDL_OF, NOUN
from alembic_baseline.diff.model import ChangeKind
from alembic_baseline.diff.plan import Plan
from alembic_baseline.diff.quote import ident, literal, qualified
from alembic_baseline.snapshot.model import Aggregate, CatalogObject, Function, ObjectKey, Operator

_PRIVILEGE = {
    "r": "SELECT",
    "w": "UPDATE",
    "a": "INSERT",
    "d": "DELETE",
    "D": "TRUNCATE",
    "x": "REFERENCES",
    "t": "TRIGGER",
    "X": "EXECUTE",
    "U": "USAGE",
    "C": "CREATE",
    "c": "CONNECT",
    "T": "TEMPORARY",
    "m": "MAINTAIN",
}


def target(obj: CatalogObject) -> str:
    """How COMMENT ON / ALTER ... OWNER TO names ``obj`` (``COLUMN public.t.c``...)."""
    key = obj.key
    noun, naming = NOUN[key.kind], DDL_OF[key.kind].naming
    if naming == "global":
        return f"{noun} {ident(key.name)}"
    if naming == "as is":
        return f"{noun} {key.name}"
    if naming == "column":
        return f"{noun} {qualified(key.schema, key.table)}.{ident(key.name)}"
    if naming == "on table":
        return f"{noun} {ident(key.name)} ON {qualified(key.schema, key.table)}"
    if naming == "signature" and isinstance(obj, Function):
        return f"{noun} {qualified(obj.schema, obj.name)}({obj.identity_args})"
    if naming == "signature" and isinstance(obj, Operator):
        return f"{noun} {operator_name(obj)}"
    if naming == "signature" and isinstance(obj, Aggregate):
        return f"{noun} {qualified(obj.schema, obj.name)}({obj.identity_args or '*'})"
    return f"{noun} {qualified(key.schema, key.name)}"


def _comment(plan: Plan, obj: CatalogObject) -> None:
    text = "NULL" if obj.comment is None else literal(obj.comment)
    plan.add("comments", f"COMMENT ON {target(obj)} IS {text}", obj.key)


def comments(plan: Plan) -> None:
    """Comments of created objects, and comments that changed on kept objects."""
    done: set[ObjectKey] = set()
    for key in sorted(plan.created, key=lambda k: (k.kind, k.schema, k.table, k.name)):
        obj = plan.b(key)
        if obj is not None and obj.comment is not None:
            _comment(plan, obj)
            done.add(key)
    for change in plan.diff.changes:
        changed = change.kind is ChangeKind.CHANGED and change.changed("comment")
        if changed and change.key not in done and change.new is not None:
            _comment(plan, change.new)


def _acl_map(acl: tuple[str, ...]) -> dict[str, set[str]]:
    """``grantee=privs/grantor`` items → grantee → privilege letters (``*``: grant option)."""
    grants: dict[str, set[str]] = {}
    for item in acl:
        grantee, _, rest = item.partition("=")
        letters = rest.split("/", 1)[0]
        privs = grants.setdefault(grantee or "PUBLIC", set())
        for i, letter in enumerate(letters):
            if letter != "*":
                grant_option = letters[i + 1 : i + 2] == "*"
                privs.add(letter + ("*" if grant_option else ""))
    return grants


def _role(name: str) -> str:
    return "PUBLIC" if name == "PUBLIC" else ident(name.strip('"'))


def _grants(plan: Plan, obj: CatalogObject, old_acl: tuple[str, ...]) -> None:
    new_acl: tuple[str, ...] = getattr(obj, "acl", ())
    kind = obj.key.kind
    noun = DDL_OF[kind].grant_noun or NOUN[kind]
    on = target(obj).split(" ", len(NOUN[kind].split()))[-1]
    if isinstance(obj, Aggregate) and not obj.identity_args:
        on = on.removesuffix("(*)") + "()"  # GRANT ... ON FUNCTION has no (*)
    old, new = _acl_map(old_acl), _acl_map(new_acl)
    for grantee in sorted(old.keys() | new.keys()):
        gone = old.get(grantee, set()) - new.get(grantee, set())
        added = new.get(grantee, set()) - old.get(grantee, set())
        if gone:
            privs = ", ".join(sorted(_PRIVILEGE[p[0]] for p in gone))
            plan.add("privileges", f"REVOKE {privs} ON {noun} {on} FROM {_role(grantee)}", obj.key)
        for with_option in (False, True):
            chosen = sorted(_PRIVILEGE[p[0]] for p in added if p.endswith("*") == with_option)
            if chosen:
                sql = f"GRANT {', '.join(chosen)} ON {noun} {on} TO {_role(grantee)}"
                plan.add("privileges", sql + (" WITH GRANT OPTION" if with_option else ""), obj.key)


def privileges(plan: Plan) -> None:
    """OWNER TO and GRANT/REVOKE where the snapshots carry privileges (``--privileges``): for
    changed objects, and in full for every object created — added, recreated by its change, or
    dragged along by another's (a new object has the defaults, whatever the old one had).
    Without them, a note on the drop of each existing object the script drops and creates
    again: its grants are unknown here and go with the drop."""
    recreated = {k for k in plan.created if k in plan.dropped}
    for change in plan.diff.changes:
        new = change.new
        if new is None or change.kind is ChangeKind.REMOVED:
            continue
        old_owner = getattr(change.old, "owner", None) if change.old else None
        owner = getattr(new, "owner", None)
        if owner is not None and (owner != old_owner or new.key in plan.created):
            plan.add("privileges", f"ALTER {target(new)} OWNER TO {ident(owner)}", new.key)
        old_acl: tuple[str, ...] = tuple(getattr(change.old, "acl", ()) if change.old else ())
        fresh = change.kind is ChangeKind.ADDED or new.key in recreated
        if (fresh and hasattr(new, "acl")) or change.changed("acl"):
            _grants(plan, new, () if fresh else old_acl)
    changed = {c.key for c in plan.diff.changes}
    read = _privileges_read(plan)
    for key in sorted(recreated, key=lambda k: (k.kind, k.schema, k.table, k.name)):
        obj = plan.b(key)
        if obj is None or not hasattr(obj, "acl") or (read and key in changed):
            continue
        if read:
            owner = getattr(obj, "owner", None)
            if owner is not None:
                plan.add("privileges", f"ALTER {target(obj)} OWNER TO {ident(owner)}", key)
            _grants(plan, obj, ())
        else:
            plan.note_on_drop(key, LOST_GRANTS)


LOST_GRANTS = (
    "its grants go with it and are not given back: privileges were not compared "
    "(compare with --privileges for a script that re-grants them)"
)


def _privileges_read(plan: Plan) -> bool:
    return all(dict(s.options).get("privileges") == "true" for s in (plan.diff.a, plan.diff.b))
