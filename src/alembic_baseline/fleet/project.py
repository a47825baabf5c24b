"""The project and its history, loaded once per fleet command and shared by every target
(``fleet status`` loads the history once; each target costs one short query), and the project
as a tenant schema target's env.py must see it. Light: no deploy machinery is imported here."""

from __future__ import annotations

from dataclasses import replace

from alembic_baseline.fleet.targets import Target
from alembic_baseline.history.driver import AlembicProject
from alembic_baseline.history.graph import History
from alembic_baseline.settings import Settings

_LOADED: dict[tuple[str, str], tuple[AlembicProject, History]] = {}


def forget() -> None:
    """Drop what :func:`loaded` keeps: each command starts from the files as they are now (a
    process running several commands — tests, a library user — may see revisions change)."""
    _LOADED.clear()


def loaded(settings: Settings) -> tuple[AlembicProject, History]:
    """The project and its history, loaded once per process (per command, see :func:`forget`)."""
    key = (str(settings.config_file), settings.ini_section)
    if key not in _LOADED:
        project = AlembicProject(settings)
        _LOADED[key] = (project, History(project))
    return _LOADED[key]


def target_project(settings: Settings, target: Target) -> AlembicProject:
    """The project as this target's env.py must see it (``-x tenant=…``), sharing the loaded
    revision files."""
    base, _ = loaded(settings)
    extra = (f"tenant={target.schema}",) if target.schema else ()
    project = AlembicProject(replace(settings, x_args=(*settings.x_args, *extra)))
    project.__dict__["script"] = base.script  # the cached_property: revisions parsed once
    return project
