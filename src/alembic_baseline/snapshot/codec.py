"""Snapshot values ↔ plain JSON data (dataclasses and named tuples ↔ dicts, tuples ↔ lists), by
type hints."""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from functools import cache
from typing import Any


def encode(value: Any) -> Any:
    """A snapshot value as plain JSON data (dataclasses and named tuples → dicts, tuples →
    lists)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in fields(value)}
    if is_named_tuple(type(value)):
        return {k: encode(v) for k, v in zip(type(value)._fields, value, strict=True)}
    if isinstance(value, tuple):
        return [encode(v) for v in value]
    return value


def is_named_tuple(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, tuple) and hasattr(tp, "_fields")


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def decode(tp: Any, value: Any) -> Any:
    """Rebuild a value of type ``tp`` from its JSON form (lists become tuples)."""
    return decoder(tp)(value)


def _identity(value: Any) -> Any:
    return value


def _float(value: Any) -> Any:
    return float(value) if isinstance(value, int) else value


@cache
def decoder(tp: Any) -> Callable[[Any], Any]:
    """The function rebuilding values of type ``tp``, made once per type: the type hints are
    read when it is made, not for every value (reading them per value was most of loading a
    cached expected schema, ``status``'s largest cost after its imports). Snapshot types do
    not contain themselves."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        inner = decoder(next(a for a in typing.get_args(tp) if a is not type(None)))
        return lambda value: None if value is None else inner(value)
    if origin is tuple:
        item = decoder(typing.get_args(tp)[0])
        if item is _identity:
            return tuple
        return lambda value: tuple([item(v) for v in value])
    if is_named_tuple(tp):
        hints = _hints(tp)
        known = {k: decoder(hints[k]) for k in tp._fields}
        return lambda value: tp(**{k: known[k](v) for k, v in value.items() if k in known})
    if isinstance(tp, type) and is_dataclass(tp):
        hints = _hints(tp)
        init = {f.name: decoder(hints[f.name]) for f in fields(tp) if f.init}
        return lambda value: tp(**{k: init[k](v) for k, v in value.items() if k in init})
    if tp is float:
        return _float
    return _identity
