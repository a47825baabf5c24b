"""``check models``: the schema of the SQLAlchemy models against the history's head.

Operation only: it computes and returns a :class:`~alembic_baseline.testing.models.ModelCheck`;
the CLI shows it (it renders itself as text, JSON and markdown).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from alembic_baseline.errors import ConfigError
from alembic_baseline.expected import Scratch
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.history.graph import History
from alembic_baseline.pg.scratch import scratch_server
from alembic_baseline.settings import Settings
from alembic_baseline.testing import fix_revision, loading, models
from alembic_baseline.testing.models import ModelCheck

if TYPE_CHECKING:
    from sqlalchemy import MetaData

DEFAULT_MESSAGE = "align the schema with the models"


def check_models(
    settings: Settings,
    *,
    metadata: str | None = None,
    entities: str | None = None,
    write_revision: bool = False,
    message: str = DEFAULT_MESSAGE,
) -> ModelCheck:
    """Compare the schema the SQLAlchemy models create with the history's head (exit 1: differ).

    Both are built on scratch databases of one server (the head replayed once, then cached);
    with ``write_revision`` and differences, a revision with the fix is written after the head.
    """
    spec = loading.option(settings, "metadata", metadata)
    if spec is None:
        raise ConfigError(
            "No models given.",
            hint='Pass --metadata shop.models:metadata (or set metadata = "..." in '
            f"[tool.alembic-baseline.check]). See {loading.DOCS}.",
        )
    entities_spec = loading.option(settings, "entities", entities)

    def load() -> tuple[MetaData, models.Entities]:
        meta = models.metadata_of(loading.load(spec, settings, "--metadata"), spec)
        found = loading.load(entities_spec, settings, "--entities") if entities_spec else []
        return meta, models.entity_kinds(found, entities_spec or "")

    project = AlembicProject(settings)
    history = History(project)
    with scratch_server(major=settings.pg_major, scratch_url=settings.scratch_url) as server:
        scratch = Scratch(server.major, settings.scratch_url, server)
        result = models.compare_models(project, history, scratch, load, settings.state.cache, spec)
    if write_revision and result.differences:
        path, held = fix_revision.write_revision(project, result, message)
        result = replace(result, revision_file=path, held_back=held)
    return result
