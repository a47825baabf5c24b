"""``alembic-baseline history sum``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from alembic_baseline.cli._app import State, app, state
from alembic_baseline.errors import ExitCode

if TYPE_CHECKING:
    from alembic_baseline.report import Reporter
    from alembic_baseline.team.integrity import IntegrityCheck
    from alembic_baseline.team.sums import SumResult

history_app = typer.Typer(
    help="The revision history as a whole: its sum file.", no_args_is_help=True
)
app.add_typer(history_app, name="history")


@history_app.command("sum")
def sum_cmd(
    ctx: typer.Context,
    accept_changes: Annotated[
        bool,
        typer.Option(
            "--accept-changes",
            help="Also record edited or deleted revisions that others follow (deliberate).",
        ),
    ] = False,
) -> int:
    """Write alembic-baseline.sum beside the revisions (commit it with them)."""
    from alembic_baseline.commands.history import history_sum

    st = state(ctx)
    result = history_sum(st.settings, accept_changes=accept_changes)
    if st.reporter.quiet:
        st.reporter.json(result)
    else:
        _render(st.reporter, result)
    return ExitCode.UNSAFE if result.refused else ExitCode.OK


def _render(rep: Reporter, result: SumResult) -> None:
    from rich.markup import escape

    for d in result.directories:
        state_ = "unchanged" if d.unchanged else ("written" if d.written else "[red]not written[/]")
        rep.text(f"{escape(str(d.path))}: {d.revisions} revisions, {state_}")
        if d.added:
            rep.text(f"  new: {', '.join(d.added)}")
        for what, ids in (("edited", d.edited), ("deleted", d.deleted)):
            if ids:
                rep.text(f"  [yellow]{what} after others followed them[/]: {', '.join(ids)}")
        if (d.edited or d.deleted) and not d.written:
            rep.text(
                "  Refused: restore those files (git restore) and make the change in a new "
                "revision; if the change is deliberate, run again with --accept-changes and "
                "`alembic-baseline repair --accept-checksums REV` for databases that applied it."
            )


def accept_checksums_cmd(st: State, url: str | None, revisions: list[str], yes: bool) -> int:
    """``repair --accept-checksums REV``: shown, then written with --yes."""
    from rich.markup import escape

    from alembic_baseline.commands.history import accept_checksums

    result = accept_checksums(st.settings, url=url, revisions=revisions, confirmed=yes)
    rep = st.reporter
    if rep.quiet:
        rep.json(result)
        return result.exit_code
    verb = "accepted" if result.confirmed else "to accept"
    rep.text(f"[bold]repair --accept-checksums[/] on {escape(result.database)}: {verb}")
    for a in result.accepted:
        rep.text(f"  {a.revision}  {escape(a.path)}  {a.recorded[:19]}… → {a.accepted[:19]}…")
    if not result.confirmed:
        rep.text("[yellow]Nothing done[/]: confirm with --yes.")
    return result.exit_code


def per_phase(pending: Any) -> str:
    """``pre 2, post 1``: pending revisions counted per expand/contract phase."""
    counts = {phase: sum(p.phase == phase for p in pending) for phase in ("pre", "post")}
    return ", ".join(f"{phase} {n}" for phase, n in counts.items())


def render_integrity(rep: Reporter, check: IntegrityCheck | None) -> None:
    """The ``files`` line of ``status``: applied revisions against their files."""
    from rich.markup import escape

    if check is None:
        return
    if not check.recorded:
        rep.text("files     [dim]not compared: no applied-revisions table yet (apply records)[/]")
    elif check.ok:
        rep.text(f"files     [green]{check.checked} applied revision(s) match their files[/]")
    else:
        rep.text(f"files     [red]{len(check.mismatches)} applied revision(s) changed[/]:")
        for m in check.mismatches:
            rep.text(f"  - {escape(m.detail)}")
        ids = " ".join(m.revision for m in check.mismatches)
        rep.text(
            "  Restore the files as applied, or accept a reviewed change: "
            f"alembic-baseline repair --accept-checksums {ids}"
        )
    if check.not_compared:
        rep.text(f"  [dim]archived by a baseline, file gone: {', '.join(check.not_compared)}[/]")
