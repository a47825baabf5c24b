"""Decoding a snapshot's JSON through decoders made once per type gives what reading the type
hints for every value gave (``status`` decodes a cached expected schema on every run)."""

from __future__ import annotations

import json
import types
import typing
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

import pytest

from alembic_baseline.snapshot import codec
from alembic_baseline.snapshot.model import Snapshot

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "golden"


def _per_value(tp: Any, value: Any) -> Any:
    """The decoder as it was: the type inspected for every value."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return None
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        return _per_value(inner[0], value)
    if origin is tuple:
        item = typing.get_args(tp)[0]
        return tuple(_per_value(item, v) for v in value)
    if codec.is_named_tuple(tp):
        hints = typing.get_type_hints(tp)
        return tp(**{k: _per_value(hints[k], v) for k, v in value.items() if k in tp._fields})
    if isinstance(tp, type) and is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        names = {f.name for f in fields(tp) if f.init}
        return tp(**{k: _per_value(hints[k], v) for k, v in value.items() if k in names})
    if tp is float and isinstance(value, int):
        return float(value)
    return value


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.json")), ids=lambda p: p.name)
def test_compiled_decoders_give_what_per_value_decoding_gave(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    fast = Snapshot.from_dict(data)
    monkeypatch.setattr(codec, "decode", _per_value)
    slow = Snapshot.from_dict(data)
    assert fast == slow
    assert fast.to_json() == slow.to_json()
    assert sum(len(v) for v in data["objects"].values()) > 50  # a real schema, not an empty one


def test_decoders_convert_as_before() -> None:
    tp = tuple[float | None, ...]
    assert codec.decode(tp, [1, None, 2.5, True]) == _per_value(tp, [1, None, 2.5, True])
    assert codec.decode(tp, [1])[0].__class__ is float
    assert codec.decode(tuple[str, ...], ["a", "b"]) == ("a", "b")
    assert codec.decoder(tuple[str, ...]) is codec.decoder(tuple[str, ...])  # made once
