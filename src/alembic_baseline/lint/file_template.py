"""Alembic's ``file_template`` as a regular expression that a revision's file name must match.

Alembic names a new revision file ``file_template % {rev, slug, epoch, year, month, day, hour,
minute, second}`` (``ScriptDirectory._rev_path``); the template may contain ``/`` (sub-folders
of the version location). The expression matches the last as many path parts as the template
has, without ``.py``.
"""

from __future__ import annotations

import functools
import re
from pathlib import PurePath

DEFAULT = "%(rev)s_%(slug)s"
"""Alembic's default ``file_template``."""

# One printf-style conversion: %(key)flags width .precision type, or a literal %%.
_CONVERSION = re.compile(
    r"%(?:\((?P<key>\w+)\))?[#0\- +]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[hlL]?"
    r"(?P<type>[diouxXeEfFgGcrsa%])"
)
_NUMERIC_KEYS = {"epoch", "year", "month", "day", "hour", "minute", "second"}


def pattern(template: str, revision: str) -> re.Pattern[str]:
    """The file names (without ``.py``) ``template`` gives revision ``revision``, any slug/date."""
    parts: list[str] = []
    position = 0
    for match in _CONVERSION.finditer(template):
        parts.append(re.escape(template[position : match.start()]))
        position = match.end()
        key, kind = match.group("key"), match.group("type")
        if kind == "%":
            parts.append("%")
        elif key == "rev":
            parts.append(re.escape(revision))
        elif key == "slug":
            parts.append(r"\w*")  # words of the message joined by "_", maybe truncated or empty
        elif key in _NUMERIC_KEYS:
            parts.append(r"\d+")
        else:
            parts.append(r"[^/]*?")
    parts.append(re.escape(template[position:]))
    return re.compile("^" + "".join(parts) + "$")


def name_of(path: PurePath, template: str) -> str:
    """The part of ``path`` the template spells: as many trailing parts as it has, no ``.py``."""
    depth = template.count("/") + 1
    return "/".join([*path.parent.parts, path.stem][-depth:])


def matches(path: PurePath, template: str, revision: str) -> bool:
    name = name_of(path, template)
    rest = _after_leading_rev(template)
    if rest is not None:  # the usual templates: no expression compiled per revision
        return name.startswith(revision) and rest.match(name[len(revision) :]) is not None
    return pattern(template, revision).match(name) is not None


@functools.lru_cache(maxsize=16)
def _after_leading_rev(template: str) -> re.Pattern[str] | None:
    """For a template that starts with its only ``%(rev)s`` (Alembic's default does): the
    expression of what follows the revision id, the same for every revision; else None.
    ``pattern`` compiles one expression per revision (a tenth of a cold lint run)."""
    conversions = list(_CONVERSION.finditer(template))
    revs = [m for m in conversions if m.group("key") == "rev" and m.group("type") != "%"]
    if len(revs) != 1 or revs[0].start() != 0 or revs[0].group("type") != "s":
        return None
    return pattern(template[revs[0].end() :], "")  # no %(rev)s left: the revision is unused


def example(template: str, revision: str) -> str:
    """What the template makes of ``revision`` (date fields and slug shown as placeholders)."""
    out = template.replace("%%", "\0")
    for key in ("rev", "slug", *_NUMERIC_KEYS):
        shown = revision if key == "rev" else f"<{key}>"
        out = re.sub(
            rf"%\({key}\)[#0\- +]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[hlL]?[diouxXeEfFgGcrsa]",
            shown.replace("\\", "\\\\"),  # a replacement string: backslashes escaped
            out,
        )
    return out.replace("\0", "%") + ".py"
