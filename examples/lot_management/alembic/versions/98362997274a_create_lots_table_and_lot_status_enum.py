"""create lots table and lot_status enum

Revision ID: 98362997274a
Revises: dfab40bca45b
Create Date: 2024-01-24 11:28:09.671542

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = '98362997274a'
down_revision: Union[str, Sequence[str], None] = 'dfab40bca45b'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.execute(
        "CREATE TYPE lot_status AS ENUM "
        "('planned', 'received', 'quarantine', 'released', 'consumed')"
    )
    lot_status = postgresql.ENUM(name="lot_status", create_type=False)

    op.create_table(
        "lots",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("lot_code", sa.String(length=40), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=True),
        sa.Column("status", lot_status, server_default="planned", nullable=False),
        sa.Column("manufactured_on", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
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
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name="fk_lots_product_id", ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name="fk_lots_supplier_id", ondelete="SET NULL"
        ),
        sa.UniqueConstraint("lot_code", name="uq_lots_lot_code"),
        sa.CheckConstraint(
            "expires_on IS NULL OR manufactured_on IS NULL OR expires_on >= manufactured_on",
            name="ck_lots_expiry_after_manufacture",
        ),
    )
    op.create_index("ix_lots_product_id", "lots", ["product_id"])
    op.create_index("ix_lots_status", "lots", ["status"])
    op.execute(
        "CREATE TRIGGER trg_lots_updated_at BEFORE UPDATE ON lots "
        "FOR EACH ROW EXECUTE FUNCTION set_updated_at()"
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_lots_status", table_name="lots")
    op.drop_index("ix_lots_product_id", table_name="lots")
    op.drop_table("lots")  # drops trg_lots_updated_at with it
    op.execute("DROP TYPE IF EXISTS lot_status")
