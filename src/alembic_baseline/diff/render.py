"""A SchemaDiff as text (plain or rich-coloured), markdown or JSON. Pure: returns values.

Changes are grouped by object kind. An attribute change shows ``old → new``; multi-line values
(view definitions, function bodies) show a unified diff instead.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from alembic_baseline.diff.model import AttributeChange, Change, ChangeKind, SchemaDiff
from alembic_baseline.snapshot.inventory import NAME_ONLY, plural

if TYPE_CHECKING:
    from rich.text import Text

    from alembic_baseline.snapshot.inventory import InventoryCheck

_MARK = {ChangeKind.ADDED: "+", ChangeKind.REMOVED: "-", ChangeKind.CHANGED: "~"}
_STYLE = {ChangeKind.ADDED: "green", ChangeKind.REMOVED: "red", ChangeKind.CHANGED: "yellow"}
_MAX_VALUE = 80


def _value(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple):
        return "(" + ", ".join(_value(v) for v in value) + ")"
    text = str(value)
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 1] + "…"


def attribute_lines(attr: AttributeChange) -> list[str]:
    """``name: old → new``, or a unified diff for multi-line text."""
    old, new = attr.old, attr.new
    if isinstance(old, str) and isinstance(new, str) and ("\n" in old or "\n" in new):
        body = difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=1)
        return [f"{attr.name}:"] + [f"    {line}" for line in list(body)[2:]]
    return [f"{attr.name}: {_value(old)} → {_value(new)}"]


MAX_LISTED = 20
DRIFT_WORDS = {
    # compare(expected, actual): "added" exists only in the database, "removed" only in history.
    "added": "extra in the database",
    "removed": "missing in the database",
    "changed": "differs",
}
CHANGE_WORDS = {"added": "created", "removed": "dropped", "changed": "altered"}


def describe(
    diff: SchemaDiff,
    limit: int | None = MAX_LISTED,
    words: Mapping[str, str] = DRIFT_WORDS,
    *,
    values: bool = False,
) -> tuple[str, ...]:
    """One line per difference, ``limit`` at most (then "… and N more"): ``key: word
    (attributes)``, the ``words`` phrasing added / removed / changed; ``values``: each
    attribute as ``name old → new``."""
    shown = diff.changes if limit is None else diff.changes[:limit]
    lines = []
    for change in shown:
        if values:
            attrs = "; ".join(
                f"{a.name} {_value(a.old)} → {_value(a.new)}" for a in change.attributes
            )
        else:
            attrs = ", ".join(a.name for a in change.attributes)
        line = f"{change.key}: {words.get(change.kind.value, change.kind.value)}"
        lines.append(f"{line} ({attrs})" if attrs else line)
    if len(diff.changes) > len(shown):
        lines.append(f"… and {len(diff.changes) - len(shown)} more")
    return tuple(lines)


def _summary(diff: SchemaDiff, inventory: InventoryCheck | None = None) -> str:
    extra = ""
    if inventory is not None and not inventory.ran:
        extra = " The inventory check could not run: not proven equal."
    elif inventory is not None and not inventory.equal:
        found = len(inventory.only_a) + len(inventory.only_b) + len(inventory.changed)
        extra = f" {plural('inventory difference', found)} (objects by name, whatever their kind)."
    if diff.is_empty:
        return ("No differences." if not extra else "No differences in the compared kinds.") + extra
    counts = diff.counts()
    return (
        f"{len(diff)} differences: {counts['added']} added, {counts['removed']} removed, "
        f"{counts['changed']} changed." + extra
    )


def inventory_lines(diff: SchemaDiff, inventory: InventoryCheck | None) -> list[str]:
    """The inventory's differences not already listed by ``diff`` (see
    :meth:`InventoryCheck.lines`), then the kinds it compared by name only."""
    if inventory is None:
        return []
    lines = list(inventory.lines(modelled=diff.is_empty))
    note = inventory.name_only_line()
    return lines + ([note] if note else [])


def _object_name(change: Change) -> str:
    return str(change.key).split(" ", len(change.key.kind.split()))[-1]


def render_rich(diff: SchemaDiff, inventory: InventoryCheck | None = None) -> Text:
    """Coloured text for a terminal (rich ``Text``); ``.plain`` is the uncoloured version.

    With ``inventory`` its differences and the kinds compared by name only come last."""
    from rich.text import Text

    out = Text()
    for kind, changes in diff.by_kind().items():
        out.append(f"{kind}\n", style="bold")
        for change in changes:
            mark = _MARK[change.kind]
            out.append(f"  {mark} {_object_name(change)}", style=_STYLE[change.kind])
            out.append(f"  ({change.kind.value})\n", style="dim")
            for attr in change.attributes:
                for line in attribute_lines(attr):
                    out.append(f"      {line}\n")
            if change.dependants:
                names = ", ".join(str(k) for k in change.dependants)
                out.append(f"      drags along: {names}\n", style="cyan")
    extra = inventory_lines(diff, inventory)
    if extra and not extra[0].startswith(NAME_ONLY):
        out.append("inventory\n", style="bold")
    for line in extra:
        note = line.startswith(NAME_ONLY)
        out.append(("" if note else "  ") + line + "\n", style="dim" if note else "red")
    out.append(_summary(diff, inventory) + "\n", style="bold")
    return out


def render_text(diff: SchemaDiff, inventory: InventoryCheck | None = None) -> str:
    """Plain text, grouped by kind."""
    return render_rich(diff, inventory).plain


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown_attribute(attr: AttributeChange) -> str:
    if any(isinstance(v, str) and "\n" in v for v in (attr.old, attr.new)):
        return f"`{attr.name}` changed"  # a multi-line text does not fit a table cell
    return f"`{attr.name}`: {_cell(_value(attr.old))} → {_cell(_value(attr.new))}"


def render_markdown(
    diff: SchemaDiff, *, title: str = "Schema differences", inventory: InventoryCheck | None = None
) -> str:
    """Markdown: a heading, the summary, one table per kind (then the inventory's lines)."""
    lines = [f"## {title}", "", _summary(diff, inventory)]
    for kind, changes in diff.by_kind().items():
        lines += [
            "",
            f"### {kind}",
            "",
            "| | object | what changed | drags along |",
            "|---|---|---|---|",
        ]
        for change in changes:
            what = "; ".join(_markdown_attribute(a) for a in change.attributes)
            dragged = ", ".join(f"`{k}`" for k in change.dependants)
            lines.append(
                f"| {_MARK[change.kind]} {change.kind.value} | `{_cell(_object_name(change))}` "
                f"| {what} | {dragged} |"
            )
    extra = inventory_lines(diff, inventory)
    if extra:
        lines += ["", "### inventory", "", *(f"- {_cell(line)}" for line in extra)]
    return "\n".join(lines) + "\n"


def render_json(diff: SchemaDiff) -> str:
    """The diff as JSON (``SchemaDiff.to_dict``), keys sorted."""
    return json.dumps(diff.to_dict(), indent=2, sort_keys=True, ensure_ascii=False, default=str)
