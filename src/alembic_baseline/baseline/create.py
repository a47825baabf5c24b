"""``baseline create``: runbook steps 1–5 in one atomic, checked run.

1. Prerequisites (前提条件): one head; the source is at that head; nothing pending.
2. The schema comes from production (``--url``) or from the history replayed on a scratch server
   of production's major (``--from-history``). With ``--url`` the history is replayed as well and
   compared with production first: drift stops the baseline unless production is accepted as the
   truth (recorded in the manifest).
3. pg_dump (a client ≥ the server) → sanitize → baseline SQL, baseline revision, bridge revision,
   manifest; the old revision files are archived. Everything is staged first and moved in only when
   it all succeeded; on any failure the project is left as it was.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from alembic_baseline import __version__
from alembic_baseline.baseline import archive, seed, source
from alembic_baseline.baseline.manifest import Manifest, baselines_dir
from alembic_baseline.baseline.render import (
    BaselineSpec,
    baseline_filename,
    bridge_filename,
    render_baseline,
    render_bridge,
)
from alembic_baseline.baseline.replay import VersionTableName, replay_to
from alembic_baseline.baseline.sanitize import (
    DEFAULT_CHUNK_SIZE,
    DEFAULT_MIN_MAJOR,
    SanitizeOptions,
    preload,
    sanitize,
)
from alembic_baseline.baseline.verify import preload_checks
from alembic_baseline.errors import BaselineError, ConfigError, UnsafeError
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.history.graph import History
from alembic_baseline.pg.scratch import Scratch, ScratchServer
from alembic_baseline.pg.url import DatabaseURL

ROLE_MARK = "ALEMBIC_BASELINE_ROLE"


@dataclass(frozen=True)
class CreateOptions:
    url: DatabaseURL | None = None
    from_history: bool = False
    revision: str | None = None
    message: str | None = None
    reference_tables: tuple[str, ...] = ()
    accept_production: bool = False
    min_major: int = DEFAULT_MIN_MAJOR
    chunk_size: int = DEFAULT_CHUNK_SIZE
    today: date | None = None
    seed_data: bool = True


@dataclass(frozen=True)
class CreateResult:
    revision: str
    old_head: str
    source: str
    server_version: str
    pg_dump: str
    sql_path: Path
    revision_path: Path
    bridge_path: Path
    manifest_path: Path
    archived: tuple[Path, ...]
    statements: int
    chunks: int
    removed: tuple[str, ...]
    drift: tuple[str, ...] = ()
    seconds: dict[str, float] = field(default_factory=dict)
    seed_rows: dict[str, int] = field(default_factory=dict)  # what the history writes
    seed_carried: bool = True
    warnings: tuple[str, ...] = ()


Progress = Callable[[str], None]


def existing_baseline(history: History) -> str | None:
    for rev in history.live.values():
        if ROLE_MARK in rev.path.read_text(encoding="utf-8", errors="replace"):
            return rev.id
    return None


def check_prerequisites(history: History) -> str:
    """The single head the baseline will stand for; refuse what the runbook forbids."""
    heads = history.heads()
    if len(heads) != 1:
        raise UnsafeError(
            f"The history has {len(heads)} heads ({', '.join(heads)}); a baseline stands for one.",
            hint="Merge them first: alembic merge heads -m 'merge before baseline'.",
        )
    already = existing_baseline(history)
    if already:
        raise UnsafeError(
            f"The project already has a baseline ({already}).",
            hint="To baseline again, first undo it with `alembic-baseline baseline archive "
            "--restore`, then create the new baseline.",
        )
    return heads[0]


def check_source_at_head(project: AlembicProject, url: DatabaseURL, head: str) -> None:
    current = project.current_heads(url)
    if current == (head,):
        return
    if not current:
        raise UnsafeError(
            f"The source database {url.redacted} has no Alembic revision recorded.",
            hint="Point --url at production (at head), or use --from-history.",
        )
    history = History(project, archive=False)
    pending = history.pending(current) if all(c in history.live for c in current) else []
    raise UnsafeError(
        f"The source database is at {', '.join(current)}, not at the head {head}"
        + (f" ({len(pending)} revisions pending)." if pending else "."),
        hint="Apply the pending revisions first (前提条件: 全マイグレーションが適用済み), "
        "or run `alembic-baseline doctor` if the recorded revision is unknown.",
    )


@dataclass(frozen=True)
class _Source:
    """The database ``create`` dumps, while :func:`_source_database` keeps it."""

    url: DatabaseURL
    description: str
    drift: tuple[str, ...]
    version_table: VersionTableName
    """The version table env.py configures for ``url`` (left out of the dump)."""
    seeds: Future[seed.SeedData]
    """The history's seed rows: read on a thread of their own while the schema is dumped;
    ``result()`` before the context exits (the replay is dropped then)."""
    major: int
    """The source server's major (what pg_dump must be at least)."""
    facts: Future[source.SourceFacts]
    """Its version, schemas, extensions and event triggers (read beside the dump, as the seeds)."""


@contextlib.contextmanager
def _source_database(
    project: AlembicProject,
    options: CreateOptions,
    pg_major: int | None,
    scratch_url: str | None,
    head: str,
    progress: Progress,
    seconds: dict[str, float],
    server: ScratchServer | None = None,
    replay_db: Future[DatabaseURL] | None = None,
) -> Iterator[_Source]:
    """The database to dump, its description, the drift lines and the history's seed rows.
    ``replay_db``: an empty database ``server`` is creating for the replay."""
    if options.url is not None and not options.from_history:
        check_source_at_head(project, options.url, head)
        drift: tuple[str, ...] = ()
        facts = source.facts(options.url)
        version_table = project.version_table(options.url)
        seeds: list[seed.SeedData] = []

        def keep_seeds(replay: DatabaseURL, major: int, replay_vt: VersionTableName) -> None:
            seeds.append(_seeds(replay, major, options, replay_vt))
            if seeds[0].carried and options.url is not None:
                seed.check_links(
                    replay, options.url, tuple(seeds[0].rows), options.reference_tables
                )

        drift = _drift(
            project, options.url, facts.major, scratch_url, progress, seconds, server, keep_seeds,
            version_table,
        )  # fmt: skip
        if drift and not options.accept_production:
            raise UnsafeError(
                f"Production differs from what the history builds ({len(drift)} differences):\n  "
                + "\n  ".join(drift[:20]),
                hint="Fix the drift with a revision, or accept production as the truth with "
                "--accept-production (recorded in the baseline manifest).",
            )
        done: Future[seed.SeedData] = Future()
        done.set_result(seeds[0])
        read: Future[source.SourceFacts] = Future()
        read.set_result(source.facts(options.url))  # as it is now, after the drift check
        # The database name only: host, port and user never go into a generated file.
        description = f"production (database {options.url.database})"
        yield _Source(
            options.url, description, drift, version_table, done, read.result().major, read
        )
        return
    major = pg_major
    if options.url is not None:
        major = source.facts(options.url).major
    with Scratch(major, scratch_url, server) as scratch:
        srv = scratch.server()
        progress(f"replaying the history on scratch PostgreSQL {srv.major}")
        start = time.perf_counter()
        made = replay_db.result() if replay_db is not None and srv is server else None
        # what reads, checks and compares the dump is imported while the history replays
        # (the main thread mostly waits for the server then); joined before the dump
        preloading = threading.Thread(target=_preload, name="ab-preload", daemon=True)
        preloading.start()
        try:
            url, version_table = replay_to(project, srv, head, made)
        finally:
            preloading.join()
        seconds["replay"] = time.perf_counter() - start
        # The seed rows and the replay's facts are read (the seeds pg_dumped) while the schema
        # is dumped; leaving the pool waits for those threads, also when the dump failed:
        # nothing outlives the replay.
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="ab-seeds") as pool:
            found = pool.submit(_seeds, url, srv.major, options, version_table)
            reading = pool.submit(source.facts, url)
            description = "history (replayed on a scratch server)"
            try:
                yield _Source(url, description, (), version_table, found, srv.major, reading)
            finally:
                found.cancel()
        # read and dumped: the replay is dropped in the background, while the dump is checked
        # (the server's close() waits for that)
        srv.drop_database_soon(url.database)


def _preload() -> None:
    """Import the SQL parser (sanitize), the snapshot reader (the dump's catalog read) and the
    self-check with its diff; a failure is left to the first use to report."""
    preload()
    preload_checks()
    try:
        # lazy: imported here on a thread while the history replays (not on the critical path)
        import alembic_baseline.baseline.selfcheck
        import alembic_baseline.snapshot.inspect  # noqa: F401
    except Exception:  # pragma: no cover - reported where it is used
        return


def _seeds(
    replay: DatabaseURL, major: int, options: CreateOptions, version_table: VersionTableName
) -> seed.SeedData:
    """The rows the replayed history wrote (see :mod:`.seed`), never production's."""
    return seed.collect(
        replay, major, version_table=version_table,
        reference_tables=options.reference_tables, carry=options.seed_data,
    )  # fmt: skip


def _drift(
    project: AlembicProject,
    prod: DatabaseURL,
    major: int,
    scratch_url: str | None,
    progress: Progress,
    seconds: dict[str, float],
    server: ScratchServer | None = None,
    on_replay: Callable[[DatabaseURL, int, VersionTableName], object] | None = None,
    version_table: VersionTableName | None = None,
) -> tuple[str, ...]:
    """Differences between production and the replayed history (empty when equal)."""

    # lazy: the comparison machinery (snapshot, diff) only for the drift check of --url
    from alembic_baseline.baseline.verify import drift_lines

    progress(f"comparing production with the history replayed on PostgreSQL {major}")
    start = time.perf_counter()
    lines = drift_lines(
        project, prod, major, scratch_url, server, on_replay=on_replay, version_table=version_table
    )
    seconds["drift_check"] = time.perf_counter() - start
    return lines


def create(
    project: AlembicProject,
    options: CreateOptions,
    *,
    pg_major: int | None = None,
    scratch_url: str | None = None,
    progress: Progress = lambda _: None,
    server: ScratchServer | None = None,
    replay_db: Future[DatabaseURL] | None = None,
) -> CreateResult:
    """Create the baseline revision, its SQL, the bridge and the archive — or change nothing.

    ``replay_db``: an empty database ``server`` is already creating for the replay of
    ``--from-history`` (see ``commands.baseline``); without one it is asked for here."""
    if options.url is None and not options.from_history:
        raise ConfigError(
            "No source for the baseline.",
            hint="Pass --url PROD_URL (or set DATABASE_URL), or --from-history to replay it.",
        )
    if server is None or not options.from_history or options.url is not None:
        replay_db = None  # (a database made for it is dropped by the server's close())
    elif replay_db is None:
        # the server creates the replay's database while the history is read and checked
        replay_db = server.create_database_soon(server.new_name("replay"))
    history = History(project)
    head = check_prerequisites(history)
    today = options.today or date.today()
    revision = options.revision or f"baseline_{today:%Y%m%d}"
    if revision in history.live or revision in history.archived:
        raise ConfigError(f"A revision {revision!r} already exists.", hint="Pass --rev-id NAME.")
    origin = (
        "production schema" if options.url and not options.from_history else "schema from history"
    )
    message = options.message or f"Baseline: {origin} as of {today:%Y-%m-%d}"
    seconds: dict[str, float] = {}
    with _source_database(
        project, options, pg_major, scratch_url, head, progress, seconds, server, replay_db
    ) as src:
        url, description, drift, version_table = (
            src.url, src.description, src.drift, src.version_table,
        )  # fmt: skip
        # the self-check's database is created while the schema is dumped (on the server the
        # self-check uses: the one given, when it is of the source's major)
        check_db = None
        if server is not None and server.major == src.major:
            check_db = server.create_database_soon(server.new_name("selfcheck"))
        source.check_reference_tables(url, options.reference_tables)
        start = time.perf_counter()
        dumped = source.dump(
            url,
            src.major,
            version_table=version_table,
            reference_tables=options.reference_tables,
        )
        seconds["pg_dump"] = time.perf_counter() - start
        seeds = src.seeds.result()
        facts = src.facts.result()
    progress(f"dumped with {dumped.pg_dump.describe()}")
    baseline = sanitize(
        dumped.pre_data,
        dumped.post_data,
        "\n".join(d for d in (dumped.data, seeds.data) if d),
        SanitizeOptions(
            version_table=version_table[0],
            version_table_schema=version_table[1],
            min_major=min(options.min_major, facts.major),
            chunk_size=options.chunk_size,
        ),
    )
    old = history.live[head]
    sql_name = f"baseline_schema_{today:%Y%m%d}.sql"
    spec = BaselineSpec(
        revision=revision,
        message=message,
        sql_name=sql_name,
        old_head=head,
        old_message=old.message,
        source=description,
        archived_count=len(history.live),
        settings=baseline.settings,
        schemas=facts.schemas,
        extensions=facts.extensions,
        event_triggers=facts.event_triggers,
        created=datetime.now(),
    )
    header = (
        f"alembic-baseline {__version__}: baseline {revision} (replaces {len(history.live)} "
        "revisions, now in versions/archive/)",
        f"source: {description}, PostgreSQL {facts.version}; pg_dump {dumped.pg_dump.version}",
        f"reference tables (rows from the source): {', '.join(options.reference_tables) or 'none'}",
        seeds.header,
        "Loaded by the baseline revision at the driver level; verify with "
        "`alembic-baseline baseline verify`. Do not edit by hand.",
    )
    manifest = Manifest(
        revision=revision,
        old_head=head,
        sql=sql_name,
        source=description,
        server_version=facts.version,
        pg_dump=dumped.pg_dump.version,
        archived=tuple(sorted(history.live)),
        reference_tables=options.reference_tables,
        drift_accepted=bool(drift),
        drift=drift,
        removed=baseline.removed,
        created=datetime.now().isoformat(timespec="seconds"),
        tool_version=__version__,
        notes=baseline.notes,
        seed_data=options.seed_data,
        seed_rows=seeds.rows,
    )
    files = {
        baselines_dir(project.script_location) / sql_name: (text := baseline.render(header)),
        old.path.parent / baseline_filename(spec): render_baseline(spec),
        old.path.parent / bridge_filename(spec): render_bridge(spec),
        baselines_dir(project.script_location) / f"{revision}.json": manifest.to_json(),
    }
    # lazy: the self-check (snapshot, diff) is imported during a replay, see _preload
    from alembic_baseline.baseline import selfcheck

    # The files are staged and the archive planned (which revision files git tracks) on a
    # thread while the self-check loads the SQL (the server works, this process waits); nothing
    # in the project changes before the self-check has passed. Leaving the pool waits for it.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ab-stage") as pool:
        staging = pool.submit(_stage, project, history, files)
        try:
            selfcheck.check(
                text, dumped.expected, facts.major, version_table,
                scratch_url=scratch_url, server=server, progress=progress, seconds=seconds,
                database=check_db,
            )  # fmt: skip
        except BaseException:
            staging.add_done_callback(_discard)
            raise
    archived = _write_atomically(project, staging.result(), revision, head)
    paths = list(files)
    return CreateResult(
        revision=revision, old_head=head, source=description, server_version=facts.version,
        pg_dump=dumped.pg_dump.describe(), sql_path=paths[0], revision_path=paths[1],
        bridge_path=paths[2], manifest_path=paths[3], archived=archived,
        statements=baseline.statement_count, chunks=len(baseline.chunks),
        removed=baseline.removed, drift=drift, seconds=seconds, seed_rows=seeds.rows,
        seed_carried=options.seed_data, warnings=baseline.notes + seeds.warnings,
    )  # fmt: skip


@dataclass(frozen=True)
class _Staged:
    """The new files written to a staging folder of the project, and the archive's moves."""

    folder: Path
    files: dict[Path, Path]  # target → its staged copy
    moves: list[archive.Move]
    tracked: archive.Tracked


def _stage(project: AlembicProject, history: History, files: dict[Path, str]) -> _Staged:
    """Write ``files`` to a staging folder and plan the archive; the project is not changed
    (the folder is removed again on failure)."""
    for path in files:
        if path.exists():
            raise ConfigError(f"{path} already exists.", hint="Pass another --rev-id.")
    folder = Path(tempfile.mkdtemp(prefix=".ab-staging-", dir=project.script_location))
    try:
        staged = {}
        for number, (target, text) in enumerate(files.items()):
            staged[target] = folder / f"{number}_{target.name}"
            staged[target].write_text(text, encoding="utf-8")
        moves = archive.plan_archive(project, (r.path for r in history.live.values()))
        return _Staged(folder, staged, moves, archive.tracked_files(moves))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _discard(staging: Future[_Staged]) -> None:
    """Remove a staging folder that will not be used (the self-check failed)."""
    if not staging.cancelled() and staging.exception() is None:
        shutil.rmtree(staging.result().folder, ignore_errors=True)


def _write_atomically(
    project: AlembicProject, staged: _Staged, revision: str, head: str
) -> tuple[Path, ...]:
    """Archive old revisions, move the staged files in, validate; undo everything on failure."""
    placed: list[Path] = []
    moves: list[archive.Move] = []
    try:
        moves = archive.move_files(staged.moves, staged.tracked)
        for target, temp in staged.files.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(temp, target)
            placed.append(target)
        _validate(project, revision, head)
    except BaseException:
        for path in placed:
            path.unlink(missing_ok=True)
        archive.undo(moves)
        raise
    finally:
        shutil.rmtree(staged.folder, ignore_errors=True)
    return tuple(m.target for m in moves)


def _validate(project: AlembicProject, revision: str, head: str) -> None:
    fresh = History(AlembicProject(project.settings), archive=False)
    if set(fresh.live) != {revision, head} or fresh.heads() != (head,):
        raise BaselineError(
            "The new revision layout did not validate "
            f"(live revisions: {', '.join(sorted(fresh.live))}); nothing was changed.",
            hint="Report this as a bug with --traceback.",
        )
