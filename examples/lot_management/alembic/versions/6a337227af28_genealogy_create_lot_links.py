"""genealogy: create lot_links

Revision ID: 6a337227af28
Revises: 1192b0cfe0f7
Create Date: 2024-09-04 09:51:33.902745

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '6a337227af28'
down_revision: Union[str, Sequence[str], None] = '1192b0cfe0f7'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "lot_links",
        sa.Column("parent_lot_id", sa.BigInteger(), nullable=False),
        sa.Column("child_lot_id", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Numeric(12, 3), nullable=True, comment="投入数量"),
        sa.Column(
            "linked_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["parent_lot_id"], ["lots.id"], name="fk_lot_links_parent_lot_id", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["child_lot_id"], ["lots.id"], name="fk_lot_links_child_lot_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("parent_lot_id", "child_lot_id", name="pk_lot_links"),
        sa.CheckConstraint("parent_lot_id <> child_lot_id", name="ck_lot_links_not_self"),
        comment="ロット系譜（親ロット→子ロット）",
    )
    op.create_index("ix_lot_links_child_lot_id", "lot_links", ["child_lot_id"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_lot_links_child_lot_id", table_name="lot_links")
    op.drop_table("lot_links")
