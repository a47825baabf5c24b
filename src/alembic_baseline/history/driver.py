"""Drive a project's own Alembic set-up (its alembic.ini and env.py) against any database.

The URL is overridden twice — as ``sqlalchemy.url`` and through the environment variable the
project's env.py reads (``DATABASE_URL`` by default) — so every common env.py style works. Whatever
env.py configures (``transaction_per_migration``, version table name and schema, autocommit
blocks, async engines) is honoured because env.py itself runs. Runs happen in-process: a replay
costs Alembic's work, not an interpreter start-up per step.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import threading
from argparse import Namespace
from collections.abc import Callable, Iterator, Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic_baseline.errors import BaselineError, ConfigError
from alembic_baseline.history import blame, headers, prepare, project_load, sandbox
from alembic_baseline.history.steps import RunResult as RunResult
from alembic_baseline.history.steps import StepTracker
from alembic_baseline.pg.url import DatabaseURL
from alembic_baseline.settings import Settings

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from alembic_baseline.compat import VersionApplied

_PLACEHOLDER_URLS = ("driver://", "")


def url_variable(settings: Settings, environ: Mapping[str, str] | None = None) -> str | None:
    """The project's URL variable (``$DATABASE_URL`` unless ``url_env`` names another), what
    env.py reads; None when unset or empty."""
    env = os.environ if environ is None else environ
    return env.get(settings.url_env) or None


_DRIVING = threading.RLock()  # one run at a time per process (see AlembicProject._driving)


class AlembicProject:
    """One Alembic project (an alembic.ini + script directory) and how to run it."""

    def __init__(
        self,
        settings: Settings,
        *,
        version_locations: tuple[Path, ...] = (),
        header_cache: headers.HeaderCache | None = None,
    ) -> None:
        self.settings = settings
        # Reading commands (status) give a cache of revision headers: see read_script.
        self.header_cache = header_cache
        # Another set of revision folders with the same env.py: the archive, or a whole-history
        # view made of archive + live revisions (see baseline.verify).
        self.version_locations = version_locations
        if not settings.config_file.is_file():
            raise ConfigError(
                f"No Alembic configuration at {settings.config_file}.",
                hint="Run from the directory that holds alembic.ini, or pass -c PATH/alembic.ini.",
            )
        cfg = self.config()
        if project_load.script_location(cfg, settings) is None:
            raise ConfigError(
                f"{settings.config_file} has no [{settings.ini_section}] section with "
                "script_location.",
                hint="Pass -n/--name for the right section, as with `alembic -n NAME`.",
            )

    # -- configuration ---------------------------------------------------------------------
    def config(
        self, url: DatabaseURL | None = None, *, buffer: io.StringIO | None = None
    ) -> Config:
        from alembic.config import Config

        cfg = Config(
            file_=str(self.settings.config_file),
            ini_section=self.settings.ini_section,
            output_buffer=buffer,
            stdout=buffer or io.StringIO(),
            cmd_opts=Namespace(x=list(self.settings.x_args)),
        )
        if self.version_locations:
            cfg.set_main_option("path_separator", "os")
            cfg.set_main_option("version_path_separator", "os")
            cfg.set_main_option(
                "version_locations", os.pathsep.join(str(p) for p in self.version_locations)
            )
            cfg.set_main_option("recursive_version_locations", "false")
        if url is not None:
            # ConfigParser interpolation: a literal % in a password must be doubled.
            cfg.set_main_option("sqlalchemy.url", self.render_url(url).replace("%", "%%"))
        return cfg

    @cached_property
    def script(self) -> ScriptDirectory:
        """The script directory with every revision file loaded (once, see project_load)."""
        script = self.bare_script()
        project_load.load_revisions(script, self.settings.project_dir)
        return script

    @cached_property
    def read_script(self) -> ScriptDirectory:
        """The script directory for reading the revision graph only (never for running a
        migration): without a header cache, :attr:`script`; with one, a map built from the
        remembered headers when every revision file has a current entry (no file imported,
        see history/headers.py), else :attr:`script`, whose files' headers are then learnt."""
        if self.header_cache is None:
            return self.script
        fast = self.bare_script()
        if headers.install(fast, self.header_cache):
            return fast
        script = self.script
        self.header_cache.learn(script)
        return script

    def bare_script(self) -> ScriptDirectory:
        """The script directory as Alembic configures it, no revision file loaded yet: where
        the versions are and how files are named, for what needs no revision."""
        from alembic.script import ScriptDirectory
        from alembic.util import CommandError

        try:
            return ScriptDirectory.from_config(self.config())
        except CommandError as exc:
            raise ConfigError(
                f"Alembic cannot read the script directory: {exc}",
                hint="Check script_location in alembic.ini.",
            ) from None

    @property
    def script_location(self) -> Path:
        return Path(self.script.dir)

    def configured_url(self, environ: dict[str, str] | None = None) -> DatabaseURL | None:
        """The project's own URL: ``$DATABASE_URL`` (what env.py reads) else sqlalchemy.url."""
        text = url_variable(self.settings, environ) or self.config().get_main_option(
            "sqlalchemy.url"
        )
        if not text or text.startswith(_PLACEHOLDER_URLS[0]):
            return None
        return DatabaseURL.parse(text)

    @cached_property
    def driver(self) -> str:
        """The DBAPI driver the project uses (psycopg, psycopg2, asyncpg...)."""
        try:
            url = self.configured_url()
        except ConfigError:
            url = None
        return (url.driver if url and url.driver else None) or "psycopg"

    def render_url(self, url: DatabaseURL) -> str:
        # lazy: start-up: only the path that needs it pays for it
        from alembic_baseline import compat

        return url.render(compat.env_driver(url.driver, self.driver))

    # -- running ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def _driving(self, url: DatabaseURL | None) -> Iterator[StepTracker]:
        """Point env.py at ``url``, run from the project directory, keep logging ours.

        env.py reads the process's environment and paths relative to the working directory, so
        a run has to set both; :data:`_DRIVING` makes runs take turns, so no run ever sees
        another's values. The threads that may work meanwhile (snapshot readers, lock-wait
        watchers) read none of them: they connect with the URL they were given."""
        with _DRIVING, self._driving_unlocked(url) as tracker:
            yield tracker

    @contextlib.contextmanager
    def _driving_unlocked(self, url: DatabaseURL | None) -> Iterator[StepTracker]:
        import logging.config as logging_config

        saved_env = os.environ.get(self.settings.url_env)
        saved_cwd = Path.cwd()
        saved_file_config = logging_config.fileConfig
        tracker = StepTracker()
        alembic_log = logging.getLogger("alembic.runtime.migration")
        saved_level = alembic_log.level
        if url is not None:
            os.environ[self.settings.url_env] = self.render_url(url)
        # env.py usually calls fileConfig(alembic.ini), which would reconfigure the whole
        # process's logging (and print INFO lines) on every run; the tool owns logging.
        logging_config.fileConfig = lambda *a, **k: None
        alembic_log.addHandler(tracker)
        alembic_log.setLevel(logging.INFO)
        alembic_log.propagate = False
        os.chdir(self.settings.project_dir)
        # lazy: start-up: only the path that needs it pays for it
        from alembic_baseline.pg.engine_connect import retrying_engines

        retry = retrying_engines()  # env.py's engine: psycopg's early timeout (pg/connect.py)
        retry.__enter__()
        try:
            yield tracker
        finally:
            retry.__exit__(None, None, None)
            os.chdir(saved_cwd)
            alembic_log.removeHandler(tracker)
            alembic_log.setLevel(saved_level)
            alembic_log.propagate = True
            logging_config.fileConfig = saved_file_config
            if saved_env is None:
                os.environ.pop(self.settings.url_env, None)
            else:
                os.environ[self.settings.url_env] = saved_env

    def _run(
        self,
        url: DatabaseURL | None,
        what: str,
        action: Callable[[Config], Any],
        *,
        scratch: bool = False,
        buffer: io.StringIO | None = None,
    ) -> RunResult:
        """Run ``action`` with env.py pointed at ``url`` and confined to it (history/sandbox.py):
        a connection env.py opens anywhere else is refused before any SQL. ``scratch``: ``url``
        is a scratch database the tool made (the wording of a refusal says so). ``buffer``: where
        offline SQL goes (the caller keeps what was written before a failure)."""
        from alembic.util import CommandError

        buffer = buffer if buffer is not None else io.StringIO()
        cfg = self.config(url, buffer=buffer)
        self._environment: Any = None  # set by _migrate: what env.py configured
        box = None
        if url is not None:
            purpose = "scratch" if scratch else "given"
            box = sandbox.Sandbox(url, purpose, self.settings.url_env, self.settings.x_args)
        confined = sandbox.confine(box) if box is not None else contextlib.nullcontext()
        with self._driving(url) as tracker, confined:
            try:
                action(cfg)
            except CommandError as exc:
                raise blame.command_error(what, str(exc)) from None
            except BaselineError:
                raise
            except Exception as exc:
                raise self._failure(what, url, tracker.steps, exc) from exc
        return RunResult(tuple(tracker.steps), buffer.getvalue(), box)

    def _failure(
        self, what: str, url: DatabaseURL | None, steps: list[str], exc: Exception
    ) -> BaselineError:
        """What failed, told by :func:`blame.run_failure` with what env.py configured."""
        opts = getattr(getattr(self, "_environment", None), "context_opts", None) or {}
        revision_file = None
        failed = blame.failed_revision(steps)
        if failed:
            with contextlib.suppress(Exception):
                revision_file = Path(self.script.get_revision(failed).path)
        return blame.run_failure(
            what,
            url,
            steps,
            exc,
            base=self.settings.project_dir,
            per_migration=bool(opts.get("transaction_per_migration")) if opts else None,
            revision_file=revision_file,
        )

    def _migrate(
        self,
        cfg: Config,
        target: str,
        *,
        down: bool = False,
        sql: bool = False,
        one: bool = False,
        on_version_apply: VersionApplied | None = None,
    ) -> None:
        """``alembic.command.upgrade/downgrade``, but with this project's cached script directory:
        a long history's revision files are loaded once per process, not once per run.
        ``on_version_apply`` is added to env.py's own callbacks (it runs in the revision's
        transaction, right after the version table's update)."""
        from alembic.runtime.environment import EnvironmentContext
        from alembic.util import CommandError

        # lazy: start-up: only the path that needs it pays for it
        from alembic_baseline import compat

        script = self.script
        starting: str | None = None
        if ":" in target:
            if not sql:
                raise CommandError("Range revision not allowed")
            starting, target = target.split(":", 1)

        def steps(rev: Any, context: Any) -> Any:
            if one:
                return compat.downgrade_one_step(script, target)
            if down:
                return compat.downgrade_steps(script, target, rev)
            return compat.upgrade_steps(script, target, rev)

        env = EnvironmentContext(
            cfg, script, fn=steps, as_sql=sql, starting_rev=starting, destination_rev=target
        )
        if on_version_apply is not None:
            compat.add_on_version_apply(env, on_version_apply)
        with sandbox.guard_environment(env) as environment:
            self._environment = environment
            script.run_env()

    def upgrade(
        self,
        url: DatabaseURL,
        target: str = "heads",
        *,
        scratch: bool = False,
        on_version_apply: VersionApplied | None = None,
    ) -> RunResult:
        """``alembic upgrade target``. ``scratch``: ``url`` is a scratch database the tool made —
        an empty one is prepared first (``pre_replay``), and afterwards its version table must
        hold ``target`` (a replay that ran nothing there is refused, exit 3)."""
        if scratch:
            prepare.run(self.settings, self.script, url)
        result = self._run(
            url,
            f"upgrade to {target}",
            lambda c: self._migrate(c, target, on_version_apply=on_version_apply),
            scratch=scratch,
        )
        if scratch and result.sandbox is not None:
            sandbox.confirm_reached(result.sandbox, self.script, target, len(result.steps))
        return result

    def downgrade(self, url: DatabaseURL, target: str) -> RunResult:
        return self._run(
            url, f"downgrade to {target}", lambda c: self._migrate(c, target, down=True)
        )

    def downgrade_one(self, url: DatabaseURL, revision: str) -> RunResult:
        """Undo ``revision`` alone (a head of the database), leaving other branches applied."""
        return self._run(
            url, f"downgrade {revision}", lambda c: self._migrate(c, revision, down=True, one=True)
        )

    def stamp(
        self, url: DatabaseURL, revision: str, *, purge: bool = False, scratch: bool = False
    ) -> RunResult:
        from alembic.runtime.environment import EnvironmentContext

        script = self.script

        def steps(rev: Any, context: Any) -> Any:
            return script._stamp_revs((revision,), rev)

        def action(cfg: Config) -> None:
            # alembic.command.stamp, with the connection env.py configures checked (sandbox).
            env = EnvironmentContext(
                cfg, script, fn=steps, destination_rev=(revision,), purge=purge
            )
            with sandbox.guard_environment(env):
                script.run_env()

        return self._run(url, f"stamp {revision}", action, scratch=scratch)

    def offline_sql(
        self, revision_range: str, *, downgrade: bool = False, buffer: io.StringIO | None = None
    ) -> str:
        """The SQL Alembic renders in ``--sql`` mode for ``from:to`` (or ``to`` from empty);
        ``buffer`` receives it as it is written (what came before a failure stays there)."""
        return self._run(
            None,
            f"render SQL for {revision_range}",
            lambda c: self._migrate(c, revision_range, down=downgrade, sql=True),
            buffer=buffer,
        ).sql

    def with_context(
        self, url: DatabaseURL, fn: Callable[[MigrationContext], None], *, scratch: bool = False
    ) -> None:
        """Run env.py against ``url`` and call ``fn`` with its configured MigrationContext."""
        from alembic.runtime.environment import EnvironmentContext

        def call(rev: object, context: MigrationContext) -> list[object]:
            fn(context)
            return []

        def action(cfg: Config) -> None:
            # lazy: start-up: only the path that needs it pays for it
            from alembic_baseline.pg.sessions import bounded_read
            from alembic_baseline.pg.waits import VERSION_TABLE_READ

            # read_script: env.py reads the version table; no revision runs
            script = self.read_script
            env = EnvironmentContext(cfg, script, fn=call, dont_mutate=True)
            with (
                sandbox.guard_environment(env),
                bounded_read(url, VERSION_TABLE_READ),
            ):
                script.run_env()

        self._run(url, "read the version table", action, scratch=scratch)

    def current_heads(self, url: DatabaseURL) -> tuple[str, ...]:
        """The revisions recorded in the database's version table (as env.py configures it)."""
        found: list[str] = []
        self.with_context(url, lambda ctx: found.extend(ctx.get_current_heads()))
        return tuple(sorted(found))

    def heads(self) -> tuple[str, ...]:
        return tuple(sorted(self.script.get_heads()))

    def with_version_locations(self, *locations: Path) -> AlembicProject:
        """The same project (env.py, settings) reading revisions from ``locations`` only."""
        return AlembicProject(self.settings, version_locations=tuple(locations))

    def version_table(self, url: DatabaseURL, *, scratch: bool = False) -> tuple[str, str | None]:
        """(name, schema) of the version table as the project's env.py configures it."""
        found: list[tuple[str, str | None]] = []
        self.with_context(
            url,
            lambda ctx: found.append((ctx.version_table, ctx.version_table_schema)),
            scratch=scratch,
        )
        return found[0]
