"""rename products.unit to uom_code and reference units_of_measure

Revision ID: f167cb4af734
Revises: 62647de9a17b
Create Date: 2024-07-08 11:30:59.127486

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'f167cb4af734'
down_revision: Union[str, Sequence[str], None] = '62647de9a17b'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.alter_column(
        "products",
        "unit",
        new_column_name="uom_code",
        existing_type=sa.String(length=10),
        existing_nullable=False,
        existing_server_default=sa.text("'EA'::character varying"),
    )
    # legacy rows used 'ea', 'kg', ... and a few free-text units
    op.execute("UPDATE products SET uom_code = upper(uom_code) WHERE uom_code <> upper(uom_code)")
    op.execute(
        "UPDATE products SET uom_code = 'EA' "
        "WHERE uom_code NOT IN (SELECT code FROM units_of_measure)"
    )
    op.create_foreign_key(
        "fk_products_uom_code",
        "products",
        "units_of_measure",
        ["uom_code"],
        ["code"],
        onupdate="CASCADE",
    )
    op.alter_column(
        "products", "uom_code", existing_type=sa.String(length=10), existing_nullable=False,
        comment="単位コード (units_of_measure.code)",
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.alter_column(
        "products", "uom_code", existing_type=sa.String(length=10), existing_nullable=False,
        comment=None, existing_comment="単位コード (units_of_measure.code)",
    )
    op.drop_constraint("fk_products_uom_code", "products", type_="foreignkey")
    # the upper()/'EA' normalisation is intentionally not reverted
    op.alter_column(
        "products",
        "uom_code",
        new_column_name="unit",
        existing_type=sa.String(length=10),
        existing_nullable=False,
        existing_server_default=sa.text("'EA'::character varying"),
    )
