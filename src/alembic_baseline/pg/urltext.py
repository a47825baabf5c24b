"""SQLAlchemy's URL text, parsed and rendered without importing SQLAlchemy.

Importing ``sqlalchemy.engine`` costs about 0.2 s, a sixth of a whole ``snapshot`` command that
only needs to read ``--url`` and print it. These two functions follow SQLAlchemy 2.x's
``make_url`` (``engine/url.py`` ``_parse_url``: the same pattern, percent-decoding of user,
password and database, repeated query keys) and ``URL.render_as_string``; ``tests/unit/
test_urltext.py`` checks them against SQLAlchemy on the URLs the tests use.

The URL pattern is adapted from SQLAlchemy's ``engine/url.py`` (MIT License, copyright the
SQLAlchemy authors and contributors), so that both read a URL the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple
from urllib.parse import parse_qsl, quote, quote_plus, unquote

_PATTERN = re.compile(
    r"""
        (?P<name>[\w\+]+)://
        (?:
            (?P<username>[^:/]*)
            (?::(?P<password>[^@]*))?
        @)?
        (?:
            (?:
                \[(?P<ipv6host>[^/\?]+)\] |
                (?P<ipv4host>[^/:\?]+)
            )?
            (?::(?P<port>[^/\?]*))?
        )?
        (?:/(?P<database>[^\?]*))?
        (?:\?(?P<query>.*))?
    """,
    re.X,
)


class ParsedURL(NamedTuple):
    drivername: str
    username: str | None
    password: str | None
    host: str | None
    port: int | None
    database: str | None
    query: tuple[tuple[str, str], ...]
    """Every ``key=value`` in order (a repeated key appears more than once)."""


def parse(text: str) -> ParsedURL:
    """``text`` as SQLAlchemy's ``make_url`` reads it; ValueError when it is not a URL."""
    m = _PATTERN.match(text)
    if m is None:
        raise ValueError("Could not parse a URL from the given string")
    c = m.groupdict()
    query = tuple(parse_qsl(c["query"])) if c["query"] is not None else ()
    username, password, database = (
        unquote(c[k]) if c[k] is not None else None for k in ("username", "password", "database")
    )
    port = int(c["port"]) if c["port"] is not None else None  # '' raises, as SQLAlchemy's
    return ParsedURL(
        c["name"], username, password, c["ipv4host"] or c["ipv6host"], port, database, query
    )


def render(
    drivername: str,
    *,
    username: str | None,
    password: str | None,
    host: str | None,
    port: int | None,
    database: str | None,
    query: Iterable[tuple[str, str]],
    hide_password: bool,
) -> str:
    """What ``URL.create(...).render_as_string(hide_password)`` returns (one value per key:
    the last, as ``URL.create`` keeps from a dict)."""
    s = drivername + "://"
    if username is not None:
        s += quote(username, safe=" +")
        if password is not None:
            s += ":" + ("***" if hide_password else quote(str(password), safe=" +"))
        s += "@"
    if host is not None:
        s += f"[{host}]" if ":" in host else host
    if port is not None:
        s += ":" + str(port)
    if database is not None:
        s += "/" + quote(database, safe=" +/")
    items = dict(query)
    if items:
        s += "?" + "&".join(f"{quote_plus(k)}={quote_plus(items[k])}" for k in sorted(items))
    return s
