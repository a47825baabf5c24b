"""``check models --write-revision``: a revision that brings the history to the models.

The upgrade is the snapshot diff's DDL from head to the models, the downgrade the DDL back;
both are rendered through the project's own ``script.py.mako`` and ``file_template`` (Alembic's
``ScriptDirectory.generate_revision``, as ``alembic revision`` does), down_revision = head.
Statements that can lose data are written commented out in the upgrade (a person decides), and
those no safe DDL exists for (an enum label removal) are sketched as comments on both sides.
"""

from __future__ import annotations

import contextlib
import io
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from alembic_baseline.diff import CompareOptions, Statement, compare
from alembic_baseline.errors import ConfigError
from alembic_baseline.testing.loading import DOCS

if TYPE_CHECKING:
    from alembic_baseline.history.driver import AlembicProject
    from alembic_baseline.testing.models import ModelCheck

MARKER = "# written by alembic-baseline check models"
_INDENT = "\n    "


def _literal(sql: str) -> str:
    """``sa.text(...)`` of ``sql``: every colon escaped (no bind parameters), quoted safely."""
    escaped = sql.replace(":", "\\:")
    if '"""' not in escaped and not escaped.endswith(('"', "\\")):
        body = escaped.replace("\n", _INDENT + "    ") if "\n" in escaped else escaped
        return f'sa.text(r"""{body}""")'
    return f"sa.text({escaped!r})"


def _commented(text: str) -> list[str]:
    return [f"# {line}" for line in text.splitlines()]


def render_body(statements: list[Statement]) -> tuple[str, int]:
    """The Python body of upgrade() or downgrade(); how many statements are commented out."""
    lines = [MARKER]
    held = 0
    for s in statements:
        if s.manual:
            held += 1
            lines += [f"# MANUAL: {s.note or 'no safe statement exists'}", *_commented(s.sql)]
        elif not s.enabled:
            held += 1
            lines.append("# DESTRUCTIVE (can lose data): review, then uncomment")
            lines += _commented(f"op.execute({_literal(s.sql)})")
        else:
            lines.append(f"op.execute({_literal(s.sql)})")
    if all(line.startswith("#") for line in lines):
        lines.append("pass")
    return _INDENT.join(lines), held


def write_revision(project: AlembicProject, check: ModelCheck, message: str) -> tuple[Path, int]:
    """Write the fix revision; ``(path, statements held back)``."""
    if len(check.heads) != 1:
        raise ConfigError(
            f"The history has {len(check.heads)} heads; a fix revision needs one down_revision.",
            hint="Merge the heads first (alembic merge heads), then run check models again.",
        )
    diff = check.diff
    up = diff.to_statements(allow_destructive=False)
    # Back from the models to head: dropping what the upgrade created is what a downgrade is.
    back = compare(diff.b, diff.a, CompareOptions(ignore_column_order=True))
    down = back.to_statements(allow_destructive=True)
    up_body, held_up = render_body(up)
    down_body, held_down = render_body(down)
    script = project.script
    with contextlib.redirect_stdout(io.StringIO()):  # Alembic prints "Generating …"
        created = script.generate_revision(
            uuid.uuid4().hex[-12:],
            message,
            head=check.heads[0],
            upgrades=up_body,
            downgrades=down_body,
            imports="",
        )
    if created is None:
        raise ConfigError("Alembic did not write the revision.", hint=f"See {DOCS}.")
    path = Path(created.path)
    text = path.read_text(encoding="utf-8")
    if MARKER not in text:
        raise _removed(path)
    if "import sqlalchemy as sa" not in text:  # the statements use sa.text
        text = text.replace(
            "from alembic import op", "from alembic import op\nimport sqlalchemy as sa", 1
        )
        path.write_text(text, encoding="utf-8")
    return path, held_up + held_down


def _removed(path: Path) -> ConfigError:
    path.unlink()
    return ConfigError(
        f"The revision was rendered without the statements ({path} was removed): the project's "
        "script.py.mako has no ${upgrades} / ${downgrades} placeholders.",
        hint=f'Use Alembic\'s default bodies (${{upgrades if upgrades else "pass"}}). See {DOCS}.',
    )
