"""Alembic environment for the lot-management database.

The URL comes from the ``DATABASE_URL`` environment variable when it is set
(docker compose, CI, production), otherwise from ``sqlalchemy.url`` in
alembic.ini.  Migrations are hand-written, so there is no model metadata
(``target_metadata = None``) and nothing from the application is imported.

Each revision runs in its own transaction (``transaction_per_migration``) so
that ``ALTER TYPE ... ADD VALUE`` in one revision can be used by the next one,
and so that revisions using ``autocommit_block()`` (CREATE INDEX CONCURRENTLY)
only commit their own work.
"""

from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import engine_from_config, pool
from sqlalchemy.engine import Connection

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging, unless there is no ini file
# (programmatic Config()) or the caller asked us not to touch logging.
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

# No autogenerate models: every revision in this project is written by hand.
target_metadata = None


def get_url() -> str:
    """DATABASE_URL wins over alembic.ini (never written back into the ini)."""
    url = os.environ.get("DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("Set DATABASE_URL or sqlalchemy.url in alembic.ini")
    # Heroku / docker-compose style URLs
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    return url


def _configure_kwargs() -> dict[str, object]:
    return {
        "target_metadata": target_metadata,
        "compare_type": True,
        "transaction_per_migration": True,
    }


def run_migrations_offline() -> None:
    """Run migrations in 'offline' mode (``alembic upgrade head --sql``).

    Only a URL is needed to pick the dialect; no DBAPI connection is made.
    """
    context.configure(
        url=get_url(),
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **_configure_kwargs(),
    )

    with context.begin_transaction():
        context.run_migrations()


def _run_with_connection(connection: Connection) -> None:
    context.configure(connection=connection, **_configure_kwargs())

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run migrations in 'online' mode.

    A caller may hand us an open connection through
    ``config.attributes["connection"]`` (test fixtures, tooling); otherwise an
    engine is built from the ini section with the resolved URL.
    """
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_with_connection(connection)
        return

    section = dict(config.get_section(config.config_ini_section) or {})
    section["sqlalchemy.url"] = get_url()
    connectable = engine_from_config(section, prefix="sqlalchemy.", poolclass=pool.NullPool)

    with connectable.connect() as connection:
        _run_with_connection(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
