"""Database URLs: parse once, print only redacted, hand secrets to programs through the environment.

A :class:`DatabaseURL` is built from any SQLAlchemy-style URL (``postgresql://``,
``postgresql+psycopg://``, ``postgresql+psycopg2://``, ``postgresql+asyncpg://``) and renders
itself for each consumer: SQLAlchemy with a chosen driver, libpq keyword arguments for psycopg,
and ``PG*`` environment variables for pg_dump/psql so that no password ever appears in an argv.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from alembic_baseline.errors import ConfigError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

# libpq connection parameters that may travel in a URL's query string.
_LIBPQ_QUERY_KEYS = frozenset(
    {
        "host",
        "port",
        "sslmode",
        "sslcert",
        "sslkey",
        "sslrootcert",
        "sslcrl",
        "sslpassword",
        "options",
        "connect_timeout",
        "application_name",
        "target_session_attrs",
        "gssencmode",
        "channel_binding",
        "service",
        "passfile",
    }
)
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-zA-Z][\w+.-]*://[^:/@\s]*:)(?P<pw>[^@\s]*)@")
_KV_PASSWORD = re.compile(r"(?i)\b(password|PGPASSWORD)\s*=\s*('[^']*'|\S+)")

DEFAULT_DRIVER = "psycopg"


def redact(text: str) -> str:
    """Hide passwords in any text: URLs (``user:secret@``) and ``password=secret`` pairs."""
    text = _URL_PASSWORD.sub(r"\g<head>***@", text)
    return _KV_PASSWORD.sub(lambda m: f"{m.group(1)}=***", text)


@dataclass(frozen=True)
class DatabaseURL:
    """A PostgreSQL database location. ``str()`` is always redacted."""

    username: str | None
    password: str | None = field(repr=False)
    host: str | None
    port: int | None
    database: str
    driver: str | None = None
    query: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, text: str) -> DatabaseURL:
        """Parse a SQLAlchemy/libpq-style URL; raise :class:`ConfigError` when it is not one."""
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(text.strip())
        except (ArgumentError, ValueError) as exc:
            raise ConfigError(
                f"{redact(text)!r} is not a database URL.",
                hint="Use the form postgresql://USER:PASSWORD@HOST:PORT/DATABASE.",
            ) from exc
        return cls.from_sqlalchemy(url, original=text)

    @classmethod
    def from_sqlalchemy(cls, url: URL, *, original: str = "") -> DatabaseURL:
        backend, _, driver = url.drivername.partition("+")
        if backend not in ("postgresql", "postgres"):
            raise ConfigError(
                f"{redact(original or url.render_as_string())!r} is not a PostgreSQL URL "
                f"(backend {backend!r}).",
                hint="alembic-baseline works with PostgreSQL only: use postgresql://…",
            )
        query: list[tuple[str, str]] = []
        for key, value in url.query.items():
            values = value if isinstance(value, tuple) else (value,)
            query.extend((key, v) for v in values)
        host = url.host
        port = url.port
        qdict = dict(query)
        if host is None and "host" in qdict:
            host = qdict["host"]
        if port is None and "port" in qdict:
            port = int(qdict["port"])
        query = [(k, v) for k, v in query if k not in ("host", "port")]
        return cls(
            username=url.username,
            password=url.password if url.password is None else str(url.password),
            host=host,
            port=port,
            database=url.database or "",
            driver=driver or None,
            query=tuple(sorted(query)),
        )

    # -- renderings -------------------------------------------------------------------------
    def with_database(self, database: str) -> DatabaseURL:
        return DatabaseURL(
            self.username, self.password, self.host, self.port, database, self.driver, self.query
        )

    def with_driver(self, driver: str | None) -> DatabaseURL:
        return DatabaseURL(
            self.username, self.password, self.host, self.port, self.database, driver, self.query
        )

    def sqlalchemy_url(self, driver: str | None = None) -> URL:
        from sqlalchemy.engine import URL

        drv = driver if driver is not None else (self.driver or DEFAULT_DRIVER)
        query: dict[str, str] = dict(self.query)
        host = self.host
        if host is not None and host.startswith("/"):
            # Unix socket directory: every driver takes it as the ``host`` query parameter.
            query["host"] = host
            if self.port is not None:
                query["port"] = str(self.port)
            return URL.create(
                f"postgresql+{drv}",
                username=self.username,
                password=self.password,
                database=self.database,
                query=query,
            )
        return URL.create(
            f"postgresql+{drv}",
            username=self.username,
            password=self.password,
            host=host,
            port=self.port,
            database=self.database,
            query=query,
        )

    def render(self, driver: str | None = None, *, hide_password: bool = False) -> str:
        """The URL as text for SQLAlchemy/Alembic (with the password unless hidden)."""
        text = self.sqlalchemy_url(driver).render_as_string(hide_password=hide_password)
        base, sep, query = text.partition("?")
        # A socket directory reads better (and parses the same) with its slashes unescaped.
        return base + sep + query.replace("%2F", "/") if sep else text

    @property
    def redacted(self) -> str:
        return redact(self.render(self.driver, hide_password=True))

    def __str__(self) -> str:
        return self.redacted

    def libpq_kwargs(self) -> dict[str, str]:
        """Keyword arguments for ``psycopg.connect`` (password included)."""
        kw: dict[str, str] = {"dbname": self.database}
        if self.host:
            kw["host"] = self.host
        if self.port is not None:
            kw["port"] = str(self.port)
        if self.username:
            kw["user"] = self.username
        if self.password is not None:
            kw["password"] = self.password
        kw.update((k, v) for k, v in self.query if k in _LIBPQ_QUERY_KEYS)
        return kw

    def libpq_env(self) -> dict[str, str]:
        """``PG*`` variables for libpq programs, so that no secret appears on a command line."""
        names = {
            "dbname": "PGDATABASE",
            "host": "PGHOST",
            "port": "PGPORT",
            "user": "PGUSER",
            "password": "PGPASSWORD",
            "sslmode": "PGSSLMODE",
            "sslcert": "PGSSLCERT",
            "sslkey": "PGSSLKEY",
            "sslrootcert": "PGSSLROOTCERT",
            "options": "PGOPTIONS",
            "connect_timeout": "PGCONNECT_TIMEOUT",
            "application_name": "PGAPPNAME",
            "service": "PGSERVICE",
            "passfile": "PGPASSFILE",
        }
        return {names[k]: v for k, v in self.libpq_kwargs().items() if k in names}
