"""The fingerprint cache: what every replayed state looked like, on disk, keyed by what made it.

``<project>/.alembic-baseline/cache/fingerprints/pg<major>/``:

* ``chain-<key>.json`` — the signature of every state of one replay, by state key;
* ``<key>.shape.json`` / ``<key>.snapshot.json`` — shape and full snapshot of the states that
  were looked at closely (those that resembled a database being identified).

A state's key chains the keys before it (a Merkle chain over the upgrade order): the key after
revision R is ``sha256(key before R, R's id, R's file)``, and the first key hashes env.py, the
server major, the version table, the ``-x`` arguments and the fingerprint queries' version. So a
key changes exactly when anything that could change that state's schema changes — what
``History.fingerprint(R)`` guarantees for a linear history, computed in one pass instead of one
per revision, and also defined for branched histories, where a state is "these heads". Adding a
revision at the end reuses every earlier entry.

Files are written atomically; an unreadable one is ignored and rebuilt, never trusted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from alembic_baseline import statedir
from alembic_baseline.doctor.replay import Step
from alembic_baseline.doctor.shape import SHAPE_VERSION, Shape, Signature
from alembic_baseline.snapshot import Snapshot

if TYPE_CHECKING:
    from alembic_baseline.expected import VersionTable
    from alembic_baseline.history.graph import History
    from alembic_baseline.snapshot import Snapshot

FORMAT = 1


@dataclass(frozen=True)
class State:
    """One state of the replay: its cache key, the version table's rows in it, its revision."""

    key: str
    heads: tuple[str, ...]
    revision: str | None
    """The revision whose step produced it (None: the empty database before the first one)."""


def _hash(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()[:24]


def root_key(history: History, major: int, version_table: VersionTable) -> str:
    env = Path(history.script.dir) / "env.py"
    return _hash(
        "alembic-baseline doctor fingerprints",
        str(SHAPE_VERSION),
        str(major),
        version_table.name,
        version_table.schema or "",
        "\0".join(history.project.settings.x_args),
        env.read_bytes() if env.is_file() else b"",
    )


def states(history: History, steps: Iterable[Step], root: str) -> list[State]:
    """The empty database, then one state per step, each keyed by the chain so far."""
    chain = [State(root, (), None)]
    for step in steps:
        rev = history.live[step.revision]
        key = _hash(chain[-1].key, rev.id, rev.path.read_bytes())
        chain.append(State(key, step.heads, rev.id))
    return chain


class FingerprintCache:
    """Signatures, shapes and snapshots of replayed states, for one server major."""

    def __init__(self, directory: Path, major: int) -> None:
        self.directory = directory / f"pg{major}"

    # -- signatures: one file per replayed chain ---------------------------------------------
    def signatures(self) -> dict[str, Signature]:
        found: dict[str, Signature] = {}
        for path in sorted(self.directory.glob("chain-*.json")):
            found.update(self._chain_file(path))
        return found

    def _chain_file(self, path: Path) -> dict[str, Signature]:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                return {}
            return {str(k): tuple(int(x) for x in v) for k, v in data["signatures"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return {}

    def store_signatures(self, chain: list[State], signatures: Mapping[str, Signature]) -> None:
        """One file for the chain; older chain files it fully contains are removed."""
        entries = {s.key: list(signatures[s.key]) for s in chain if s.key in signatures}
        path = self.directory / f"chain-{chain[-1].key}.json"
        self._write(path, json.dumps({"format": FORMAT, "signatures": entries}, sort_keys=True))
        for other in self.directory.glob("chain-*.json"):
            if other != path and set(self._chain_file(other)) <= set(entries):
                with contextlib.suppress(OSError):
                    other.unlink()

    # -- shapes and snapshots of the states looked at closely --------------------------------
    def shape(self, key: str) -> Shape | None:
        try:
            data = json.loads(self._path(key, "shape").read_text(encoding="utf-8"))
            return Shape({str(k): str(v) for k, v in data["objects"].items()})
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def store_shape(self, key: str, shape: Shape) -> None:
        text = json.dumps({"format": FORMAT, "objects": dict(shape.objects)}, sort_keys=True)
        self._write(self._path(key, "shape"), text)

    def snapshot(self, key: str) -> Snapshot | None:

        path = self._path(key, "snapshot")
        try:
            return Snapshot.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except OSError:
            return None
        except (ValueError, KeyError, TypeError):
            with contextlib.suppress(OSError):
                path.unlink()
            return None

    def has_snapshot(self, key: str) -> bool:
        return self._path(key, "snapshot").is_file()

    def store_snapshot(self, key: str, snapshot: Snapshot) -> None:
        # Compact JSON: the indented form cannot use the C encoder and costs several times more.
        self._write(self._path(key, "snapshot"), json.dumps(snapshot.to_dict(), sort_keys=True))

    def _path(self, key: str, kind: str) -> Path:
        return self.directory / f"{key}.{kind}.json"

    def _write(self, path: Path, text: str) -> None:
        statedir.makedirs(path.parent)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)  # atomic: a concurrent doctor never reads half a file
