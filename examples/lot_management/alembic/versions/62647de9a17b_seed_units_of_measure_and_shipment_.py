"""seed units of measure and shipment statuses

Data migration only (no DDL): reference rows that the application expects
to exist. Kept separate from the schema revision on purpose.

Revision ID: 62647de9a17b
Revises: 4175d8b5f856
Create Date: 2024-06-25 10:11:26.593148

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '62647de9a17b'
down_revision: Union[str, Sequence[str], None] = '4175d8b5f856'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

units_of_measure = sa.table(
    "units_of_measure",
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("name_ja", sa.String),
    sa.column("category", sa.String),
    sa.column("sort_order", sa.SmallInteger),
)

shipment_statuses = sa.table(
    "shipment_statuses",
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("name_ja", sa.String),
    sa.column("is_terminal", sa.Boolean),
    sa.column("sort_order", sa.SmallInteger),
)

UOM_ROWS = [
    {"code": "EA", "name": "each", "name_ja": "個", "category": "count", "sort_order": 10},
    {"code": "BOX", "name": "box", "name_ja": "箱", "category": "count", "sort_order": 20},
    {"code": "CS", "name": "case", "name_ja": "ケース", "category": "count", "sort_order": 30},
    {"code": "PLT", "name": "pallet", "name_ja": "パレット", "category": "count", "sort_order": 40},
    {"code": "KG", "name": "kilogram", "name_ja": "キログラム", "category": "weight", "sort_order": 50},
    {"code": "G", "name": "gram", "name_ja": "グラム", "category": "weight", "sort_order": 60},
    {"code": "L", "name": "litre", "name_ja": "リットル", "category": "volume", "sort_order": 70},
    {"code": "ML", "name": "millilitre", "name_ja": "ミリリットル", "category": "volume", "sort_order": 80},
]

SHIPMENT_STATUS_ROWS = [
    {"code": "pending", "name": "Pending", "name_ja": "出荷待ち", "is_terminal": False, "sort_order": 10},
    {"code": "picking", "name": "Picking", "name_ja": "ピッキング中", "is_terminal": False, "sort_order": 20},
    {"code": "packed", "name": "Packed", "name_ja": "梱包済み", "is_terminal": False, "sort_order": 30},
    {"code": "shipped", "name": "Shipped", "name_ja": "出荷済み", "is_terminal": False, "sort_order": 40},
    {"code": "delivered", "name": "Delivered", "name_ja": "配達完了", "is_terminal": True, "sort_order": 50},
    {"code": "cancelled", "name": "Cancelled", "name_ja": "キャンセル", "is_terminal": True, "sort_order": 60},
    {"code": "returned", "name": "Returned", "name_ja": "返品", "is_terminal": True, "sort_order": 70},
]


def upgrade() -> None:
    """Upgrade schema."""
    op.bulk_insert(units_of_measure, UOM_ROWS)
    op.bulk_insert(shipment_statuses, SHIPMENT_STATUS_ROWS)


def downgrade() -> None:
    """Downgrade schema."""
    op.execute(
        shipment_statuses.delete().where(
            shipment_statuses.c.code.in_([r["code"] for r in SHIPMENT_STATUS_ROWS])
        )
    )
    op.execute(
        units_of_measure.delete().where(
            units_of_measure.c.code.in_([r["code"] for r in UOM_ROWS])
        )
    )
