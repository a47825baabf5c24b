"""Function-local imports of the project's own modules are the exception, and each says why.

The package graph is stated by the import contract (pyproject, `lint-imports`); an import hidden
in a function hides an edge of it. One is kept only for start-up cost (``--help``, ``status``
and a warm ``lint`` import no more than they use) or to close a cycle the contract lists, and it
carries a ``# lazy: <why>`` comment on its line or heading its block of imports.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "alembic_baseline"


def _explained(lines: list[str], lineno: int) -> bool:
    i = lineno - 1
    if "# lazy:" in lines[i]:
        return True
    while i > 0 and lines[i - 1].strip().startswith(("from ", "import ")):
        i -= 1  # up through the block of imports this one belongs to
    while i > 0 and lines[i - 1].strip().startswith("#"):
        if lines[i - 1].strip().startswith("# lazy:"):
            return True
        i -= 1  # up through the comment heading the block
    return False


def _unexplained() -> list[str]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for fn in ast.walk(ast.parse(text)):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(fn):
                if isinstance(node, ast.ImportFrom) and node.level:
                    mod = "."  # relative: the project's own
                elif isinstance(node, ast.ImportFrom):
                    mod = node.module or ""
                elif isinstance(node, ast.Import):
                    mod = node.names[0].name
                else:
                    continue
                own = mod == "." or mod == "alembic_baseline" or mod.startswith("alembic_baseline.")
                if own and not _explained(lines, node.lineno):
                    found.append(f"{path.relative_to(SRC)}:{node.lineno} in {fn.name}()")
    return found


def test_every_function_local_import_of_the_project_says_why() -> None:
    assert _unexplained() == []


def test_the_check_sees_an_unexplained_import(tmp_path: Path) -> None:
    lines = ["def f():", "    import os", "    from alembic_baseline import errors", "    return 1"]
    assert not _explained(lines, 3)
    assert _explained(["def f():", "    # lazy: start-up", "    import os", *lines[2:]], 4)
