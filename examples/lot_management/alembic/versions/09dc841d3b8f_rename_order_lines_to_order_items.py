"""rename order_lines to order_items

Revision ID: 09dc841d3b8f
Revises: 66a63af7f438
Create Date: 2025-01-14 10:33:12.290476

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '09dc841d3b8f'
down_revision: Union[str, Sequence[str], None] = '66a63af7f438'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# (kind, old name, new name) -- everything that carried the old table name
RENAMES = [
    ("SEQUENCE", "order_lines_id_seq", "order_items_id_seq"),
    ("INDEX", "order_lines_pkey", "order_items_pkey"),
    ("INDEX", "ix_order_lines_product_id", "ix_order_items_product_id"),
    ("CONSTRAINT", "uq_order_lines_order_id_line_no", "uq_order_items_order_id_line_no"),
    ("CONSTRAINT", "ck_order_lines_quantity_positive", "ck_order_items_quantity_positive"),
    ("CONSTRAINT", "order_lines_order_id_fkey", "order_items_order_id_fkey"),
    ("CONSTRAINT", "order_lines_product_id_fkey", "order_items_product_id_fkey"),
]


def _rename(kind: str, old: str, new: str) -> None:
    if kind == "CONSTRAINT":
        op.execute(f"ALTER TABLE order_items RENAME CONSTRAINT {old} TO {new}")
    else:
        op.execute(f"ALTER {kind} {old} RENAME TO {new}")


def upgrade() -> None:
    """Upgrade schema."""
    # the API and the UI have said "order items" since v2; align the schema.
    # shipment_lines.order_line_id keeps its name (too many consumers).
    op.rename_table("order_lines", "order_items")
    for kind, old, new in RENAMES:
        _rename(kind, old, new)


def downgrade() -> None:
    """Downgrade schema."""
    for kind, old, new in reversed(RENAMES):
        _rename(kind, new, old)
    op.rename_table("order_items", "order_lines")
