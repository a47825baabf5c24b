"""generate lot codes from lot_number_seq

Revision ID: 071acca60ff0
Revises: 87e77121f3ff
Create Date: 2024-05-28 09:36:12.447105

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '071acca60ff0'
down_revision: Union[str, Sequence[str], None] = '87e77121f3ff'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # Lot codes look like L240528-001000 (date + global running number).
    # Lots received from suppliers keep the supplier's code; the default is
    # only used for lots we produce ourselves.
    op.execute("CREATE SEQUENCE lot_number_seq AS bigint START WITH 1000 INCREMENT BY 1 NO CYCLE")
    op.alter_column(
        "lots",
        "lot_code",
        existing_type=sa.String(length=40),
        existing_nullable=False,
        server_default=sa.text(
            "('L' || to_char(CURRENT_DATE, 'YYMMDD') || '-' "
            "|| lpad(nextval('lot_number_seq')::text, 6, '0'))"
        ),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.alter_column(
        "lots",
        "lot_code",
        existing_type=sa.String(length=40),
        existing_nullable=False,
        server_default=None,
    )
    op.execute("DROP SEQUENCE IF EXISTS lot_number_seq")
