"""Keep a run of the project's env.py on the one database the tool chose for it.

The driver tells env.py which database to use (``sqlalchemy.url`` and the ``url_env`` variable),
but an env.py may prefer its own variable, a settings object or ``-x`` arguments. Hoping is not
enough: while a run is confined, every connection is checked where it is made, before any SQL:

1. ``do_connect`` (an Engine-class event, so every engine, sync or async, old or new): the
   connection parameters — host or socket directory, port, database, a libpq DSN or URL in the
   arguments — must name the target. A mismatch stops before the server is even contacted.
2. Pool ``connect`` / ``checkout`` (Pool-class events): the connection itself is asked
   ``current_database()`` and its server's port. This covers engines built with ``creator=`` (a
   psycopg connection made by hand) and connections pooled before the run.
3. ``context.configure(connection=...)``: the MigrationContext's connection is checked (again
   by asking the server, unless step 2 already did for this run) before Alembic touches the
   version table; the version table env.py configures is recorded for the after-run check.

The class-level listeners are installed once and are inert unless a confinement is active in the
current context (a :class:`contextvars.ContextVar`: asyncio tasks and SQLAlchemy's greenlets
inherit it, other threads — such as snapshot lanes — never see it). A violation raised inside
env.py and swallowed there is raised again when the run ends.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import secrets
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from alembic_baseline.errors import UnsafeError
from alembic_baseline.pg import engine_connect
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.url import DatabaseURL, redact

if TYPE_CHECKING:
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory

DOCS = "docs/baseline.md#the-sandbox"
_INFO_KEY = "alembic_baseline_sandbox"
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})
_ACTIVE: contextvars.ContextVar[Sandbox | None] = contextvars.ContextVar(
    "alembic_baseline_sandbox", default=None
)
_INSTALL_LOCK = threading.Lock()
_installed = False


class SandboxRefusal(UnsafeError):
    """A run of the project's env.py was refused by the sandbox (exit 3). Callers that turn
    errors into "could not compare" let this one through."""


class SandboxViolation(SandboxRefusal):
    """env.py tried to reach a database other than the one the tool gave it (exit 3)."""


@dataclass(frozen=True)
class Endpoint:
    """Where a connection goes, with libpq's defaults filled in the same way on both sides."""

    hosts: tuple[str, ...]
    port: int
    database: str

    @classmethod
    def of(cls, params: Mapping[str, Any]) -> Endpoint:
        env = os.environ
        host = str(params.get("host") or params.get("hostaddr") or env.get("PGHOST") or "")
        hosts = tuple(sorted("localhost" if h in _LOOPBACK else h for h in host.split(",")))
        port_text = str(params.get("port") or env.get("PGPORT") or "5432").split(",")[0]
        try:
            port = int(port_text)
        except ValueError:
            port = -1
        user = params.get("user") or env.get("PGUSER") or ""
        database = params.get("dbname") or params.get("database") or env.get("PGDATABASE") or user
        return cls(hosts, port, str(database))

    def matches(self, other: Endpoint) -> bool:
        return self == other


def _connect_params(cargs: Sequence[Any], cparams: Mapping[str, Any]) -> dict[str, Any]:
    """The libpq-level parameters of a DBAPI connect call: DSN/URL first, keywords override."""
    from psycopg.conninfo import conninfo_to_dict

    params: dict[str, Any] = {}
    dsn = cparams.get("dsn") or cparams.get("conninfo")
    if not dsn and cargs and isinstance(cargs[0], str):
        dsn = cargs[0]
    if dsn:
        try:
            params.update(conninfo_to_dict(str(dsn)))
        except Exception:  # an unparsable DSN: judged on the keywords, which then must match
            params["host"] = "(unparsable DSN)"
    for key, value in cparams.items():
        if key not in ("dsn", "conninfo") and value is not None and isinstance(value, str | int):
            params[key] = value
    return params


def _shown(params: Mapping[str, Any]) -> str:
    """The attempted location as a redacted URL (no password, ever)."""
    endpoint = Endpoint.of(params)
    host = ",".join(h for h in endpoint.hosts if h) or None
    url = DatabaseURL(
        username=str(params.get("user")) if params.get("user") else None,
        password=None,
        host=host,
        port=endpoint.port,
        database=endpoint.database,
    )
    return redact(url.redacted)


@dataclass
class Sandbox:
    """One confined run: the target database and what was observed during the run."""

    target: DatabaseURL
    purpose: str
    """"scratch" (a database the tool made) or "given" (the database the user named)."""
    url_env: str = "DATABASE_URL"
    x_args: tuple[str, ...] = ()
    token: str = field(default_factory=lambda: secrets.token_hex(8))
    violation: SandboxViolation | None = None
    version_table: tuple[str, str | None] | None = None

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint.of(self.target.libpq_kwargs())

    # -- refusing ------------------------------------------------------------------------------
    def refuse(
        self, attempted: str, how: str, reached: Callable[[Endpoint], bool], *, opened: bool
    ) -> SandboxViolation:
        where = (
            f"the scratch database {self.target.database!r} that alembic-baseline made for this run"
            if self.purpose == "scratch"
            else f"the database you gave, {self.target.redacted}"
        )
        guess = _variable_pointing_at(reached)
        x_arg = _x_arg_pointing_at(self.x_args, reached)
        reads = f" (it looks like env.py reads ${guess})" if guess else ""
        if x_arg:
            reads = f" (it looks like env.py reads -x {x_arg}=…)"
        error = SandboxViolation(
            f"Refused: env.py {how} {attempted}{reads}, not {where}. "
            + (
                "Nothing ran there but the read of current_database() that caught it; the "
                "connection was closed."
                if opened
                else "No connection was opened there."
            ),
            hint=f"Make env.py use the URL alembic-baseline hands it: it sets sqlalchemy.url and "
            f"${self.url_env}. If env.py reads another variable, name it with "
            f'url_env = "{guess or "MYAPP_DATABASE_URL"}" in [tool.alembic-baseline] '
            "(or ALEMBIC_BASELINE_URL_ENV); if it takes the URL from -x arguments, do not pass "
            "that -x to alembic-baseline and let env.py fall back to sqlalchemy.url. "
            f"See {DOCS}.",
            context={"env.py went to": attempted, "expected": self.target.redacted},
        )
        if self.violation is None:
            self.violation = error
        return error

    # -- checks --------------------------------------------------------------------------------
    def check_params(self, cargs: Sequence[Any], cparams: Mapping[str, Any]) -> None:
        params = _connect_params(cargs, cparams)
        attempted = Endpoint.of(params)
        if not attempted.matches(self.endpoint):
            raise self.refuse(
                _shown(params), "tried to connect to", attempted.matches, opened=False
            )

    def check_dbapi(self, dbapi_connection: Any, *, clean: bool) -> None:
        """Ask the server which database this is; ``clean``: end the read's transaction."""
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT current_database(), current_setting('port')")
            database, port = cursor.fetchone()
        finally:
            cursor.close()
        if clean:
            dbapi_connection.rollback()
        expected = self.endpoint
        if str(database) != expected.database or int(str(port)) != expected.port:
            with contextlib.suppress(Exception):
                dbapi_connection.close()
            raise self.refuse(
                f"database {database!r} on a server listening on port {port}",
                "opened a connection to",
                lambda e: (e.database, e.port) == (str(database), int(str(port))),
                opened=True,
            )


def _x_arg_pointing_at(x_args: Sequence[str], reached: Callable[[Endpoint], bool]) -> str | None:
    """The key of a ``-x key=URL`` argument that leads where env.py went."""
    for arg in x_args:
        key, sep, value = arg.partition("=")
        if sep and "://" in value:
            try:
                if reached(Endpoint.of(DatabaseURL.parse(value).libpq_kwargs())):
                    return key
            except Exception:
                continue
    return None


def _variable_pointing_at(reached: Callable[[Endpoint], bool]) -> str | None:
    """The name of an environment variable holding a URL that leads where env.py went."""
    for name, value in os.environ.items():
        if not value.lstrip().startswith(("postgres", "POSTGRES")) or "://" not in value:
            continue
        try:
            endpoint = Endpoint.of(DatabaseURL.parse(value).libpq_kwargs())
        except Exception:
            continue
        if reached(endpoint):
            return name
    return None


# -- SQLAlchemy listeners (installed once, inert outside a confined run) -----------------------
def _on_do_connect(dialect: Any, record: Any, cargs: Any, cparams: Any) -> None:
    box = _ACTIVE.get()
    if box is not None:
        box.check_params(cargs, cparams)


def _on_pool_connect(dbapi_connection: Any, record: Any) -> None:
    box = _ACTIVE.get()
    if box is not None:
        box.check_dbapi(dbapi_connection, clean=True)
        record.info[_INFO_KEY] = box.token


def _on_checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    box = _ACTIVE.get()
    if box is not None and record.info.get(_INFO_KEY) != box.token:
        box.check_dbapi(dbapi_connection, clean=True)
        record.info[_INFO_KEY] = box.token


def _install() -> None:
    global _installed
    with _INSTALL_LOCK:
        if _installed:
            return
        from sqlalchemy import event
        from sqlalchemy.engine import Engine
        from sqlalchemy.pool import Pool

        event.listen(Engine, "do_connect", _on_do_connect)
        # A do_connect listener that connects by itself (the early-timeout retry) ends the
        # chain: it must come after this check, also when it was registered first.
        engine_connect.move_last()
        event.listen(Pool, "connect", _on_pool_connect)
        event.listen(Pool, "checkout", _on_checkout)
        _installed = True


def current() -> Sandbox | None:
    return _ACTIVE.get()


@contextlib.contextmanager
def confine(sandbox: Sandbox) -> Iterator[Sandbox]:
    """Check every connection made in this context against ``sandbox.target``."""
    _install()
    reset = _ACTIVE.set(sandbox)
    try:
        yield sandbox
    except Exception:  # an interrupt stays an interrupt
        if sandbox.violation is not None:
            raise sandbox.violation from None
        raise
    finally:
        _ACTIVE.reset(reset)
    if sandbox.violation is not None:
        # env.py caught the refusal and carried on: the run still failed.
        raise sandbox.violation


def guard_environment(env: EnvironmentContext) -> EnvironmentContext:
    """Check the connection env.py passes to ``context.configure()`` (and note the version
    table), on the instance: Alembic's module proxy only knows the class itself."""
    box = _ACTIVE.get()
    if box is None:
        return env
    configure = env.configure

    def checked_configure(*args: Any, **kwargs: Any) -> None:
        configure(*args, **kwargs)
        ctx = env.get_context()
        conn = ctx.connection
        if conn is None or ctx.as_sql:
            return
        if conn.info.get(_INFO_KEY) != box.token:
            box.check_dbapi(conn.connection.dbapi_connection, clean=False)
            conn.info[_INFO_KEY] = box.token
        box.version_table = (ctx.version_table, ctx.version_table_schema)

    env.configure = checked_configure  # type: ignore[method-assign]
    return env


# -- after a replay ----------------------------------------------------------------------------
class ReplayIncomplete(SandboxRefusal):
    """A replay on scratch finished without its database reaching the revision (exit 3)."""


def confirm_reached(box: Sandbox, script: ScriptDirectory, target: str, steps: int) -> None:
    """Prove on the scratch database itself that the replay to ``target`` got there: its
    version table (as env.py configured it) holds every revision ``target`` stands for."""

    where = f"the scratch database {box.target.database!r}"
    try:
        wanted = {s.revision for s in script.get_revisions(target) if s is not None}
    except Exception:  # an unresolvable target: at least one revision must be there
        wanted = {""}
    if not wanted:
        return  # "base": there is nothing to reach
    wanted.discard("")
    if box.version_table is None:
        raise ReplayIncomplete(
            f"The replay to {target} ran {steps} revision(s) and env.py never configured a "
            f"migration on {where}, so nothing proves what the history builds.",
            hint="env.py must call context.configure(connection=...) and run_migrations() on "
            f"the URL alembic-baseline hands it. See {DOCS}.",
        )
    name, schema = box.version_table
    with connection(box.target) as conn:
        rows = _version_rows(conn, name, schema)
    if rows and wanted <= rows:
        return
    table = f"{schema}.{name}" if schema else name
    holds = ", ".join(sorted(rows)) or "no revision"
    raise ReplayIncomplete(
        f"The replay to {target} ran {steps} revision(s), but {table} in {where} holds "
        f"{holds}, not {', '.join(sorted(wanted)) or target}: the history did not run there.",
        hint="Check that env.py runs the migrations on the URL alembic-baseline hands it (not "
        f"on a database of its own choosing) and does not skip them. See {DOCS}.",
    )


def _version_rows(conn: Any, name: str, schema: str | None) -> set[str]:
    from psycopg import sql

    table = sql.Identifier(schema, name) if schema else sql.Identifier(name)
    exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (table.as_string(conn),)).fetchone()
    if not exists or not exists[0]:
        return set()
    query = sql.SQL("SELECT version_num FROM {}").format(table)
    return {str(row[0]) for row in conn.execute(query).fetchall()}
