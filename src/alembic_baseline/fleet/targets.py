"""Where a fleet's targets come from: a file, a server's databases, a catalog query, or the
tenant schemas of one database.

A target is one thing Alembic migrates: a database, or one tenant schema in a database (its
project's env.py gets ``-x tenant=NAME`` and keeps the version table in that schema, see
docs/fleet.md "Schema per tenant"). Names are unique within a fleet: they key the shard a target
belongs to, its run records and the summary. Passwords only ever come from the URLs given (or
the environment variables a file names) and are never printed: a target shows its redacted URL.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic_baseline.errors import BaselineError, ConfigError
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.url import DatabaseURL

# Databases and schemas a pattern never selects: the server's own.
_SYSTEM_DATABASES = ("template0", "template1")
_DATABASES = """
SELECT datname FROM pg_database
WHERE datname LIKE %s AND datallowconn AND NOT datistemplate AND NOT (datname = ANY(%s))
ORDER BY datname
"""
_SCHEMAS = """
SELECT nspname FROM pg_namespace
WHERE nspname LIKE %s AND nspname NOT LIKE 'pg\\_%%' AND nspname <> 'information_schema'
ORDER BY nspname
"""


@dataclass(frozen=True)
class Target:
    """One database, or one tenant schema of a database."""

    name: str
    url: DatabaseURL
    schema: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        """The redacted URL, with the schema for a tenant target."""
        return self.url.redacted + (f" schema {self.schema}" if self.schema else "")

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "url": self.url.redacted,
            "schema": self.schema,
            "labels": dict(self.labels),
        }


@dataclass(frozen=True)
class Selection:
    """How the command line chose the targets (exactly one source)."""

    targets_file: Path | None = None
    server: str | None = None
    databases: str | None = None
    catalog: str | None = None
    query: str | None = None
    url: str | None = None
    schemas: str | None = None
    labels: tuple[str, ...] = ()
    """``KEY=VALUE`` filters: a target is kept when it carries every one of them."""


def load(selection: Selection) -> list[Target]:
    """The targets the selection names, in a stable order, filtered by label."""
    sources = [
        name
        for name, given in (
            ("--targets", selection.targets_file),
            ("--server/--databases", selection.server or selection.databases),
            ("--catalog/--query", selection.catalog or selection.query),
            ("--url/--schemas", selection.schemas),
        )
        if given
    ]
    if len(sources) != 1:
        raise ConfigError(
            "Give exactly one source of targets"
            + (f" (given: {', '.join(sources)})." if sources else "."),
            hint="--targets FILE, --server URL --databases PATTERN, --catalog URL --query SQL, "
            "or --url URL --schemas PATTERN (docs/fleet.md).",
        )
    if selection.targets_file:
        found = from_file(selection.targets_file)
    elif selection.server or selection.databases:
        found = from_server(_need(selection.server, "--server"), selection.databases or "%")
    elif selection.catalog or selection.query:
        found = from_catalog(
            _need(selection.catalog, "--catalog"), _need(selection.query, "--query")
        )
    else:
        found = from_schemas(_need(selection.url, "--url"), selection.schemas or "%")
    return unique(with_labels(found, selection.labels))


def _need(value: str | None, option: str) -> str:
    if not value:
        raise ConfigError(f"{option} is missing.", hint="See `alembic-baseline fleet --help`.")
    return value


def unique(targets: Iterable[Target]) -> list[Target]:
    """Refuse two targets of the same name (shards, records and the summary key on it)."""
    seen: dict[str, Target] = {}
    for t in targets:
        if t.name in seen:
            raise ConfigError(
                f"Two targets are named {t.name!r} ({seen[t.name].where}; {t.where}).",
                hint="Give every target its own name.",
            )
        seen[t.name] = t
    return list(seen.values())


def with_labels(targets: Iterable[Target], wanted: tuple[str, ...]) -> list[Target]:
    pairs = []
    for item in wanted:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"--label {item!r} is not KEY=VALUE.", hint="e.g. --label region=eu")
        pairs.append((key, value))
    return [t for t in targets if all(t.labels.get(k) == v for k, v in pairs)]


# -- a file ------------------------------------------------------------------------------------


def from_file(path: Path) -> list[Target]:
    """``[[target]]`` entries of a TOML file (or a YAML file with a ``target`` list)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"--targets {path} could not be read: {exc}.") from None
    data = _parse(path, text)
    entries = data.get("target")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(
            f"{path} lists no targets.",
            hint='Write one [[target]] table per target: name = "eu-1", url_env = "EU1_URL".',
        )
    return [_entry(path, i, e) for i, e in enumerate(entries, start=1)]


def _parse(path: Path, text: str) -> dict[str, Any]:
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text)
        else:
            data = tomllib.loads(text)
    except Exception as exc:  # tomllib.TOMLDecodeError, yaml.YAMLError: the file's own error
        raise ConfigError(f"{path} is not valid {path.suffix or 'TOML'}: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a table with a `target` list.")
    return data


def _entry(path: Path, index: int, entry: object) -> Target:
    where = f"{path} target #{index}"
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"]:
        raise ConfigError(f"{where} has no name.", hint='name = "tenant-42"')
    unknown = sorted(set(entry) - {"name", "url", "url_env", "schema", "labels"})
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}.")
    url_text = entry.get("url")
    env = entry.get("url_env")
    if bool(url_text) == bool(env):
        raise ConfigError(
            f"{where} ({entry['name']}) needs exactly one of url and url_env.",
            hint='url_env keeps the password out of the file: url_env = "TENANT42_URL".',
        )
    if env:
        url_text = os.environ.get(str(env), "").strip()
        if not url_text:
            raise ConfigError(
                f"{where} ({entry['name']}): the environment variable {env} is not set.",
                hint=f"export {env}='postgresql://USER:PASSWORD@HOST/DB' before the run.",
            )
    schema = entry.get("schema")
    return Target(
        entry["name"],
        DatabaseURL.parse(str(url_text)),
        str(schema) if schema else None,
        _labels(where, entry.get("labels")),
    )


def _labels(where: str, value: object) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    if isinstance(value, list):  # bare labels: present, no value
        return {str(v): "" for v in value}
    raise ConfigError(f'{where}: labels must be a table (region = "eu") or a list.')


# -- a server, a catalog, a database's schemas -------------------------------------------------


def _rows(
    url: DatabaseURL, query: str | bytes, params: tuple[object, ...] = ()
) -> list[tuple[object, ...]]:
    try:
        with connection(url) as conn:
            return list(conn.execute(query, params).fetchall())
    except BaselineError:
        raise
    except Exception as exc:  # psycopg.Error from a user's query: its message, not a traceback
        raise ConfigError(
            f"The target query on {url.redacted} failed: {str(exc).strip().splitlines()[0]}",
            hint="Check the query in psql; it must return the columns name, url.",
        ) from None


def from_server(server: str, pattern: str) -> list[Target]:
    """Every database of the server whose name matches ``pattern`` (SQL LIKE)."""
    base = DatabaseURL.parse(server)
    if not base.database:
        base = base.with_database("postgres")
    names = [str(r[0]) for r in _rows(base, _DATABASES, (pattern, list(_SYSTEM_DATABASES)))]
    return [Target(n, base.with_database(n)) for n in names]


def from_catalog(catalog: str, query: str) -> list[Target]:
    """The rows ``name, url`` of the user's query against a catalog database."""
    url = DatabaseURL.parse(catalog)
    rows = _rows(url, query.encode())  # the user's own query, run as given
    targets = []
    for i, row in enumerate(rows, start=1):
        if len(row) < 2 or not row[0] or not row[1]:
            raise ConfigError(
                f"Row {i} of the catalog query has no name and url.",
                hint="SELECT tenant_name AS name, database_url AS url FROM tenants …",
            )
        schema = str(row[2]) if len(row) > 2 and row[2] else None
        targets.append(Target(str(row[0]), DatabaseURL.parse(str(row[1])), schema))
    return targets


def from_schemas(url_text: str, pattern: str) -> list[Target]:
    """The schemas of one database matching ``pattern``: one tenant target each."""
    url = DatabaseURL.parse(url_text)
    names = [str(r[0]) for r in _rows(url, _SCHEMAS, (pattern,))]
    return [Target(n, url, n) for n in names]
