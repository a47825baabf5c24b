"""The snapshot's JSON text, streamed: the exact bytes of
``json.dumps(snapshot.to_dict(), sort_keys=True, indent=1, ensure_ascii=False) + "\\n"``.

``json.dumps`` with ``indent`` runs the pure-Python encoder, and :meth:`Snapshot.to_dict` first
copies every object into dicts through a generic walker (:func:`.codec.encode`): together more
than half of a ``snapshot`` command's time. This writer emits the same layout directly from the
objects: per class, the field names sorted once and read in one ``attrgetter`` call, strings
escaped by the C function ``json`` itself uses, and the text produced in chunks (one per object)
so a caller can write it to a file without holding the whole document in memory.
``tests/unit/test_snapshot_jsonwrite.py`` checks the bytes against the reference encoder.

Records (the dataclasses and named tuples of the model) are written by a function generated once
per class and nesting level (:func:`_record`): one f-string per object whose fixed parts (the
indented, escaped key names) are constants and whose fields are escaped inline when they are
strings, None, booleans, integers or empty tuples, the common case; anything else goes
through :func:`_value`.

:class:`Ahead` renders kinds whose objects are final while the catalog is still being read (the
command's main thread would otherwise wait for the server) into an unnamed file beside the
output; :func:`write` copies those parts in where they belong.
"""

from __future__ import annotations

import json
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import fields, is_dataclass
from functools import cache
from json.encoder import encode_basestring
from operator import attrgetter, is_
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from alembic_baseline.snapshot.model import Snapshot

_ENC = encode_basestring  # what json.dumps(ensure_ascii=False) escapes strings with (C)
_FLOAT = float.__repr__
_INT = int.__repr__


@cache
def _ind(level: int) -> str:
    return "\n" + " " * level


@cache
def _plan(cls: type, level: int) -> tuple[Any, tuple[str, ...]] | None:
    """For a dataclass or named tuple: a getter of its fields in sorted-name order and each
    field's line prefix at ``level`` (None: not a record type)."""
    if is_dataclass(cls):
        names = sorted(f.name for f in fields(cls))
    elif issubclass(cls, tuple) and hasattr(cls, "_fields"):
        names = sorted(cls._fields)
    else:
        return None
    ind = _ind(level + 1)
    prefixes = tuple(("{" if i == 0 else ",") + ind + _ENC(n) + ": " for i, n in enumerate(names))
    if not names:
        return (lambda o: ()), prefixes
    getter = attrgetter(*names)
    if len(names) == 1:
        return (lambda o, g=getter: (g(o),)), prefixes
    return getter, prefixes


def _leaf(value: Any) -> str | None:
    """The JSON text of a scalar, as ``json`` writes it (None: not a scalar)."""
    if isinstance(value, str):
        return _ENC(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return _INT(value)
    if isinstance(value, float):
        return json.dumps(value)  # nan/inf spellings, as the reference encoder
    return None


@cache
def _record(cls: type, level: int) -> Callable[[Any], str] | None:
    """For a dataclass or named tuple: a function giving the JSON text of one instance at
    nesting ``level`` (its first line not indented), generated from the sorted field names
    (None: not a record type)."""
    plan = _plan(cls, level)
    if plan is None:
        return None
    getter, prefixes = plan
    if not prefixes:
        return lambda o: "{}"
    env: dict[str, Any] = {"_g": getter, "_E": _ENC, "_V": _value, "_I": _INT}
    env.update(_s=str, _i=int, _t=tuple)
    parts = []
    for i, prefix in enumerate(prefixes):
        env[f"_p{i}"] = prefix
        parts.append(
            f"{{_p{i}}}{{_E(v{i}) if v{i}.__class__ is _s else 'null' if v{i} is None else "
            f"'false' if v{i} is False else 'true' if v{i} is True else "
            f"_I(v{i}) if v{i}.__class__ is _i else '[]' if v{i}.__class__ is _t and not v{i} "
            f"else _V(v{i}, {level + 1})}}"
        )
    env["_c"] = _ind(level) + "}"
    names = ", ".join(f"v{i}" for i in range(len(prefixes)))
    source = f'def _f(o):\n    {names}, = _g(o)\n    return f"{"".join(parts)}{{_c}}"\n'
    exec(source, env)  # the text above only: field positions, no names or values
    function: Callable[[Any], str] = env["_f"]
    return function


def _value(value: Any, level: int) -> str:
    """The JSON text of ``value`` (not a string nor None) at nesting ``level``."""
    cls = value.__class__
    if cls is bool:
        return "true" if value else "false"
    if cls is int:
        return _INT(value)
    if cls is tuple:
        if not value:
            return "[]"
        ind = _ind(level + 1)
        try:  # the common case: a tuple of strings (keys, ACLs, arguments)
            body = ("," + ind).join(map(_ENC, value))
        except TypeError:
            pass
        else:
            return "[" + ind + body + _ind(level) + "]"
    out: list[str] = []
    _emit(value, level, out)
    return "".join(out)


def _emit(value: Any, level: int, out: list[str]) -> None:
    """Append the JSON text of ``value`` (its first line not indented) at nesting ``level``."""
    cls: type = type(value)
    if cls is str:
        out.append(_ENC(value))
        return
    record = _record(cls, level)
    if record is not None:
        out.append(record(value))
        return
    if isinstance(value, (tuple, list)):
        if not value:
            out.append("[]")
            return
        ind = _ind(level + 1)
        sep = "[" + ind
        for v in value:
            out.append(sep)
            sep = "," + ind
            if type(v) is str:
                out.append(_ENC(v))
            else:
                _emit(v, level + 1, out)
        out.append(_ind(level) + "]")
        return
    if isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        ind = _ind(level + 1)
        sep = "{" + ind
        for k in sorted(value):
            out.append(sep + _ENC(k) + ": ")
            sep = "," + ind
            _emit(value[k], level + 1, out)
        out.append(_ind(level) + "}")
        return
    text = _leaf(value)
    if text is None:
        raise TypeError(f"Object of type {cls.__name__} is not JSON serializable")
    out.append(text)


class Segment(NamedTuple):
    """A part of the text already written to :class:`Ahead`'s file: ``length`` bytes at
    ``offset``."""

    offset: int
    length: int


def chunks(snap: Snapshot, ahead: Ahead | None = None) -> Iterator[str | Segment]:
    """The snapshot's JSON text in pieces (about one per object), keys in sorted order; with
    ``ahead``, the parts it rendered already as :class:`Segment` (then the rest of a part it
    had begun)."""
    # lazy: cycle model <-> jsonwrite (pyproject, type-only edge at import)
    from alembic_baseline.snapshot.model import OBJECT_TYPES

    top: dict[str, Any] = {
        "format_version": snap.format_version,
        "server_version": snap.server_version,
        "options": {k: v for k, v in snap.options},
        "objects": None,  # streamed below
    }
    if snap.inventory is not None:
        top["inventory"] = snap.inventory.entries  # each entry an array, as to_json
    sep = "{\n "
    for key in sorted(top):
        out: list[str] = [sep, _ENC(key), ": "]
        sep = ",\n "
        if key == "objects":
            yield from _objects(snap, [*OBJECT_TYPES, "dependencies"], out, ahead)
            continue
        if key == "inventory":
            yield "".join(out)
            yield from _part(ahead, key, top[key]) or _arrays(top[key], 1)
            continue
        _emit(top[key], 1, out)
        yield "".join(out)
    yield "\n}\n"


_BATCH = 512  # items per chunk: few writes, little text held at a time


def _list(items: Any, level: int) -> Iterator[str]:
    if not items:
        yield "[]"
        return
    ind = _ind(level + 1)
    sep = "," + ind
    first = True
    cls: type | None = None
    record: Callable[[Any], str] | None = None
    for start in range(0, len(items), _BATCH):
        texts = []
        for item in items[start : start + _BATCH]:
            if item.__class__ is not cls:  # a list holds one class: looked up once
                cls = item.__class__
                record = _record(cls, level + 1)
            texts.append(_item(item, level + 1) if record is None else record(item))
        yield ("[" + ind if first else sep) + sep.join(texts)
        first = False
    yield _ind(level) + "]"


def _arrays(items: Any, level: int) -> Iterator[str]:
    """Like :func:`_list` for items that are tuples (named or not), each written as an array."""
    if not items:
        yield "[]"
        return
    ind, ind2 = _ind(level + 1), _ind(level + 2)
    sep, sep2, close2 = "," + ind, "," + ind2, _ind(level + 1) + "]"
    first = True
    for start in range(0, len(items), _BATCH):
        texts = []
        for item in items[start : start + _BATCH]:
            try:  # the common case: strings only
                texts.append("[" + ind2 + sep2.join(map(_ENC, item)) + close2 if item else "[]")
            except TypeError:
                texts.append(_value(tuple(item), level + 1))
        yield ("[" + ind if first else sep) + sep.join(texts)
        first = False
    yield _ind(level) + "]"


def _item(value: Any, level: int) -> str:
    """The JSON text of one list item at nesting ``level``."""
    record = _record(value.__class__, level)
    if record is not None:
        return record(value)
    if value.__class__ is str:
        return _ENC(value)
    if value is None:
        return "null"
    return _value(value, level)


def _objects(
    snap: Snapshot, names: list[str], out: list[str], ahead: Ahead | None = None
) -> Iterator[str | Segment]:
    sep = "{\n  "
    for name in sorted(names):
        out.extend((sep, _ENC(name), ": "))
        sep = ",\n  "
        yield "".join(out)
        out = []
        items = getattr(snap, name)
        yield from _part(ahead, name, items) or _list(items, 2)
    yield "\n }"


def _part(ahead: Ahead | None, name: str, items: Sequence[Any]) -> Iterator[str | Segment] | None:
    """What ``ahead`` has of part ``name`` (None: nothing, or not of these ``items``)."""
    if ahead is None:
        return None
    return ahead.take(name, items)


def to_json(snap: Snapshot) -> str:
    return "".join(str(c) for c in chunks(snap))  # no Ahead: text only


def write(snap: Snapshot, path: Path, ahead: Ahead | None = None) -> None:
    """Write the snapshot's JSON to ``path`` as it is produced (never the whole text in
    memory), the parts ``ahead`` rendered already copied from its file. A regular file is
    written beside and renamed into place, so a failure never leaves half a snapshot; anything
    else (``/dev/stdout``) is written directly."""
    direct = path.exists() and not path.is_file()
    target = path if direct else path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with target.open("wb") as handle:
            write_bytes = handle.write
            for chunk in chunks(snap, ahead):
                if chunk.__class__ is str:
                    write_bytes(chunk.encode())
                else:
                    assert ahead is not None and isinstance(chunk, Segment)
                    ahead.copy(chunk, write_bytes)
        if not direct:
            os.replace(target, path)
    finally:
        if not direct:
            target.unlink(missing_ok=True)


_COPY = 1 << 20  # bytes per read when copying a segment


class Ahead:
    """Kinds rendered ahead of :func:`write`, into an unnamed file (``O_TMPFILE``).

    :meth:`ready` is told each part whose objects are final (a kind's sorted list, the
    inventory's entries); :meth:`step` renders the next batch of the first part not done and
    says whether any is left — the catalog reader calls it while it would wait for the server.
    :func:`write` then takes each part (:meth:`take`): the text written so far, then the rest
    of the part rendered there and then. Any error of the file ends the rendering ahead (the
    parts are then written as without it).
    """

    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd
        self._end = 0
        self._queue: deque[str] = deque()
        self._parts: dict[str, tuple[Sequence[Any], Iterator[str], int, int]] = {}
        """name → (items, the rest of their text, offset (-1: not begun), bytes written)"""

    @classmethod
    def beside(cls, path: Path) -> Ahead | None:
        """An :class:`Ahead` whose file is in ``path``'s directory (the output's file system;
        it has no name and goes with the process); None where that cannot be had."""
        flag = getattr(os, "O_TMPFILE", 0)
        if not flag:
            return None
        try:
            return cls(os.open(path.parent, flag | os.O_RDWR, 0o600))
        except OSError:
            return None

    def ready(self, name: str, items: Sequence[Any]) -> None:
        """Part ``name`` (a kind of objects, or ``inventory``: its entries) is final."""
        if self._fd is None or not items or name in self._parts:
            return
        text = _arrays(items, 1) if name == "inventory" else _list(items, 2)
        self._parts[name] = (items, text, -1, 0)
        self._queue.append(name)

    def step(self) -> bool:
        """Render and write one batch (about 512 objects); False: nothing left to do."""
        while self._queue and self._fd is not None:
            name = self._queue[0]
            items, text, offset, length = self._parts[name]
            chunk = next(text, None)
            if chunk is None:
                self._queue.popleft()
                continue
            if offset < 0:  # parts are rendered one after the other: this one starts here
                offset = self._end
            data = chunk.encode()
            try:
                os.pwrite(self._fd, data, offset + length)
            except OSError:
                self.close()
                return False
            self._end = offset + length + len(data)
            self._parts[name] = (items, text, offset, length + len(data))
            return True
        return False

    def take(self, name: str, items: Sequence[Any]) -> Iterator[str | Segment] | None:
        """The text of part ``name`` for :func:`write` (None: not begun here, or begun for
        other items): the segment written, then the rest."""
        part = self._parts.pop(name, None)
        if part is None or self._fd is None or not _same(part[0], items):
            return None
        if name in self._queue:
            self._queue.remove(name)
        _, text, offset, length = part
        return _segment_then(Segment(max(offset, 0), length), text)

    def copy(self, segment: Segment, write_bytes: Callable[[bytes], Any]) -> None:
        if self._fd is None:
            raise OSError("the file of the parts rendered ahead is closed")
        offset, left = segment
        while left > 0:
            data = os.pread(self._fd, min(left, _COPY), offset)
            if not data:
                raise OSError("the file of the parts rendered ahead is shorter than written")
            write_bytes(data)
            offset += len(data)
            left -= len(data)

    def close(self) -> None:
        fd, self._fd = self._fd, None
        self._queue.clear()
        if fd is not None:
            os.close(fd)


def _same(a: Sequence[Any], b: Sequence[Any]) -> bool:
    """The same objects in the same order (a kind's list and the snapshot's tuple of it)."""
    return a is b or (len(a) == len(b) and all(map(is_, a, b)))


def _segment_then(segment: Segment, rest: Iterator[str]) -> Iterator[str | Segment]:
    if segment.length:
        yield segment
    yield from rest
