"""Whole-process A/B of `lint` against squawk, on the generated 1,000-revision history.

Two measures, each in alternating pairs (see _paired.py), the tool installed from a wheel:

- **empty cache**: `alembic-baseline lint` with its cache removed before each run, against
  `alembic upgrade base:head --sql > up.sql` followed by `squawk up.sql` (what a team without
  this tool would run: render the history offline, lint the SQL);
- **filled cache**: `alembic-baseline lint` again, against `squawk up.sql` alone.

Both print every finding (to a pipe, read by the benchmark). Usage::

    python bench/bench_lint_ab.py [--tool VENV/bin/alembic-baseline] [--squawk PATH]
        [--revisions 1000] [--pairs 7] [--before OTHER/bin/alembic-baseline] [--write]

With ``--before OTHER/bin/alembic-baseline`` two more measures run the two versions of the tool
against each other (filled cache, then empty cache; alternating pairs).

Without ``--tool`` this checkout is built as a wheel and installed into a temporary venv;
without ``--squawk``, squawk-cli (a wheel with the binary) is installed from PyPI into another.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, command_env, write_section
from _paired import HEADER, install, load_text, paired, timed
from generate_history import generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tool", type=Path)
    parser.add_argument("--squawk", type=Path, help="default: squawk-cli installed from PyPI")
    parser.add_argument("--revisions", type=int, default=1000)
    parser.add_argument("--pairs", type=int, default=7)
    parser.add_argument("--before", type=Path, help="another alembic-baseline to compare with")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    versus = versus_cold = None

    with tempfile.TemporaryDirectory(prefix="ab-lint-") as tmp:
        work = Path(tmp)
        tool = install(args.tool, work)
        args.squawk = args.squawk or _squawk(work)
        alembic = tool.parent / "alembic"
        project = generate(work / "proj", args.revisions).parent
        subprocess.run(["git", "init", "-q", str(project)], check=True)
        cache = project / ".alembic-baseline" / "cache"
        rendered = work / "up.sql"
        lint = [str(tool), "lint"]
        squawk = [str(args.squawk), str(rendered)]
        findings = _count(lint, project)

        def lint_cold() -> float:
            shutil.rmtree(cache, ignore_errors=True)
            return timed(lint, cwd=project, ok=(0, 1))

        def render_and_squawk() -> float:
            render = timed([str(alembic), "upgrade", "base:head", "--sql"], cwd=project,
                           stdout=rendered)  # fmt: skip
            return render + timed(squawk, ok=(0, 1))

        print(f"lint, empty cache vs alembic --sql + squawk ({load_text()})")
        cold = paired(render_and_squawk, lint_cold, args.pairs)
        timed(lint, cwd=project, ok=(0, 1))  # fill the cache
        print(f"lint, filled cache vs squawk alone ({load_text()})")
        warm = paired(lambda: timed(squawk, ok=(0, 1)), lambda: timed(lint, cwd=project,
                      ok=(0, 1)), args.pairs)  # fmt: skip
        if args.before is not None:
            before = [str(args.before), "lint"]
            timed(before, cwd=project, ok=(0, 1))  # its cache too (its own key)
            print(f"lint, filled cache, --before vs this tool ({load_text()})")
            versus = paired(lambda: timed(before, cwd=project, ok=(0, 1)),
                            lambda: timed(lint, cwd=project, ok=(0, 1)), args.pairs)  # fmt: skip

            def before_cold() -> float:
                shutil.rmtree(cache, ignore_errors=True)
                return timed(before, cwd=project, ok=(0, 1))

            print(f"lint, empty cache, --before vs this tool ({load_text()})")
            versus_cold = paired(before_cold, lint_cold, args.pairs)
        squawk_findings = _squawk_count(squawk)
        version = subprocess.run([str(args.squawk), "--version"], capture_output=True,
                                 text=True).stdout.strip()  # fmt: skip
    what = f"`lint`, {args.revisions} revisions"
    cold.headline(f"{what}, empty cache", "`alembic upgrade base:head --sql` + squawk", 1.0)
    warm.headline(f"{what}, filled cache", "squawk on the rendered SQL", 1.0)
    text = "\n".join(
        [
            f"`python bench/bench_lint_ab.py --pairs {args.pairs}` — the generated "
            f"{args.revisions:,}-revision history (`bench/generate_history.py`); "
            f"`alembic-baseline lint` prints {findings} findings, {version} "
            f"prints {squawk_findings} on the SQL `alembic upgrade base:head --sql` renders "
            "(both to a pipe). Whole processes, the tool installed from a wheel; "
            f"{load_text()} at the end.",
            "",
            HEADER,
            cold.row("`lint`, empty cache vs `alembic upgrade base:head --sql` + `squawk`"),
            warm.row("`lint`, filled cache vs `squawk` on the rendered SQL"),
            *([versus.row("`lint`, filled cache, vs `--before`'s `lint`")] if versus else []),
            *(
                [versus_cold.row("`lint`, empty cache, vs `--before`'s `lint`")]
                if versus_cold
                else []
            ),
        ]
    )
    print(text)
    if args.write:
        write_section("Lint (whole process)", text)


def _squawk(work: Path) -> Path:
    """squawk-cli (a wheel carrying the binary) in a venv of its own."""
    uv, venv = ROOT / ".venv" / "bin" / "uv", work / "squawk-venv"
    subprocess.run([str(uv), "venv", "-q", str(venv)], check=True)
    subprocess.run([str(uv), "pip", "install", "-q", "--python", str(venv / "bin" / "python"),
                    "squawk-cli"], check=True)  # fmt: skip
    return venv / "bin" / "squawk"


def _count(lint: list[str], project: Path) -> int:
    argv = [lint[0], "--json", *lint[1:]]
    out = subprocess.run(argv, cwd=project, env=command_env(), capture_output=True)
    return len(json.loads(out.stdout)["findings"])


def _squawk_count(squawk: list[str]) -> int:
    out = subprocess.run([*squawk, "--reporter", "json"], capture_output=True, text=True)
    return len(json.loads(out.stdout))


if __name__ == "__main__":
    main()
