"""``baseline create|verify|archive`` and ``upgrade``: operations over the baseline package."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic_baseline.baseline.manifest import guess_major
from alembic_baseline.baseline.options import from_settings as baseline_section
from alembic_baseline.baseline.results import Verified
from alembic_baseline.commands.common import database_url, project
from alembic_baseline.errors import UnsafeError
from alembic_baseline.pg import binaries
from alembic_baseline.pg.connect import connection
from alembic_baseline.pg.scratch import ScratchServer, scratch_server, scratch_server_soon
from alembic_baseline.pg.server import server_major
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.settings import Settings

if TYPE_CHECKING:  # start-up: each operation imports its own module when it runs
    from alembic_baseline.baseline.create import CreateOptions, CreateResult
    from alembic_baseline.baseline.restore import RestoreResult
    from alembic_baseline.baseline.upgrade import UpgradeResult
    from alembic_baseline.baseline.verify import Early, VerifyResult
    from alembic_baseline.report import Reporter

Progress = Callable[[str], None]


def create_baseline(
    settings: Settings,
    *,
    url: str | None,
    fleet: Path | None = None,
    from_history: bool,
    revision: str | None,
    message: str | None,
    reference_tables: tuple[str, ...],
    accept_production: bool,
    progress: Progress,
    seed_data: bool = True,
) -> CreateResult:
    """Create a baseline revision from production (or the replayed history) and archive the rest."""
    # lazy: start-up: each baseline command imports only its own operation
    from alembic_baseline.baseline.create import create

    if fleet is not None:  # before anything is written: every target at the old head, as it
        require_fleet_at_head(settings, fleet, progress)
    if from_history and url is None and settings.config_file.is_file():
        # the replay's scratch server is found (or started) while the project loads (not for
        # a project that is not there: that error comes first, with no server started), and
        # creates the replay's database as soon as it answers (its close() drops it)
        made: list[Future[DatabaseURL]] = []

        def replay_database(server: ScratchServer) -> None:
            made.append(server.create_database_soon(server.new_name("replay")))

        with scratch_server_soon(
            major=settings.pg_major, scratch_url=settings.scratch_url, then=replay_database
        ) as soon:
            proj = project(settings)
            options = _create_options(settings, None, from_history, revision, message,
                                      reference_tables, accept_production, seed_data)  # fmt: skip
            server = soon.result()
            return create(
                proj, options, pg_major=settings.pg_major, scratch_url=settings.scratch_url,
                progress=progress, server=server, replay_db=made[0] if made else None,
            )  # fmt: skip
    proj = project(settings)
    source_url = None
    if url is not None or not from_history:
        source_url = database_url(settings, url, proj)
    options = _create_options(settings, source_url, from_history, revision, message,
                              reference_tables, accept_production, seed_data)  # fmt: skip
    # One scratch server for the replay or drift check and the self-check (one cold start).
    major = _scratch_major(settings, source_url)
    with scratch_server(major=major, scratch_url=settings.scratch_url) as srv:
        return create(
            proj, options, pg_major=settings.pg_major, scratch_url=settings.scratch_url,
            progress=progress, server=srv,
        )  # fmt: skip


def _create_options(
    settings: Settings,
    source_url: DatabaseURL | None,
    from_history: bool,
    revision: str | None,
    message: str | None,
    reference_tables: tuple[str, ...],
    accept_production: bool,
    seed_data: bool,
) -> CreateOptions:
    # lazy: start-up: each baseline command imports only its own operation
    from alembic_baseline.baseline.create import CreateOptions

    conf = baseline_section(settings)
    return CreateOptions(
        url=source_url,
        from_history=from_history,
        revision=revision,
        message=message,
        reference_tables=reference_tables or conf.reference_tables,
        accept_production=accept_production,
        min_major=conf.min_major,
        chunk_size=conf.chunk_size,
        seed_data=seed_data,
    )


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
    settings: Settings,
    *,
    url: str | None,
    revision: str | None,
    progress: Progress,
    fleet: Path | None = None,
) -> Verified | FleetVerified:
    """Prove on scratch databases that history, baseline (and production, or a fleet) build the
    same schema."""
    major = None
    if url is None:  # (production's major is known once it answers)
        major = settings.pg_major or guess_major(
            settings.config_file, settings.ini_section, revision
        )
    if major is None:
        result = _verify(settings, url, revision, progress)
    else:
        # the scratch server is found (or started) while the project loads, and creates the
        # history's and the baseline's databases at once (used if the manifest says that major)
        made: list[Future[DatabaseURL]] = []

        def databases(server: ScratchServer) -> None:
            made.extend(
                server.create_database_soon(server.new_name(f)) for f in ("history", "baseline")
            )

        with scratch_server_soon(
            major=major, scratch_url=settings.scratch_url, then=databases
        ) as soon:
            result = _verify(settings, url, revision, progress, (major, soon, made))
    if fleet is None:
        return Verified(result)
    return FleetVerified(Verified(result), fleet_off_head(settings, fleet, progress))


def _verify(
    settings: Settings,
    url: str | None,
    revision: str | None,
    progress: Progress,
    early: Early | None = None,
) -> VerifyResult:
    # lazy: start-up: each baseline command imports only its own operation
    from alembic_baseline.baseline.verify import verify

    proj = project(settings)
    prod = database_url(settings, url, proj) if url is not None else None
    return verify(
        proj, url=prod, revision=revision, pg_major=settings.pg_major,
        scratch_url=settings.scratch_url, progress=progress, early=early,
    )  # fmt: skip


@dataclass(frozen=True)
class FleetVerified:
    """``baseline verify --targets``: the proof, and every fleet target at the head."""

    verified: Verified
    fleet: FleetCheck

    @property
    def equal(self) -> bool:
        return self.verified.result.equal and not self.fleet.off

    def to_json(self) -> Any:
        return {**self.verified.to_json(), "equal": self.equal, "fleet": self.fleet.to_json()}

    def text(self, out: Reporter) -> None:
        from rich.markup import escape

        self.verified.text(out)
        mark = "[red]DIFFERENT[/]" if self.fleet.off else "[green]equal[/]"
        out.text(f"{mark}  fleet: {self.fleet.summary()}")
        for name, why in self.fleet.off.items():
            out.text(f"    {escape(name)}: {escape(why)}")

    def markdown(self) -> str:
        lines = [self.verified.markdown().rstrip(), f"- fleet: {self.fleet.summary()}"]
        lines += [f"  - {name}: {why}" for name, why in self.fleet.off.items()]
        return "\n".join(lines) + "\n"


def fleet_off_head(settings: Settings, targets: Path, progress: Progress) -> FleetCheck:
    """Which targets of a fleet (``--targets FILE``) do not record the head or do not have its
    schema (each compared with the history's expected schema, as ``fleet drift`` does)."""
    # lazy: the fleet machinery is for --targets only, not every baseline command
    from alembic_baseline.commands.fleet import drift as fleet_drift
    from alembic_baseline.commands.fleet import status as fleet_status
    from alembic_baseline.fleet.targets import Selection

    selection = Selection(targets_file=targets)
    found = fleet_status(settings, selection)
    listed = {s.name: s.detail or f"at {s.revision}" for s in found.targets
              if s.problem or s.current != found.heads}  # fmt: skip
    for t in fleet_drift(settings, selection, progress=progress).targets:
        if t.matches is not True and t.name not in listed:
            listed[t.name] = "; ".join(t.differences[:3]) or t.detail
    return FleetCheck(len(found.targets), found.heads, listed)


@dataclass(frozen=True)
class FleetCheck:
    targets: int
    heads: tuple[str, ...]
    off: dict[str, str]
    """Target name → why it is not at the head with the head's schema."""

    def summary(self) -> str:
        return (
            f"{self.targets - len(self.off)} of {self.targets} target(s) at the head "
            f"({', '.join(self.heads)}) with its schema"
        )

    def to_json(self) -> dict[str, Any]:
        return {"targets": self.targets, "heads": list(self.heads), "off": self.off}


def require_fleet_at_head(settings: Settings, targets: Path, progress: Progress) -> None:
    """Refuse (exit 3), listing them, unless every target is at the head with its schema."""
    check = fleet_off_head(settings, targets, progress)
    if check.off:
        raise UnsafeError(
            f"Refused: {len(check.off)} of {check.targets} target(s) are not at the head "
            f"({', '.join(check.heads)}) with its schema: {', '.join(check.off)}. Nothing was "
            "written.",
            hint="Bring them to the head first (`alembic-baseline fleet apply`), or find out "
            "why they drifted (`alembic-baseline fleet drift`).",
            context=check.off,
        )


def restore_archive(settings: Settings) -> RestoreResult:
    """Archived revisions: `--restore` undoes a baseline (archiving is part of create).

    The archived revisions go back into versions/; the baseline, its bridge and SQL are removed.
    """
    # lazy: start-up: each baseline command imports only its own operation
    from alembic_baseline.baseline.restore import restore

    return restore(project(settings))


def upgrade_database(
    settings: Settings, *, url: str | None, target: str, progress: Progress
) -> UpgradeResult:
    """`alembic upgrade` that also brings databases at archived revisions forward.

    A database at an archived revision is brought to the baseline (refused, exit 3, when its
    schema is not at the recorded archived revision), then upgraded as Alembic would."""

    proj = project(settings)
    db_url = database_url(settings, url, proj)
    # lazy: start-up: each baseline command imports only its own operation
    from alembic_baseline.baseline.upgrade import upgrade
    from alembic_baseline.deploy.options import from_settings

    return upgrade(
        proj, db_url, target, progress, scratch_url=settings.scratch_url,
        cache_dir=from_settings(settings).cache_dir,
    )  # fmt: skip
