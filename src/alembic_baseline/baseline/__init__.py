"""Baselines: collapse a long history into one revision that recreates the schema, and prove it.

Data flow: pg_dump (pg.tools) → :mod:`sanitize` (pure text) → :mod:`render` (revision + bridge
files) → :mod:`archive` (old revision files out of Alembic's sight) → :mod:`verify` (history ≡
baseline ≡ production, as catalog snapshots).
"""
