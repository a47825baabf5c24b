"""rename inspections to quality_inspections

Revision ID: 98887c3c8b26
Revises: 075ca18c2922
Create Date: 2024-10-07 13:25:46.839150

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '98887c3c8b26'
down_revision: Union[str, Sequence[str], None] = '075ca18c2922'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.rename_table("inspections", "quality_inspections")
    # keep the dependent object names in line with the table name
    op.execute("ALTER SEQUENCE inspections_id_seq RENAME TO quality_inspections_id_seq")
    op.execute("ALTER INDEX inspections_pkey RENAME TO quality_inspections_pkey")
    op.execute("ALTER INDEX ix_inspections_lot_id RENAME TO ix_quality_inspections_lot_id")
    op.execute(
        "ALTER TABLE quality_inspections "
        "RENAME CONSTRAINT fk_inspections_lot_id TO fk_quality_inspections_lot_id"
    )
    op.execute(
        "ALTER TABLE quality_inspections "
        "RENAME CONSTRAINT ck_inspections_result TO ck_quality_inspections_result"
    )
    op.execute(
        "ALTER TRIGGER trg_inspections_quarantine ON quality_inspections "
        "RENAME TO trg_quality_inspections_quarantine"
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.execute(
        "ALTER TRIGGER trg_quality_inspections_quarantine ON quality_inspections "
        "RENAME TO trg_inspections_quarantine"
    )
    op.execute(
        "ALTER TABLE quality_inspections "
        "RENAME CONSTRAINT ck_quality_inspections_result TO ck_inspections_result"
    )
    op.execute(
        "ALTER TABLE quality_inspections "
        "RENAME CONSTRAINT fk_quality_inspections_lot_id TO fk_inspections_lot_id"
    )
    op.execute("ALTER INDEX ix_quality_inspections_lot_id RENAME TO ix_inspections_lot_id")
    op.execute("ALTER INDEX quality_inspections_pkey RENAME TO inspections_pkey")
    op.execute("ALTER SEQUENCE quality_inspections_id_seq RENAME TO inspections_id_seq")
    op.rename_table("quality_inspections", "inspections")
