"""Render the baseline revision and the bridge revision from their templates (pure text)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from importlib import resources

from alembic_baseline import __version__


@dataclass(frozen=True)
class BaselineSpec:
    """Everything the two revision files say."""

    revision: str
    message: str
    sql_name: str
    old_head: str
    old_message: str
    source: str
    archived_count: int
    settings: tuple[str, ...]
    schemas: tuple[str, ...]
    extensions: tuple[str, ...] = ()
    event_triggers: tuple[str, ...] = ()
    created: datetime | None = None


def _template(name: str) -> str:
    return (
        resources.files("alembic_baseline.baseline")
        .joinpath("templates", name)
        .read_text(encoding="utf-8")
    )


def _fill(template: str, values: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        return values[match.group(1)]

    return re.sub(r"@@([A-Z_]+)@@", replace, template)


def _docstring_safe(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"""', "'''").strip() or "(no message)"


def slug(message: str, length: int = 40) -> str:
    """Alembic's file-name slug: lower-case words joined by ``_``, truncated at a word."""
    words = re.findall(r"[a-z0-9]+", message.lower())
    out = ""
    for word in words:
        candidate = f"{out}_{word}" if out else word
        if len(candidate) > length:
            break
        out = candidate
    return out or "baseline"


def render_baseline(spec: BaselineSpec) -> str:
    created = (spec.created or datetime.now()).strftime("%Y-%m-%d %H:%M:%S")
    return _fill(
        _template("baseline_revision.py.tmpl"),
        {
            "MESSAGE": _docstring_safe(spec.message),
            "TOOL_VERSION": __version__,
            "SOURCE": _docstring_safe(spec.source),
            "SQL_NAME": spec.sql_name,
            "ARCHIVED_COUNT": str(spec.archived_count),
            "OLD_HEAD": spec.old_head,
            "REVISION": spec.revision,
            "CREATE_DATE": created,
            "SETTINGS": repr(tuple(spec.settings)),
            "SCHEMAS": repr(tuple(spec.schemas)),
            "EXTENSIONS": repr(tuple(spec.extensions)),
            "EVENT_TRIGGERS": repr(tuple(spec.event_triggers)),
        },
    )


def render_bridge(spec: BaselineSpec) -> str:
    created = (spec.created or datetime.now()).strftime("%Y-%m-%d %H:%M:%S")
    return _fill(
        _template("bridge_revision.py.tmpl"),
        {
            "OLD_MESSAGE": _docstring_safe(spec.old_message),
            "OLD_HEAD": spec.old_head,
            "BASELINE": spec.revision,
            "CREATE_DATE": created,
        },
    )


def baseline_filename(spec: BaselineSpec) -> str:
    return f"{spec.revision}_{slug(spec.message)}.py"


def bridge_filename(spec: BaselineSpec) -> str:
    return f"{spec.old_head}_bridge_to_pre_baseline_history.py"
