"""add refresh_mv_product_stock function for nightly job

Revision ID: 14d7cd8ff62a
Revises: 3f2ebe7dbd97
Create Date: 2025-06-02 17:20:58.306471

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '14d7cd8ff62a'
down_revision: Union[str, Sequence[str], None] = '3f2ebe7dbd97'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.execute(
        """
        CREATE OR REPLACE FUNCTION refresh_mv_product_stock(p_concurrently boolean DEFAULT true)
        RETURNS void
        LANGUAGE plpgsql AS $$
        DECLARE
            v_started timestamptz := clock_timestamp();
        BEGIN
            IF p_concurrently THEN
                REFRESH MATERIALIZED VIEW CONCURRENTLY mv_product_stock;
            ELSE
                REFRESH MATERIALIZED VIEW mv_product_stock;
            END IF;
            RAISE NOTICE 'mv_product_stock refreshed in % ms',
                round(extract(epoch FROM clock_timestamp() - v_started) * 1000);
        END;
        $$
        """
    )
    op.execute(
        "COMMENT ON FUNCTION refresh_mv_product_stock(boolean) IS "
        "'夜間バッチ (cron 02:00 JST) から呼び出す'"
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DROP FUNCTION IF EXISTS refresh_mv_product_stock(boolean)")
