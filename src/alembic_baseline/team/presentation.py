"""How the team workflow's results show themselves: a headline and detail lines."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from alembic_baseline.report import Reporter


class LinesResult:
    """Text: the headline in bold, the details indented; markdown: a heading and a list.
    Subclasses (dataclasses) implement :meth:`lines`, headline first."""

    heading: ClassVar[str] = ""
    """Put before the headline in markdown (``revision rebase: ``)."""

    def lines(self) -> list[str]:
        raise NotImplementedError

    def text(self, out: Reporter) -> None:
        from rich.markup import escape

        first, *rest = self.lines()
        out.text(f"[bold]{escape(first)}[/]")
        for line in rest:
            out.text(f"  {escape(line)}")

    def markdown(self) -> str:
        first, *rest = self.lines()
        return f"## {self.heading}{first}\n\n" + "".join(f"- {line.strip()}\n" for line in rest)
