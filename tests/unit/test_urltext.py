"""pg.urltext reads and writes URLs exactly as SQLAlchemy's make_url/render_as_string do."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from alembic_baseline.pg import urltext
from alembic_baseline.pg.url import DatabaseURL
from tests.helpers.versions import OLD_SQLALCHEMY

URLS = [
    "postgresql://u:p@h:5432/db",
    "postgresql+psycopg://u@/db?host=/tmp/sock&port=5433",
    "postgresql://u:p%40ss%3Aw%2Fd@h/db",
    "postgresql://u:pa ss+x@h/d b+c",
    "postgresql://[::1]:5432/db?sslmode=require&application_name=a%20b",
    "postgresql:///db?host=/var/run/postgresql&options=-c%20x%3D1",
    "postgresql://h/db?a=1&a=2&b=",
    "postgresql://u:@h/db",
    "postgresql://ü:ß@h/日本",
    "postgres://h",
    "postgresql://u:p@h:/db",
    "postgresql://u:p@h:abc/db",
    "mysql://u@h/db",
    "not a url",
    "postgresql://u:p@ss@h/db",
]


def _sqlalchemy(text: str) -> tuple[object, ...] | str:
    try:
        url = make_url(text)
    except (ArgumentError, ValueError):
        return "error"
    query = tuple(
        (k, v) for k, vs in url.query.items() for v in (vs if isinstance(vs, tuple) else (vs,))
    )
    return (url.drivername, url.username, url.password, url.host, url.port, url.database, query)


@pytest.mark.parametrize("text", URLS)
def test_parse_as_sqlalchemy(text: str) -> None:
    try:
        ours: tuple[object, ...] | str = tuple(urltext.parse(text))
    except ValueError:
        ours = "error"
    assert ours == _sqlalchemy(text)


@pytest.mark.skipif(
    OLD_SQLALCHEMY, reason="urltext renders as SQLAlchemy 2.x does (1.4 percent-encodes non-ASCII)"
)
@pytest.mark.parametrize("text", [u for u in URLS if _sqlalchemy(u) != "error"])
@pytest.mark.parametrize("hide", [True, False])
def test_render_as_sqlalchemy(text: str, hide: bool) -> None:
    p = urltext.parse(text)
    args = {
        "username": p.username,
        "password": p.password,
        "host": p.host,
        "port": p.port,
        "database": p.database,
    }
    expected = URL.create(p.drivername, **args, query=dict(p.query)).render_as_string(hide)
    assert urltext.render(p.drivername, **args, query=p.query, hide_password=hide) == expected


def test_database_url_does_not_import_sqlalchemy() -> None:
    code = (
        "import sys\n"
        "from alembic_baseline.pg.url import DatabaseURL\n"
        "u = DatabaseURL.parse('postgresql://u:p@/db?host=/tmp/s&port=5')\n"
        "print(u.render(), u.redacted)\n"
        "assert 'sqlalchemy' not in sys.modules, 'sqlalchemy imported'\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [
        "postgresql+psycopg://u:p@/db?host=/tmp/s&port=5",
        "postgresql+psycopg://u:***@/db?host=/tmp/s&port=5",
    ]
    url = DatabaseURL.parse("postgresql://u:p@/db?host=/tmp/s&port=5")
    assert url.render() == url.sqlalchemy_url().render_as_string(False).replace("%2F", "/")
