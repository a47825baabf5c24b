"""enable pg_trgm and add trigram index on product names

Revision ID: 7be7ed3ced24
Revises: 06179e8cfea4
Create Date: 2024-11-18 14:56:41.372098

"""
import logging
from typing import Sequence, Union

from alembic import context, op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '7be7ed3ced24'
down_revision: Union[str, Sequence[str], None] = '06179e8cfea4'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

log = logging.getLogger("alembic.env")


def _pg_trgm_available() -> bool:
    """pg_trgm ships with contrib; minimal images (CI's embedded server) lack it."""
    row = op.get_bind().execute(
        sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    ).first()
    return row is not None


def upgrade() -> None:
    """Upgrade schema."""
    if context.is_offline_mode():
        op.execute(
            "-- 7be7ed3ced24: pg_trgm availability cannot be checked offline; "
            "CREATE EXTENSION pg_trgm / ix_products_name_trgm skipped"
        )
        return
    if not _pg_trgm_available():
        log.warning("pg_trgm is not available on this server; skipping ix_products_name_trgm")
        return

    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # product search box: ILIKE '%...%' on the name
    op.create_index(
        "ix_products_name_trgm",
        "products",
        ["name"],
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DROP INDEX IF EXISTS ix_products_name_trgm")
    op.execute("DROP EXTENSION IF EXISTS pg_trgm")
