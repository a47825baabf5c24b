"""Alembic environment: one tenant schema per run (schema per tenant).

All tenants share one database (``DATABASE_URL``, else ``sqlalchemy.url`` in schemas.ini); the
tenant is the schema named by ``-x tenant=NAME``::

    alembic -c schemas.ini upgrade head -x tenant=acme

``alembic_baseline.tenant.configure_kwargs`` checks that NAME is an existing schema, points
``search_path`` at it (the revisions never name a schema, so every tenant gets the same
objects) and keeps each tenant's version table in its own schema.
``run_migrations_once`` makes the same env.py safe at application start-up: replicas starting
together migrate the tenant once (the others wait for the per-tenant lock, at most
``MIGRATION_LOCK_TIMEOUT`` seconds, then find it at head); at head it costs one query.
"""

from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import engine_from_config, pool

from alembic_baseline import tenant

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = None  # hand-written revisions, no autogenerate models


def get_url() -> str:
    url = os.environ.get("DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError(
            "Set DATABASE_URL (the database of the tenant schemas) or sqlalchemy.url"
        )
    return url


def run_migrations_offline() -> None:
    # --sql: the script is for one tenant; run it with that schema first on its search_path
    # (PGOPTIONS="-c search_path=acme" psql -f upgrade.sql)
    context.configure(
        url=get_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        transaction_per_migration=True,
        version_table_schema=tenant.name(),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    section = dict(config.get_section(config.config_ini_section) or {})
    section["sqlalchemy.url"] = get_url()
    connectable = engine_from_config(section, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            transaction_per_migration=True,
            **tenant.configure_kwargs(connection),
        )
        tenant.run_migrations_once(timeout=float(os.environ.get("MIGRATION_LOCK_TIMEOUT", "60")))


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
