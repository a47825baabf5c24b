"""change suppliers.lead_time_days to integer

Revision ID: 5e7342d40a8d
Revises: ae5348b3d5dd
Create Date: 2024-07-29 17:26:14.395802

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '5e7342d40a8d'
down_revision: Union[str, Sequence[str], None] = 'ae5348b3d5dd'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # purchasing cleaned up the CSV import; values like '14 ' and '' remained
    op.alter_column(
        "suppliers",
        "lead_time_days",
        existing_type=sa.String(length=10),
        type_=sa.Integer(),
        existing_nullable=True,
        postgresql_using="NULLIF(btrim(lead_time_days), '')::integer",
    )
    op.create_check_constraint(
        "ck_suppliers_lead_time_days_nonnegative", "suppliers", "lead_time_days >= 0"
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_constraint("ck_suppliers_lead_time_days_nonnegative", "suppliers", type_="check")
    op.alter_column(
        "suppliers",
        "lead_time_days",
        existing_type=sa.Integer(),
        type_=sa.String(length=10),
        existing_nullable=True,
        postgresql_using="lead_time_days::varchar(10)",
    )
