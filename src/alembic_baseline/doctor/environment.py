"""Diagnoses of the tools around the database: scratch servers and pg_dump of the right version.

Identification and schema checks replay the history on a scratch server of production's major
(another major prints definitions differently); backups and baselines need a pg_dump at least as
new as the server. Both are looked up without starting anything.
"""

from __future__ import annotations

from alembic_baseline.doctor.model import Diagnosis
from alembic_baseline.doctor.problems import NoScratchServer, PgDumpTooOld, SchemaNotCompared
from alembic_baseline.errors import BaselineError
from alembic_baseline.pg import binaries
from alembic_baseline.pg.scratch import ScratchServer
from alembic_baseline.pg.url import DatabaseURL


def scratch_problem(major: int, scratch_url: str | None) -> Diagnosis | None:
    """None when a scratch server of ``major`` can be had (``--scratch-url`` or binaries)."""
    try:
        if scratch_url:
            server = ScratchServer(
                DatabaseURL.parse(scratch_url), description=f"scratch server {scratch_url}"
            )
            found = server.major
            server.close()
            if found != major:
                return _no_scratch(
                    major,
                    f"the --scratch-url server runs PostgreSQL {found}, production runs {major}",
                    f"Pass a --scratch-url of a PostgreSQL {major} server.",
                )
            return None
        binaries.find_server(major)
    except BaselineError as exc:
        return _no_scratch(
            major,
            exc.message,
            f"alembic-baseline scratch install {major}  # or --scratch-url postgresql://… of a "
            f"PostgreSQL {major} server",
            (exc.hint,) if exc.hint else (),
        )
    return None


def _no_scratch(major: int, why: str, fix: str, details: tuple[str, ...] = ()) -> Diagnosis:
    return NoScratchServer.of(
        f"No scratch PostgreSQL {major} is available ({why}): the schema was not compared with "
        "the history and the real revision cannot be identified.",
        fix,
        {"production_major": str(major)},
        details,
    )


def not_compared(major: int, reasons: list[str]) -> Diagnosis:
    """AB-D013: a scratch server was there, but a comparison or identification failed — the
    report must not read as "no problem"."""
    return SchemaNotCompared.of(
        "The schema was not compared (or not identified): "
        + "; ".join(reasons)
        + ". Nothing is known about the schema's state.",
        "fix the cause above, then run `alembic-baseline doctor` again "
        f"(scratch server: PostgreSQL {major}, `alembic-baseline scratch install {major}` "
        "or --scratch-url)",
        {"production_major": str(major)},
    )


def pg_dump_problem(major: int) -> Diagnosis | None:
    try:
        binaries.find_client(major, "pg_dump")
    except BaselineError as exc:
        older = sorted(i.major for i in binaries.discover() if i.has("pg_dump"))
        return PgDumpTooOld.of(
            f"No pg_dump of version {major} or newer: {exc.message} Backups before a patch and "
            "`baseline create` will refuse (an older pg_dump cannot dump a newer server).",
            exc.hint or f"apt-get install postgresql-client-{major}",
            {"production_major": str(major), "pg_dump_found": ", ".join(map(str, older))},
        )
    return None
