"""Aggregates (pg_aggregate with their pg_proc row, prokind ``a``) and operators (pg_operator)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from alembic_baseline.snapshot.objects import CatalogObject, ObjectKey, cached_key


@dataclass(frozen=True)
class Aggregate(CatalogObject):
    """An aggregate; ``name`` is bare, the key adds the identity arguments (``integer ORDER BY
    anyelement`` for an ordered-set one, empty for ``*``). Support functions are named as the
    catalog prints them with an empty search_path (``public.f``, ``int4pl``); ``None`` when
    absent. ``kind``: normal | ordered-set | hypothetical. ``moving``: the moving-aggregate
    (MSFUNC…) parameters, in the order CREATE AGGREGATE names them, when there are any."""

    KIND: ClassVar[str] = "aggregate"
    schema: str
    name: str
    identity_args: str
    arguments: str
    kind: str = "normal"
    direct_args: int = 0
    sfunc: str = ""
    stype: str = ""
    sspace: int = 0
    finalfunc: str | None = None
    finalfunc_extra: bool = False
    finalfunc_modify: str = "read_only"
    combinefunc: str | None = None
    serialfunc: str | None = None
    deserialfunc: str | None = None
    initcond: str | None = None
    moving: tuple[tuple[str, str], ...] = ()
    sortop: str | None = None
    parallel: str = "unsafe"
    owner: str | None = None
    acl: tuple[str, ...] = ()

    @cached_key
    def key(self) -> ObjectKey:
        return ObjectKey.of(self.KIND, self.schema, f"{self.name}({self.identity_args})")


@dataclass(frozen=True)
class Operator(CatalogObject):
    """An operator; the key names it as ``pg_identify_object`` does: ``===(integer,integer)``,
    ``NONE`` for the missing left argument of a prefix operator. Functions and operators it
    names are printed with the snapshot's empty search_path (``public.f``, ``eqsel``);
    ``commutator``/``negator`` as ``schema.name`` (their argument types follow from this one's).
    ``families``: the operator families that use it (``public.fam USING btree``), sorted.
    """

    KIND: ClassVar[str] = "operator"
    schema: str
    name: str
    left: str | None
    right: str
    result: str = ""
    function: str = ""
    commutator: str | None = None
    negator: str | None = None
    restrict: str | None = None
    join: str | None = None
    hashes: bool = False
    merges: bool = False
    families: tuple[str, ...] = ()
    owner: str | None = None

    @cached_key
    def key(self) -> ObjectKey:
        args = f"{self.left or 'NONE'},{self.right}"
        return ObjectKey.of(self.KIND, self.schema, f"{self.name}({args})")
