"""The baseline manifest (``baselines/<revision>.json``): what was made, from what, and how.

Verify reads it to know the baseline revision, the bridge (old head), the reference tables and
whether seed data was carried. It never holds the source's host, port, user or password.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from alembic_baseline.errors import ConfigError

BASELINES_DIR = "baselines"


@dataclass(frozen=True)
class Manifest:
    revision: str
    old_head: str
    sql: str
    source: str
    server_version: str
    pg_dump: str
    archived: tuple[str, ...]
    reference_tables: tuple[str, ...] = ()
    drift_accepted: bool = False
    drift: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    created: str = ""
    tool_version: str = ""
    notes: tuple[str, ...] = field(default=())
    # Seed data: rows the history writes (from its replay), table → count; seed_data False when
    # left out with --no-seed-data. Manifests made before seed data was carried read as True.
    seed_data: bool = True
    seed_rows: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        for key in ("archived", "reference_tables", "drift", "removed", "notes"):
            data[key] = tuple(data.get(key, ()))
        return cls(**data)


def baselines_dir(script_location: Path) -> Path:
    return script_location / BASELINES_DIR


def find_manifest(script_location: Path, revision: str | None = None) -> Manifest:
    """The manifest of ``revision`` (default: the only/newest baseline of the project)."""
    directory = baselines_dir(script_location)
    candidates = sorted(directory.glob("*.json")) if directory.is_dir() else []
    if revision is not None:
        candidates = [c for c in candidates if c.stem == revision]
    if not candidates:
        raise ConfigError(
            f"No baseline manifest found in {directory}"
            + (f" for {revision}." if revision else "."),
            hint="Create a baseline first: alembic-baseline baseline create --url PROD_URL "
            "(or --from-history).",
        )
    try:
        return Manifest.from_json(candidates[-1].read_text(encoding="utf-8"))
    except (ValueError, TypeError) as exc:
        raise ConfigError(
            f"The baseline manifest {candidates[-1]} is damaged: {exc}",
            hint="Restore it from version control.",
        ) from None


def guess_major(config_file: Path, ini_section: str, revision: str | None = None) -> int | None:
    """The major of the manifest :func:`find_manifest` will find, read before Alembic is loaded
    (``script_location`` from the INI file as written, ``%(here)s`` expanded, relative to the
    working directory or to the file): a guess, so that a scratch server of that major can be
    opened while the project loads. None when not sure (no INI value, a package location, no
    manifest, an unreadable one): then nothing is guessed."""
    import configparser

    parser = configparser.ConfigParser(defaults={"here": str(config_file.parent.resolve())})
    try:
        parser.read(config_file, encoding="utf-8")
        location = parser.get(ini_section, "script_location", fallback=None)
    except (configparser.Error, OSError, UnicodeDecodeError):
        return None
    if not location:
        return None
    for base in (Path.cwd(), config_file.parent):
        directory = baselines_dir(base / location)
        found = sorted(directory.glob("*.json")) if directory.is_dir() else []
        if revision is not None:
            found = [c for c in found if c.stem == revision]
        if found:
            try:
                version = json.loads(found[-1].read_text(encoding="utf-8"))["server_version"]
                return int(str(version).split(".")[0])
            except (ValueError, KeyError, TypeError, OSError):
                return None
    return None
