"""Shared helpers of the deploy tests: a copy of a fixture project, a "production" database on
the test server, and the CLI run in-process against both (no tests in this module)."""

from __future__ import annotations

import io
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic_baseline import settings
from alembic_baseline.cli import main
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.scratch import ScratchServer
from alembic_baseline.pg.url import DatabaseURL

PROJECTS = Path(__file__).resolve().parents[1] / "fixtures" / "projects"


@dataclass
class Env:
    """A project copy (runs, backups and cache go inside it) and its production database."""

    server: ScratchServer
    project_dir: Path
    db: DatabaseURL
    x: tuple[str, ...] = ()

    @property
    def ini(self) -> Path:
        return self.project_dir / "alembic.ini"

    def project(self, *x: str) -> AlembicProject:
        return AlembicProject(settings.load(config=str(self.ini), x_args=x or self.x))

    def argv(
        self,
        command: str,
        *args: str,
        x: tuple[str, ...] = (),
        json: bool = False,
        url: str | None = None,
    ) -> list[str]:
        """Global options, the command, ``--url`` of the production database, the arguments."""
        xs = [a for v in (x or self.x) for a in ("-x", v)]
        scratch = self.server.admin_url.render("psycopg")
        target = url if url is not None else self.db.render("psycopg")
        head = ["-c", str(self.ini), "--scratch-url", scratch, *xs, *(["--json"] if json else [])]
        return [*head, command, "--url", target, *args]

    def cli(
        self,
        command: str,
        *args: str,
        url: str | None = None,
        x: tuple[str, ...] = (),
        json: bool = False,
    ) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        code = main(self.argv(command, *args, x=x, json=json, url=url), out, err)
        return code, out.getvalue(), err.getvalue()

    def current(self) -> tuple[str, ...]:
        return self.project().current_heads(self.db)

    def records(self) -> list[dict[str, Any]]:
        runs = self.project_dir / ".alembic-baseline" / "runs"
        if not runs.is_dir():
            return []
        return [json.loads((d / "record.json").read_text()) for d in sorted(runs.iterdir())]

    def backups(self) -> list[Path]:
        directory = self.project_dir / ".alembic-baseline" / "backups"
        return sorted(directory.iterdir()) if directory.is_dir() else []

    def columns(self, table: str) -> list[str]:
        with connection(self.db) as conn:
            rows = conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                "ORDER BY ordinal_position",
                (table,),
            ).fetchall()
        return [str(r[0]) for r in rows]

    def scalar(self, query: str) -> Any:
        with connection(self.db) as conn:
            row = conn.execute(query.encode()).fetchone()
        return row[0] if row else None


def make_env(
    server: ScratchServer, tmp_path: Path, name: str = "deploy_app", at: str | None = "d1000001"
) -> Env:
    """Copy ``name`` into ``tmp_path`` and build its production database at revision ``at``."""
    project_dir = tmp_path / name
    shutil.copytree(PROJECTS / name, project_dir, ignore=shutil.ignore_patterns("__pycache__"))
    db = server.create_database()
    env = Env(server, project_dir, db)
    if at is not None:
        env.project().upgrade(db, at)
    return env


def add_revision(env: Env, rev: str, down: str, upgrade: str, downgrade: str = "pass") -> Path:
    """Write a revision file into the copy's versions directory (a post-baseline patch)."""
    path = env.project_dir / "migrations" / "versions" / f"{rev}_extra.py"
    path.write_text(
        f'"""extra {rev}\n\nRevision ID: {rev}\nRevises: {down}\n"""\n'
        "from alembic import op\n\n"
        f"revision = {rev!r}\ndown_revision = {down!r}\nbranch_labels = None\n"
        "depends_on = None\n\n\n"
        f"def upgrade() -> None:\n    {upgrade}\n\n\n"
        f"def downgrade() -> None:\n    {downgrade}\n"
    )
    return path


def sleeping(env: Env) -> bool:
    """Whether a revision of ``env``'s database is inside its ``pg_sleep`` (a run in progress)."""
    with connection(env.server.admin_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND query LIKE %s",
            (env.db.database, "SELECT pg_sleep%"),
        ).fetchone()
    return bool(row and row[0])
