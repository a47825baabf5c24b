"""Option values converted without pydantic.

typer (≥ 0.2x) converts every option's value — given or not — through a pydantic
``TypeAdapter`` it builds on first use; importing pydantic and building the adapters cost a
command ~0.2–0.4 s before it does any work (a fifth of a warm ``lint``). The options of this
CLI are plain: ``str``, ``int``, ``float``, ``bool``, ``Path`` and lists of them, without
constraints. :func:`lighten` gives each such option a converter that handles the values that
are certainly valid itself (a string for ``str``, digits for ``int``, …) with the result
pydantic gives, and hands anything else — a malformed number, an unusual type — to typer's own
converter, so that an error reads exactly as typer writes it. tests/unit/test_cli_startup.py
compares the two on a table of values and checks that a command imports no pydantic.

With a typer that has no such converters (older ones convert with click), nothing changes.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args, get_origin

try:  # typer ≥ 0.2x: the converter interface this module plugs into
    from typer._coercion import RuntimeParam, TypeDescriptor, build_runtime_param
    from typer._param_types import coerce_cli_path
except ImportError:  # pragma: no cover - an older typer converts with click
    RuntimeParam = None  # type: ignore[assignment,misc]

_INT = re.compile(r"[+-]?[0-9]{1,18}")
_FLOAT = re.compile(r"[+-]?(?:[0-9]{1,15}(?:\.[0-9]{0,15})?|\.[0-9]{1,15})")
_SIMPLE = (str, int, float, bool, Path)


class _Unsure(Exception):
    """The value is not one this module converts itself: typer's converter decides."""


def _convert(annotation: Any, value: Any) -> Any:
    """``value`` as pydantic (lax mode, as typer asks) converts it to ``annotation``, for the
    values where that is certain; else :class:`_Unsure`."""
    kind = type(value)
    if annotation is str and kind is str:
        return value
    if annotation is int:
        if kind is int:
            return value
        if kind is str and _INT.fullmatch(value):
            return int(value)
    if annotation is float:
        if kind is float:
            return value
        if kind is str and _FLOAT.fullmatch(value):
            return float(value)
    if annotation is bool and kind is bool:
        return value
    raise _Unsure


if RuntimeParam is not None:

    @dataclass(frozen=True)
    class LightParam(RuntimeParam):
        """typer's converter interface (``coerce`` is typer's: None, multiple values), with
        :func:`_convert` first and typer's own converter for the rest."""

        descriptor: TypeDescriptor

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            annotation: Any = self.annotation
            try:
                if get_origin(annotation) is list:
                    (item,) = get_args(annotation)
                    values = value if isinstance(value, list | tuple) else [value]
                    return [self._one(item, v, param, ctx) for v in values]
                return self._one(annotation, value, param, ctx)
            except _Unsure:
                full = build_runtime_param(self.descriptor)
                return full._coerce_value(value, param=param, ctx=ctx)

        def _one(self, annotation: Any, value: Any, param: Any, ctx: Any) -> Any:
            if annotation is Path:
                if isinstance(value, Path):
                    path = value
                elif type(value) is str and value:
                    path = Path(value)
                else:
                    raise _Unsure
                info = self.parameter_info
                return coerce_cli_path(path, info, path_type=Path, param=param, ctx=ctx)
            return _convert(annotation, value)


def _plain(descriptor: Any) -> bool:
    """An option this module converts: a simple type or a list of one, no parser, no file."""
    info = descriptor.parameter_info
    if info.parser is not None or descriptor.file_annotation is not None:
        return False
    annotation = descriptor.annotation
    if get_origin(annotation) is list:
        args = get_args(annotation)
        return len(args) == 1 and args[0] in _SIMPLE and not _path_flags(info)
    if annotation is Path:
        return info.path_type is None and not info.resolve_path and not info.allow_dash
    return annotation in _SIMPLE


def _path_flags(info: Any) -> bool:
    return bool(info.path_type is not None or info.resolve_path or info.allow_dash)


def lighten(command: Any) -> Any:
    """``command`` (a click command or group built by typer) with :class:`LightParam`
    converters on its plain options and those of its subcommands, ``--help`` included (click
    makes that option on first use: made here, as click would make it); returned for
    chaining."""
    if RuntimeParam is None:  # pragma: no cover - an older typer
        return command
    # a typer whose private interface moved: its own converters stay on what was not replaced
    # yet, and every option still converts
    with contextlib.suppress(AttributeError, TypeError):
        _lighten(command)
    return command


def _lighten(command: Any) -> None:
    stack: list[tuple[Any, list[str]]] = [(command, [])]
    while stack:
        cmd, names = stack.pop()
        names = list((cmd.context_settings or {}).get("help_option_names", names))
        params = list(cmd.params)
        if names and hasattr(cmd, "get_help_option"):
            # as click's Context gives it the help option names: its own, else its parent's
            helper = cmd.get_help_option(cmd.context_class(cmd, help_option_names=names))
            params += [helper] if helper is not None else []
        for param in params:
            descriptor = getattr(param, "type_descriptor", None)
            if (
                descriptor is not None
                and getattr(param, "_runtime_param", False) is None
                and _plain(descriptor)
            ):
                param._runtime_param = LightParam(
                    descriptor.parameter_info, descriptor.annotation, descriptor
                )
        stack.extend((sub, names) for sub in getattr(cmd, "commands", {}).values())
