"""``baseline create|verify|archive`` and ``upgrade``: operations over the baseline package."""

from __future__ import annotations

from collections.abc import Callable

from alembic_baseline.baseline.create import CreateOptions, CreateResult, create
from alembic_baseline.baseline.options import from_settings as baseline_section
from alembic_baseline.baseline.restore import RestoreResult, restore
from alembic_baseline.baseline.upgrade import UpgradeResult, upgrade
from alembic_baseline.baseline.verify import VerifyResult, verify
from alembic_baseline.commands.common import database_url, project
from alembic_baseline.pg import binaries
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.scratch import scratch_server
from alembic_baseline.pg.server import server_major
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.settings import Settings

Progress = Callable[[str], None]


def create_baseline(
    settings: Settings,
    *,
    url: str | None,
    from_history: bool,
    revision: str | None,
    message: str | None,
    reference_tables: tuple[str, ...],
    accept_production: bool,
    progress: Progress,
    seed_data: bool = True,
) -> CreateResult:
    """Create a baseline revision from production (or the replayed history) and archive the rest."""
    proj = project(settings)
    conf = baseline_section(settings)
    tables = reference_tables or conf.reference_tables
    source_url = None
    if url is not None or not from_history:
        source_url = database_url(settings, url, proj)
    options = CreateOptions(
        url=source_url,
        from_history=from_history,
        revision=revision,
        message=message,
        reference_tables=tables,
        accept_production=accept_production,
        min_major=conf.min_major,
        chunk_size=conf.chunk_size,
        seed_data=seed_data,
    )
    # One scratch server for the replay or drift check and the self-check (one cold start).
    major = _scratch_major(settings, source_url)
    with scratch_server(major=major, scratch_url=settings.scratch_url) as srv:
        return create(
            proj, options, pg_major=settings.pg_major, scratch_url=settings.scratch_url,
            progress=progress, server=srv,
        )  # fmt: skip


def _scratch_major(settings: Settings, url: DatabaseURL | None) -> int | None:
    """The major ``create`` works on: production's with a URL (or the newest here when that one
    is not, as the drift check falls back to), else ``--pg-major`` (None: the newest)."""
    if url is None:
        return settings.pg_major
    with connection(url) as conn:
        major = server_major(conn)
    if settings.scratch_url or major in binaries.majors():
        return major
    return None


def verify_baseline(
    settings: Settings, *, url: str | None, revision: str | None, progress: Progress
) -> VerifyResult:
    """Prove on scratch databases that history, baseline (and production) build the same schema."""
    proj = project(settings)
    prod = database_url(settings, url, proj) if url is not None else None
    return verify(
        proj, url=prod, revision=revision, pg_major=settings.pg_major,
        scratch_url=settings.scratch_url, progress=progress,
    )  # fmt: skip


def restore_archive(settings: Settings) -> RestoreResult:
    """Archived revisions: `--restore` undoes a baseline (archiving is part of create).

    The archived revisions go back into versions/; the baseline, its bridge and SQL are removed.
    """
    return restore(project(settings))


def upgrade_database(
    settings: Settings, *, url: str | None, target: str, progress: Progress
) -> UpgradeResult:
    """`alembic upgrade` that also brings databases at archived revisions forward.

    A database at an archived revision is brought to the baseline (refused, exit 3, when its
    schema is not at the recorded archived revision), then upgraded as Alembic would."""
    from alembic_baseline.deploy.options import from_settings

    proj = project(settings)
    db_url = database_url(settings, url, proj)
    return upgrade(
        proj, db_url, target, progress, scratch_url=settings.scratch_url,
        cache_dir=from_settings(settings).cache_dir,
    )  # fmt: skip
