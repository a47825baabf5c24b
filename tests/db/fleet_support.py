"""Shared helpers of the fleet tests: a copy of the fleet_app fixture project and a handful of
target databases (template clones, not replays) or tenant schemas on the test server."""

from __future__ import annotations

import io
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from psycopg import sql

from alembic_baseline import settings
from alembic_baseline.cli import main
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.scratch import ScratchServer
from alembic_baseline.pg.url import DatabaseURL
from tests.helpers.formats import check_markdown

PROJECT = Path(__file__).resolve().parents[1] / "fixtures" / "projects" / "fleet_app"
F1, F2, F3 = "f1a0000000001", "f2b0000000002", "f3c0000000003"
HEAD = F3


@dataclass
class Fleet:
    server: ScratchServer
    project_dir: Path
    prefix: str
    made: list[str] = field(default_factory=list)

    @property
    def ini(self) -> Path:
        return self.project_dir / "alembic.ini"

    def project(self, *x: str) -> AlembicProject:
        return AlembicProject(settings.load(config=str(self.ini), x_args=x))

    def databases(self, *revisions: str | None) -> list[DatabaseURL]:
        """One database per revision given (None: empty), named PREFIX_0, PREFIX_1, …"""
        templates: dict[str | None, str] = {}
        urls = []
        for i, rev in enumerate(revisions):
            if rev not in templates:
                tpl = self.server.create_database(f"{self.prefix}tpl{len(templates)}")
                self.made.append(tpl.database)
                if rev is not None:
                    self.project().upgrade(tpl, rev)
                templates[rev] = tpl.database
            url = self.server.create_database(f"{self.prefix}_{i}", template=templates[rev])
            self.made.append(url.database)
            urls.append(url)
        return urls

    def tenants(self, url: DatabaseURL, *revisions: str | None) -> list[str]:
        """Tenant schemas tenant_0, tenant_1, … in ``url``, each at its revision."""
        names = []
        for i, rev in enumerate(revisions):
            name = f"tenant_{i}"
            with connection(url) as conn:
                conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
            if rev is not None:
                self.project(f"tenant={name}").upgrade(url, rev)
            names.append(name)
        return names

    def argv(self, *args: str, x: tuple[str, ...] = ()) -> list[str]:
        scratch = self.server.admin_url.render("psycopg")
        xs = [a for v in x for a in ("-x", v)]
        return ["-c", str(self.ini), "--scratch-url", scratch, *xs, "fleet", *args]

    def cli(self, *args: str, x: tuple[str, ...] = ()) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        code = main(self.argv(*args, x=x), out, err)
        return code, out.getvalue(), err.getvalue()

    def json(self, *args: str, x: tuple[str, ...] = ()) -> tuple[int, dict[str, Any], str]:
        code, out, err = self._json(args, x)
        return code, json.loads(out), err

    def _json(self, args: tuple[str, ...], x: tuple[str, ...]) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        argv = self.argv(*args, x=x)
        code = main(["--json", *argv], out, err)
        return code, out.getvalue(), err.getvalue()

    def markdown(self, *args: str, x: tuple[str, ...] = ()) -> tuple[int, str]:
        """The command with --format markdown; its output checked to be markdown."""
        out, err = io.StringIO(), io.StringIO()
        code = main(["--format", "markdown", *self.argv(*args, x=x)], out, err)
        check_markdown(out.getvalue())
        return code, out.getvalue()

    def server_args(self) -> list[str]:
        return [
            "--server",
            self.server.admin_url.render("psycopg"),
            "--databases",
            f"{self.prefix}\\_%",
        ]

    def rows(self, url: DatabaseURL, schema: str | None = None) -> list[str]:
        table = (
            sql.Identifier(schema, "alembic_version")
            if schema
            else sql.Identifier("alembic_version")
        )
        with connection(url) as conn:
            found = conn.execute(sql.SQL("SELECT version_num FROM {}").format(table)).fetchall()
        return [str(r[0]) for r in found]

    def records(self, target: str) -> list[dict[str, Any]]:
        runs = self.project_dir / ".alembic-baseline" / "runs" / "fleet" / target
        if not runs.is_dir():
            return []
        return [
            json.loads((d / "record.json").read_text())
            for d in sorted(runs.iterdir())
            if d.is_dir()
        ]

    def drop(self) -> None:
        for name in reversed(self.made):
            self.server.drop_database(name)


def make_fleet(server: ScratchServer, tmp_path: Path, prefix: str) -> Fleet:
    dest = tmp_path / "fleet_app"
    shutil.copytree(PROJECT, dest, ignore=shutil.ignore_patterns("__pycache__"))
    return Fleet(server, dest, prefix)
