"""add table and column comments

Revision ID: f69d8e2b6cf9
Revises: 071acca60ff0
Create Date: 2024-06-10 16:19:48.032557

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'f69d8e2b6cf9'
down_revision: Union[str, Sequence[str], None] = '071acca60ff0'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# 業務チームからの依頼: DB ツールで見たときに日本語名が分かるように
TABLE_COMMENTS = {
    "users": "ユーザー",
    "warehouses": "倉庫",
    "suppliers": "仕入先",
    "products": "製品マスタ",
    "lots": "ロット",
    "inventory": "在庫（ロット×倉庫×ロケーション）",
    "inventory_movements": "在庫移動履歴",
    "customers": "得意先",
    "orders": "受注",
    "order_lines": "受注明細",
    "shipments": "出荷",
    "shipment_lines": "出荷明細",
}


def upgrade() -> None:
    """Upgrade schema."""
    for table, comment in TABLE_COMMENTS.items():
        if table in ("lots", "inventory"):
            op.create_table_comment(table, comment, existing_comment=None)
        else:
            op.execute(f"COMMENT ON TABLE {table} IS '{comment}'")

    op.alter_column(
        "lots", "lot_code", existing_type=sa.String(length=40), existing_nullable=False,
        comment="ロット番号",
    )
    op.alter_column(
        "lots", "expires_on", existing_type=sa.Date(), existing_nullable=True,
        comment="有効期限",
    )
    op.execute("COMMENT ON COLUMN inventory.on_hand IS '実在庫数'")
    op.execute("COMMENT ON COLUMN inventory.allocated IS '引当済数'")
    op.execute("COMMENT ON COLUMN inventory.location_code IS 'rack/bin code, e.g. A-01-03 (棚番)'")
    op.execute("COMMENT ON VIEW v_inventory_summary IS 'ロット別在庫一覧'")


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("COMMENT ON VIEW v_inventory_summary IS NULL")
    op.execute("COMMENT ON COLUMN inventory.location_code IS NULL")
    op.execute("COMMENT ON COLUMN inventory.allocated IS NULL")
    op.execute("COMMENT ON COLUMN inventory.on_hand IS NULL")
    op.alter_column(
        "lots", "expires_on", existing_type=sa.Date(), existing_nullable=True,
        comment=None, existing_comment="有効期限",
    )
    op.alter_column(
        "lots", "lot_code", existing_type=sa.String(length=40), existing_nullable=False,
        comment=None, existing_comment="ロット番号",
    )
    for table, comment in reversed(list(TABLE_COMMENTS.items())):
        if table in ("lots", "inventory"):
            op.drop_table_comment(table, existing_comment=comment)
        else:
            op.execute(f"COMMENT ON TABLE {table} IS NULL")
