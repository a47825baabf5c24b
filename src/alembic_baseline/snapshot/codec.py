"""Snapshot values ↔ plain JSON data (dataclasses and named tuples ↔ dicts, tuples ↔ lists), by
type hints."""

from __future__ import annotations

import types
import typing
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
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return None
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        return decode(inner[0], value)
    if origin is tuple:
        item = typing.get_args(tp)[0]
        return tuple(decode(item, v) for v in value)
    if is_named_tuple(tp):
        hints = _hints(tp)
        return tp(**{k: decode(hints[k], v) for k, v in value.items() if k in tp._fields})
    if isinstance(tp, type) and is_dataclass(tp):
        hints = _hints(tp)
        names = {f.name for f in fields(tp) if f.init}
        return tp(**{k: decode(hints[k], v) for k, v in value.items() if k in names})
    if tp is float and isinstance(value, int):
        return float(value)
    return value
