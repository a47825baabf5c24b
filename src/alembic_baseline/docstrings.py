"""Docstrings that are documentation: split one into its titled sections.

Lint rules, doctor diagnoses and checklist items document themselves in their docstrings, with
sections titled by a line underlined with dashes; the generated docs pages and the tests that
check every unit is documented read them through :func:`sections`.
"""

from __future__ import annotations

import re


def sections(doc: str | None) -> dict[str, str]:
    """``{"summary": first paragraph(s), title: body, ...}`` (``Title`` underlined with dashes)."""
    lines = (doc or "").expandtabs().splitlines()
    body = [lines[0].strip(), *_dedent(lines[1:])] if lines else []
    found: dict[str, str] = {}
    current = "summary"
    buffer: list[str] = []
    for index, line in enumerate(body):
        following = body[index + 1] if index + 1 < len(body) else ""
        if line.strip() and re.fullmatch(r"-{3,}", following.strip()):
            found[current] = "\n".join(buffer).strip()
            current, buffer = line.strip(), []
        elif re.fullmatch(r"-{3,}", line.strip()) and index and body[index - 1].strip() == current:
            continue
        else:
            buffer.append(line)
    found[current] = "\n".join(buffer).strip()
    return found


def _dedent(lines: list[str]) -> list[str]:
    indents = [len(x) - len(x.lstrip()) for x in lines if x.strip()]
    cut = min(indents, default=0)
    return [x[cut:] for x in lines]
