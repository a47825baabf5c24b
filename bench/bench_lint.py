"""Lint benchmark: 1,000 generated revisions, cold and warm cache, side by side with squawk.

Generates a realistic Alembic project of 1,000 chained revisions (tables, columns, indexes built
concurrently in autocommit blocks, views rebuilt with DROP VIEW ... CASCADE, column widenings,
data migrations, NOT VALID checks, plpgsql functions and triggers, enum values; now and then a
plain CREATE INDEX or a backfill next to DDL, so there are findings) in a temporary directory,
then times:

- ``lint`` in-process, cold (empty cache: every revision rendered offline, parsed, checked) and
  warm (cache filled), with the default worker count;
- ``alembic-baseline lint`` end to end in a fresh process, warm (what a pre-commit hook or CI
  step costs: interpreter start-up, imports, Alembic's ScriptDirectory for the heads);
- squawk (``pip install squawk-cli`` into a throwaway virtualenv, e.g. /tmp/squawk-venv) on the
  same rendered SQL: one .sql file per revision, all passed in one invocation.

Usage::

    python bench/bench_lint.py [--revisions 1000] [--squawk /tmp/squawk-venv/bin/squawk] [--write]

``--write`` replaces the "Lint" section of docs/benchmarks.md with the figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import write_section

from alembic_baseline import settings as settings_module
from alembic_baseline.commands.lint import CACHE_DIR, LintOptions, lint
from alembic_baseline.lint.extract import read_revision
from alembic_baseline.lint.model import Direction

BIN = Path(sys.executable).parent


def _rev(i: int) -> str:
    return f"{i + 1:012x}"


def _body(lines: list[str]) -> str:
    return "\n".join("    " + line for line in "\n".join(lines).splitlines()) or "    pass"


def _step(i: int) -> tuple[str, list[str], list[str]]:
    """(message, upgrade lines, downgrade lines) of revision ``i``."""
    t, prev = f"t_{i // 10}", f"t_{max(i // 10 - 1, 0)}"
    kind = i % 10
    if kind == 0:
        fk = f', sa.ForeignKey("{prev}.id")' if i else ""
        return (
            f"create {t}",
            [
                f'op.create_table("{t}", sa.Column("id", sa.Integer(), primary_key=True),',
                '    sa.Column("code", sa.String(20), nullable=False),',
                f'    sa.Column("parent_id", sa.Integer(){fk}),',
                '    sa.Column("created_at", sa.DateTime(), server_default=sa.text("now()")))',
                f'op.create_index("ix_{t}_code", "{t}", ["code"], unique=True)',
            ],
            [f'op.drop_index("ix_{t}_code", table_name="{t}")', f'op.drop_table("{t}")'],
        )
    if kind == 1:
        return (
            f"add note to {t}",
            ["op.execute(\"SET lock_timeout = '5s'\")",
             f'op.add_column("{t}", sa.Column("note", sa.String(100)))'],
            [f'op.drop_column("{t}", "note")'],
        )  # fmt: skip
    if kind == 2 and i % 50 == 2:  # now and then someone forgets CONCURRENTLY
        return (
            f"index {t} created_at",
            [f'op.create_index("ix_{t}_created", "{t}", ["created_at"])'],
            [f'op.drop_index("ix_{t}_created", table_name="{t}")'],
        )
    if kind == 5 and i % 100 == 5:  # ... or puts a backfill next to DDL
        return (
            f"backfill {t}.note with a flag",
            [f'op.add_column("{t}", sa.Column("flag", sa.Boolean()))',
             f"op.execute(\"UPDATE {t} SET note = 'n/a' WHERE note IS NULL\")"],
            [f'op.drop_column("{t}", "flag")'],
        )  # fmt: skip
    if kind == 2:
        return (
            f"index {t} created_at",
            ["with op.get_context().autocommit_block():",
             f'    op.create_index("ix_{t}_created", "{t}", ["created_at"],',
             "                    postgresql_concurrently=True)"],
            ["with op.get_context().autocommit_block():",
             f'    op.drop_index("ix_{t}_created", table_name="{t}",',
             "                  postgresql_concurrently=True)"],
        )  # fmt: skip
    if kind == 3:
        view = f"""CREATE VIEW v_{t} AS
    SELECT a.id, a.code, count(b.id) AS children
      FROM {t} a LEFT JOIN {prev} b ON b.parent_id = a.id
     GROUP BY a.id, a.code"""
        return (
            f"rebuild view v_{t}",
            [f'op.execute("DROP VIEW IF EXISTS v_{t} CASCADE")', f'op.execute("""{view}""")'],
            [f'op.execute("DROP VIEW IF EXISTS v_{t} CASCADE")'],
        )
    if kind == 4:
        return (
            f"widen {t}.note",
            ["op.execute(\"SET lock_timeout = '5s'\")",
             f'op.alter_column("{t}", "note", existing_type=sa.String(100), type_=sa.String(200))'],
            [f'op.alter_column("{t}", "note", existing_type=sa.String(200), type_=sa.String(100))'],
        )  # fmt: skip
    if kind == 5:
        return (
            f"backfill {t}.note",
            [f"op.execute(\"UPDATE {t} SET note = 'n/a' WHERE note IS NULL\")"],
            [f"op.execute(\"UPDATE {t} SET note = NULL WHERE note = 'n/a'\")"],
        )
    if kind == 6:
        return (
            f"check {t}.code",
            ["op.execute(\"SET lock_timeout = '5s'\")",
             f'op.create_check_constraint("ck_{t}_code", "{t}", "length(code) > 0",',
             "                            postgresql_not_valid=True)"],
            [f'op.drop_constraint("ck_{t}_code", "{t}", type_="check")'],
        )  # fmt: skip
    if kind == 7:
        fn = f"""CREATE FUNCTION touch_{t}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.note := coalesce(NEW.note, '%');
    RETURN NEW;
END $$"""
        return (
            f"trigger on {t}",
            ["op.execute(\"SET lock_timeout = '5s'\")", f'op.execute("""{fn}""")',
             f'op.execute("CREATE TRIGGER trg_{t} BEFORE INSERT ON {t} '
             f'FOR EACH ROW EXECUTE FUNCTION touch_{t}()")'],
            [f'op.execute("DROP TRIGGER trg_{t} ON {t}")',
             f'op.execute("DROP FUNCTION touch_{t}()")'],
        )  # fmt: skip
    if kind == 8:
        return (
            f"status value s{i}",
            ["with op.get_context().autocommit_block():",
             f"    op.execute(\"ALTER TYPE item_status ADD VALUE IF NOT EXISTS 's{i}'\")"],
            ["pass  # alembic-baseline: ignore[AB201] enum values cannot be dropped"],
        )  # fmt: skip
    return (
        f"comment {t}",
        [f"op.execute(\"COMMENT ON TABLE {t} IS 'table {i // 10}'\")"],
        [f'op.execute("COMMENT ON TABLE {t} IS NULL")'],
    )


def generate(project: Path, count: int) -> None:
    versions = project / "alembic" / "versions"
    versions.mkdir(parents=True)
    (project / "alembic" / "script.py.mako").write_text("")
    (project / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/alembic\n")
    for i in range(count):
        message, up, down = _step(i)
        if i == 0:
            up = ["op.execute(\"CREATE TYPE item_status AS ENUM ('new')\")", *up]
            down = [*down, 'op.execute("DROP TYPE item_status")']
        slug = message.replace(" ", "_").replace(".", "_")
        down_rev = repr(_rev(i - 1)) if i else "None"
        (versions / f"{_rev(i)}_{slug}.py").write_text(
            f'"""{message}\n\nRevision ID: {_rev(i)}\nRevises: {_rev(i - 1) if i else ""}\n"""\n\n'
            "import sqlalchemy as sa\nfrom alembic import op\n\n"
            f"revision = {_rev(i)!r}\ndown_revision = {down_rev}\n"
            "branch_labels = None\ndepends_on = None\n\n\n"
            f"def upgrade() -> None:\n{_body(up)}\n\n\ndef downgrade() -> None:\n{_body(down)}\n",
            encoding="utf-8",
        )


def render_sql(project: Path, dest: Path) -> int:
    """The upgrade SQL of every revision, one file each (what squawk reads)."""
    dest.mkdir()
    statements = 0
    for path in sorted((project / "alembic" / "versions").glob("*.py")):
        rev = read_revision(path)
        sql = [s.sql for s in rev.statements_of(Direction.UPGRADE)]
        statements += len(sql)
        (dest / f"{path.stem}.sql").write_text(";\n\n".join(sql) + ";\n", encoding="utf-8")
    return statements


def timed(fn: Callable[[], object], runs: int, before: Callable[[], object] | None = None) -> float:
    samples = []
    for _ in range(runs):
        if before:
            before()
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--revisions", type=int, default=1000)
    parser.add_argument("--squawk", default=os.environ.get("SQUAWK", "/tmp/squawk-venv/bin/squawk"))
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-lint-"))
    try:
        project = work / "project"
        cache = project / CACHE_DIR  # where the CLI looks too
        generate(project, args.revisions)
        settings = settings_module.load(
            config=str(project / "alembic.ini"), environ={}, cwd=project
        )
        options = LintOptions(use_baseline=False)
        result = lint(settings, options=options)
        cold = timed(lambda: lint(settings, options=options), 3, lambda: shutil.rmtree(cache, True))
        lint(settings, options=options)
        warm = timed(lambda: lint(settings, options=options), 5)
        warm_result = lint(settings, options=options)
        assert warm_result.cached == args.revisions, warm_result.cached
        cli = [str(BIN / "alembic-baseline"), "-c", str(project / "alembic.ini"), "lint",
               "--output-format", "json", "--no-baseline"]  # fmt: skip
        subprocess.run(cli, capture_output=True, cwd=project, check=False)
        cli_warm = timed(
            lambda: subprocess.run(cli, capture_output=True, cwd=project, check=False), 5
        )
        statements = render_sql(project, work / "sql")
        files = sorted(str(p) for p in (work / "sql").glob("*.sql"))
        squawk: float | None = None
        if Path(args.squawk).exists():
            squawk_cmd = [args.squawk, *files]
            subprocess.run(squawk_cmd, capture_output=True, check=False)
            squawk = timed(lambda: subprocess.run(squawk_cmd, capture_output=True, check=False), 5)
        report(args.revisions, statements, len(result.findings), cold, warm, cli_warm, squawk,
               args.write)  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(
    revisions: int,
    statements: int,
    findings: int,
    cold: float,
    warm: float,
    cli_warm: float,
    squawk: float | None,
    write: bool,
) -> None:
    def ratio(ours: float) -> str:
        return f"{ours / squawk:.1f}× squawk" if squawk else "squawk not installed"

    squawk_row = f"{squawk:.3f} s" if squawk is not None else "—"
    lines = [
        f"`python bench/bench_lint.py` — {revisions:,} generated revisions ({statements:,} "
        f"upgrade statements, {findings} findings), {os.cpu_count()} cores, medians.",
        "",
        "| measure | wall time | ratio | target |",
        "| --- | --- | --- | --- |",
        f"| `lint`, cold cache (render offline + parse + check, in-process) | {cold:.2f} s "
        f"| {ratio(cold)} | — |",
        f"| `lint`, warm cache (in-process) | {warm:.3f} s | {ratio(warm)} | ≤ 3 s |",
        f"| `alembic-baseline lint`, warm cache, fresh process | {cli_warm:.2f} s "
        f"| {ratio(cli_warm)} | ≤ 3 s |",
        f"| squawk-cli on the same rendered SQL (one file per revision) | {squawk_row} | 1× | — |",
        "",
        "squawk reads SQL files only; `lint` also reads each revision's Python, renders it "
        "offline with Alembic, checks the history across revisions (heads, view dependants) and "
        "applies ignores and the baseline.",
    ]
    text = "\n".join(lines)
    sys.stdout.write(text + "\n")
    if write:
        write_section("Lint", text)


if __name__ == "__main__":
    main()
