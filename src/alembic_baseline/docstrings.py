"""Docstrings that are documentation: split one into its titled sections.

Lint rules, doctor diagnoses and checklist items document themselves in their docstrings, with
sections titled by a line underlined with dashes; the generated docs pages and the tests that
check every unit is documented read them through :func:`sections`; :func:`write_pages` writes
those pages.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path


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


def write_pages(directory: Path, wanted: dict[str, str]) -> list[Path]:
    """Write the generated pages ``wanted`` (file name → content) into ``directory`` and remove
    the ``*.md`` pages not among them (units that no longer exist). Returns the files changed."""
    directory.mkdir(parents=True, exist_ok=True)
    changed: list[Path] = []
    for name, text in wanted.items():
        path = directory / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    for stale in directory.glob("*.md"):
        if stale.name not in wanted:
            stale.unlink()
            changed.append(stale)
    return changed


def summary(doc: str | None) -> str:
    """The first paragraph of a docstring on one line (a command's ``--help`` text)."""
    return " ".join(sections(doc)["summary"].split("\n\n", 1)[0].split())


def function_doc(path: Path, function: str) -> str | None:
    """The docstring of the top-level ``function`` defined in the Python file ``path``, read
    from its text without importing it (``--help`` must not import the operations: ~1 s).

    The signature ends at the first line ending in ``:`` that the docstring follows; a test
    compares the result with ``inspect.getdoc`` for every command."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    found = re.search(
        rf'^def {re.escape(function)}\(.*?:\n[ ]+"""(.*?)"""', text, re.DOTALL | re.MULTILINE
    )
    return inspect.cleandoc(found.group(1)) if found else None
