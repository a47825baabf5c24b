"""``plan --rehearse``: run the pending revisions on a scratch copy of production's schema.

The copy is production's real schema (``pg_dump --schema-only``, which may differ from what the
history says) plus the rows of chosen reference tables (the lookup data migrations read or
extend), restored into a scratch database of production's major version and stamped at the
revision production records; with ``--sample-rows N``, up to N rows of every other table too
(``pg.sample``: read only, streamed through memory). Nothing is written to production.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from alembic_baseline.deploy import backup
from alembic_baseline.deploy.plan import Rehearsal
from alembic_baseline.deploy.state import Deployment
from alembic_baseline.errors import BaselineError
from alembic_baseline.expected import (
    CHANGE_WORDS,
    compare_with_expected,
    describe_diff,
    inspect_options,
    live_snapshot,
)
from alembic_baseline.history.sandbox import SandboxRefusal
from alembic_baseline.pg import sample, tools
from alembic_baseline.pg.url import DatabaseURL

if TYPE_CHECKING:
    from alembic_baseline.history.graph import Revision


def copy_production(dep: Deployment, workdir: Path) -> DatabaseURL:
    """A scratch database holding production's schema and reference rows, at its revision."""
    bindir = backup.client_for(dep.state.server_major).bindir
    schema = workdir / "schema.dump"
    tools.pg_dump(
        bindir,
        dep.url,
        ["--format=custom", "--schema-only", "--no-password"],
        out=schema,
        timeout=None,
    )
    server = dep.scratch.server()
    copy = server.create_database(server.new_name("rehearse"))
    restore = ["--no-owner", "--no-privileges", "--exit-on-error", f"--dbname={copy.database}"]
    tools.pg_restore(bindir, copy, [*restore, str(schema)], timeout=None)
    if dep.options.reference_tables:
        data = workdir / "reference.dump"
        tables = [f"--table={t}" for t in dep.options.reference_tables]
        tools.pg_dump(
            bindir,
            dep.url,
            ["--format=custom", "--data-only", "--no-password", *tables],
            out=data,
            timeout=None,
        )
        # The scratch role is a superuser: triggers off means FK order does not matter.
        tools.pg_restore(
            bindir, copy, [*restore, "--data-only", "--disable-triggers", str(data)], timeout=None
        )
    if dep.state.current:
        # A stamp on a throwaway copy only: the schema-only dump carries no version rows.
        dep.project.stamp(copy, dep.state.current[0], scratch=True)
    return copy


def rehearse(dep: Deployment, pending: list[Revision]) -> Rehearsal:
    """Apply ``pending`` one by one on a copy of production; time them, diff the result."""
    seconds: dict[str, float] = {}
    refs = dep.options.reference_tables
    with tempfile.TemporaryDirectory(prefix="ab-rehearse-") as tmp:
        start = time.perf_counter()
        try:
            copy = copy_production(dep, Path(tmp))
        except SandboxRefusal:
            raise  # refused by the sandbox (the stamp on the copy runs env.py)
        except BaselineError as exc:
            return Rehearsal(False, seconds, refs, None, (), f"copying production: {exc.message}")
        seconds["copy"] = time.perf_counter() - start
        dep.progress(f"rehearse: copy of production ready in {seconds['copy']:.2f} s")
        try:
            try:
                sampled = _sample(dep, copy, seconds)
            except BaselineError as exc:
                error = f"sampling production: {exc.message}"
                return Rehearsal(False, seconds, refs, None, (), error)
            return replace(_run(dep, pending, copy, seconds), sampled_rows=sampled)
        finally:
            dep.scratch.server().drop_database(copy.database)


def _sample(dep: Deployment, copy: DatabaseURL, seconds: dict[str, float]) -> int:
    """``--sample-rows N``: up to N rows of each other table, streamed from production (read
    only) into the copy; the copy is dropped with the rest of the rehearsal."""
    if not dep.options.sample_rows:
        return 0
    table = dep.state.version_table
    skip = {*dep.options.reference_tables, f"{table.schema or 'public'}.{table.name}"}
    start = time.perf_counter()
    copied = sample.copy_sample(dep.url, copy, dep.options.sample_rows, skip)
    seconds["sample"] = time.perf_counter() - start
    total = sum(copied.values())
    dep.progress(f"rehearse: {total} row(s) sampled from {len(copied)} table(s) of production")
    return total


def _run(
    dep: Deployment, pending: list[Revision], copy: DatabaseURL, seconds: dict[str, float]
) -> Rehearsal:
    from alembic_baseline.diff import compare

    refs = dep.options.reference_tables
    options = inspect_options(dep.state.version_table)
    before = live_snapshot(copy, options)
    for rev in pending:
        start = time.perf_counter()
        try:
            dep.project.upgrade(copy, rev.id, scratch=True)
        except SandboxRefusal:
            raise  # refused by the sandbox: env.py reached for another database
        except BaselineError as exc:
            return Rehearsal(False, seconds, refs, None, (), exc.message)
        seconds[rev.id] = time.perf_counter() - start
        dep.progress(f"rehearse: {rev.id} {rev.message} ({seconds[rev.id]:.2f} s)")
    after = live_snapshot(copy, options)
    changes = describe_diff(compare(before, after), limit=50, words=CHANGE_WORDS)
    schema = None
    if pending:
        schema = compare_with_expected(
            dep.project,
            dep.history,
            dep.scratch,
            copy,
            pending[-1].id,
            dep.state.version_table,
            dep.options.cache_dir,
        )
    # "ok" means every revision ran; drift is reported by ``schema`` (and the schema check).
    return Rehearsal(True, seconds, refs, schema, changes)
