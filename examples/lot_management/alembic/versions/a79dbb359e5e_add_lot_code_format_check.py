"""add lot_code format check

Revision ID: a79dbb359e5e
Revises: 46f962399dff
Create Date: 2025-09-22 10:15:36.893521

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'a79dbb359e5e'
down_revision: Union[str, Sequence[str], None] = '46f962399dff'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # NOT VALID + VALIDATE: the validation scan only takes SHARE UPDATE
    # EXCLUSIVE, so receiving can keep inserting lots during the deploy.
    op.execute(
        "ALTER TABLE lots ADD CONSTRAINT ck_lots_lot_code_format "
        "CHECK (lot_code ~ '^[A-Z0-9][A-Z0-9-]{2,39}$') NOT VALID"
    )
    op.execute("ALTER TABLE lots VALIDATE CONSTRAINT ck_lots_lot_code_format")


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_constraint("ck_lots_lot_code_format", "lots", type_="check")
