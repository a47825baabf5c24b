"""Database URLs: parse once, print only redacted, hand secrets to programs through the environment.

A :class:`DatabaseURL` is built from any SQLAlchemy-style URL (``postgresql://``,
``postgresql+psycopg://``, ``postgresql+psycopg2://``, ``postgresql+asyncpg://``) and renders
itself for each consumer: SQLAlchemy with a chosen driver, libpq keyword arguments for psycopg,
and ``PG*`` environment variables for pg_dump/psql so that no password ever appears in an argv.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from alembic_baseline.errors import ConfigError
from alembic_baseline.pg import urltext
from alembic_baseline.pg.urltext import ParsedURL

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

    from alembic_baseline.pg.urltext import ParsedURL

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
# ``scheme://user:`` then the password: up to the LAST ``@`` on the line (a raw ``@`` or space
# in a password is a common mistake; hiding a host too is better than showing part of one).
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-zA-Z][\w+.-]*://[^:/@\s]*:)[^\n]*@")
# The same without a scheme (``user:secret@host/db``, a common DATABASE_URL mistake).
_BARE_PASSWORD = re.compile(r"(?<![\w:.+%-])(?P<head>[\w.-]+:)(?!//)(?=\S)[^\n]*@(?=[\w.\[\]-])")
_KV_PASSWORD = re.compile(
    r"(?i)\b(password|PGPASSWORD|sslpassword)(\s*=\s*)('(?:[^'\\]|\\.)*'|\"[^\"]*\"|\S+)"
)
# ``PASSWORD 'secret'`` in SQL (CREATE/ALTER ROLE), e.g. a blocking session's last query.
_SQL_PASSWORD = re.compile(r"(?i)\b(password\s+)('(?:[^']|'')*'|E'(?:[^'\\]|\\.)*')")

DEFAULT_DRIVER = "psycopg"


def redact(text: str) -> str:
    """Hide passwords in any text: URLs (``user:secret@``), ``password=secret`` pairs (DSNs,
    query strings) and ``PASSWORD '…'`` in SQL. Errs on the side of hiding too much.

    A pattern runs only on text holding what it needs (an ``@``; the word ``password`` in any
    case): the printed output of a command (2,000 lint findings) is mostly neither, and the
    patterns' scan of it was a tenth of a warm ``lint``."""
    if "@" in text:
        text = _URL_PASSWORD.sub(r"\g<head>***@", text)
        text = _BARE_PASSWORD.sub(r"\g<head>***@", text)
    if "password" in text.casefold():
        text = _KV_PASSWORD.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)
        text = _SQL_PASSWORD.sub(lambda m: f"{m.group(1)}'***'", text)
    return text


def redact_url_text(text: str) -> str:
    """``text`` that is meant to be ONE URL (or DSN), redacted for an error message: all of
    ``user:…@`` up to the last ``@`` is the password, whatever it contains."""
    start = text.find("://") + 3 if "://" in text else 0
    at = text.rfind("@")
    colon = text.find(":", start, at) if at > start else -1
    if colon >= 0:
        text = text[: colon + 1] + "***" + text[at:]
    return redact(text)


def _authority_ambiguous(text: str, url: URL | ParsedURL) -> bool:
    """A raw ``@`` in the password: SQLAlchemy (and libpq) end the password at its first ``@``
    and read the rest as host, database or query, where it would be shown."""
    if url.host and "@" in url.host:
        return True
    rest = text.strip().split("://", 1)[-1]
    pieces = rest.partition("?")[2].split("&")
    if any(p.startswith("password=") for p in pieces) and not all(
        re.match(r"^[A-Za-z_][\w.]*=", p) for p in pieces
    ):
        return True  # a raw '&' in ?password=…
    colon = rest.find(":")
    if colon < 0 or "/" in rest[:colon]:
        return False  # no password in the authority
    end = rest.find("@", colon)
    tail = rest[end + 1 :] if end >= 0 else ""
    before, _, query = tail.partition("?")
    if "@" in before:
        return True
    # An '@' in the query is fine only in the value of a parameter a driver knows.
    known = _LIBPQ_QUERY_KEYS | {"user", "dbname", "password"}
    return any("@" in p and p.partition("=")[0] not in known for p in query.split("&"))


@dataclass(frozen=True)
class DatabaseURL:
    """A PostgreSQL database location. ``str()`` is always redacted."""

    username: str | None
    password: str | None = field(repr=False)
    host: str | None
    port: int | None
    database: str
    driver: str | None = None
    query: tuple[tuple[str, str], ...] = field(default=(), repr=False)  # may hold sslpassword

    @classmethod
    def parse(cls, text: str) -> DatabaseURL:
        """Parse a SQLAlchemy/libpq-style URL; raise :class:`ConfigError` when it is not one."""

        try:
            url = urltext.parse(text.strip())
        except ValueError:
            raise ConfigError(
                f"{redact_url_text(text)!r} is not a database URL.",
                hint="Use the form postgresql://USER:PASSWORD@HOST:PORT/DATABASE.",
            ) from None
        if _authority_ambiguous(text, url):
            raise ConfigError(
                f"The database URL {redact_url_text(text)!r} has more than one '@' before the "
                "host: its password contains a raw '@' (or another reserved character), so "
                "where the password ends cannot be known.",
                hint="Percent-encode the password: '@' as %40, ':' as %3A, '/' as %2F, '%' as "
                '%25 (python -c "import urllib.parse,getpass; '
                "print(urllib.parse.quote(getpass.getpass(), safe=''))\").",
            )
        return cls._from_parsed(url, original=redact_url_text(text))

    @classmethod
    def from_sqlalchemy(cls, url: URL, *, original: str = "") -> DatabaseURL:

        query: list[tuple[str, str]] = []
        for key, value in url.query.items():
            values = value if isinstance(value, tuple) else (value,)
            query.extend((key, v) for v in values)
        password = None if url.password is None else str(url.password)
        parsed = ParsedURL(
            url.drivername, url.username, password, url.host, url.port, url.database, tuple(query)
        )
        return cls._from_parsed(parsed, original=original or url.render_as_string())

    @classmethod
    def _from_parsed(cls, url: ParsedURL, *, original: str) -> DatabaseURL:
        backend, _, driver = url.drivername.partition("+")
        if backend not in ("postgresql", "postgres"):
            raise ConfigError(
                f"{redact(original)!r} is not a PostgreSQL URL (backend {backend!r}).",
                hint="alembic-baseline works with PostgreSQL only: use postgresql://…",
            )
        query = list(url.query)
        host = url.host
        port = url.port
        qdict = dict(query)
        if host is None and "host" in qdict:
            host = qdict["host"]
        if port is None and "port" in qdict:
            port = int(qdict["port"])
        # libpq reads ``?password=`` like the password of the authority: keep it there only.
        password = qdict.get("password") if url.password is None else url.password
        query = [(k, v) for k, v in query if k not in ("host", "port", "password")]
        return cls(
            username=url.username,
            password=password,
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

        return URL.create(**self._url_parts(driver))

    def _url_parts(self, driver: str | None) -> dict[str, Any]:
        """``URL.create`` arguments (what :meth:`render` renders without SQLAlchemy)."""
        drv = driver if driver is not None else (self.driver or DEFAULT_DRIVER)
        query: dict[str, str] = dict(self.query)
        host = self.host
        if host is not None and host.startswith("/"):
            # Unix socket directory: every driver takes it as the ``host`` query parameter.
            query["host"] = host
            if self.port is not None:
                query["port"] = str(self.port)
            return dict(
                drivername=f"postgresql+{drv}",
                username=self.username,
                password=self.password,
                database=self.database,
                query=query,
            )
        return dict(
            drivername=f"postgresql+{drv}",
            username=self.username,
            password=self.password,
            host=host,
            port=self.port,
            database=self.database,
            query=query,
        )

    def render(self, driver: str | None = None, *, hide_password: bool = False) -> str:
        """The URL as text for SQLAlchemy/Alembic (with the password unless hidden)."""

        parts = self._url_parts(driver)
        parts["query"] = tuple(parts["query"].items())
        parts.setdefault("host", None)
        parts.setdefault("port", None)
        text = urltext.render(**parts, hide_password=hide_password)
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
