"""quality: quarantine lot on failed inspection

Revision ID: 338f4f5105b8
Revises: 0ae4ed160f4d
Create Date: 2024-09-10 11:08:51.284460

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '338f4f5105b8'
down_revision: Union[str, Sequence[str], None] = '0ae4ed160f4d'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.execute(
        """
        CREATE OR REPLACE FUNCTION quarantine_lot_on_failed_inspection() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            v_lot_code text;
        BEGIN
            IF NEW.result = 'fail' THEN
                UPDATE lots
                   SET status = 'quarantine'
                 WHERE id = NEW.lot_id
                   AND status <> 'quarantine'
                RETURNING lot_code INTO v_lot_code;

                IF FOUND THEN
                    RAISE NOTICE 'lot % quarantined by inspection %', v_lot_code, NEW.id;
                END IF;
            END IF;
            RETURN NEW;
        END;
        $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER trg_inspections_quarantine
            AFTER INSERT OR UPDATE OF result ON inspections
            FOR EACH ROW EXECUTE FUNCTION quarantine_lot_on_failed_inspection()
        """
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DROP TRIGGER IF EXISTS trg_inspections_quarantine ON inspections")
    op.execute("DROP FUNCTION IF EXISTS quarantine_lot_on_failed_inspection()")
