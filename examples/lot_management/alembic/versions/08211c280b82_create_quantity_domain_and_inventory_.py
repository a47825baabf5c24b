"""create quantity domain and inventory table

Revision ID: 08211c280b82
Revises: 98362997274a
Create Date: 2024-02-02 14:51:36.240918

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = '08211c280b82'
down_revision: Union[str, Sequence[str], None] = '98362997274a'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # One place for "a non-negative stock quantity" (3 decimals for kg / L).
    op.execute("CREATE DOMAIN quantity AS numeric(12,3) CHECK (VALUE >= 0)")
    quantity = postgresql.DOMAIN("quantity", sa.Numeric(12, 3), create_type=False)

    op.create_table(
        "inventory",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column(
            "lot_id",
            sa.BigInteger(),
            sa.ForeignKey("lots.id", name="fk_inventory_lot_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "warehouse_id",
            sa.Integer(),
            sa.ForeignKey("warehouses.id", name="fk_inventory_warehouse_id"),
            nullable=False,
        ),
        sa.Column("location_code", sa.String(length=30), server_default="", nullable=False),
        sa.Column("on_hand", quantity, server_default="0", nullable=False),
        sa.Column("allocated", quantity, server_default="0", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.UniqueConstraint(
            "lot_id", "warehouse_id", "location_code", name="uq_inventory_lot_warehouse_location"
        ),
        sa.CheckConstraint("allocated <= on_hand", name="ck_inventory_allocated_le_on_hand"),
    )
    op.create_index("ix_inventory_warehouse_id", "inventory", ["warehouse_id"])
    op.execute(
        "CREATE TRIGGER trg_inventory_updated_at BEFORE UPDATE ON inventory "
        "FOR EACH ROW EXECUTE FUNCTION set_updated_at()"
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_inventory_warehouse_id", table_name="inventory")
    op.drop_table("inventory")
    op.execute("DROP DOMAIN IF EXISTS quantity")
