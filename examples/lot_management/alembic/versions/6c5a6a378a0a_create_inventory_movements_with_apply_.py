"""create inventory_movements with apply trigger

Revision ID: 6c5a6a378a0a
Revises: 3f568b996af7
Create Date: 2024-03-26 18:12:40.356091

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '6c5a6a378a0a'
down_revision: Union[str, Sequence[str], None] = '3f568b996af7'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "inventory_movements",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column(
            "inventory_id",
            sa.BigInteger(),
            sa.ForeignKey("inventory.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("movement_type", sa.String(length=20), nullable=False),
        sa.Column("quantity", sa.Numeric(12, 3), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column(
            "moved_by",
            sa.BigInteger(),
            sa.ForeignKey("users.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column(
            "moved_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "movement_type IN ('receipt', 'issue', 'adjustment', 'return')",
            name="ck_inventory_movements_type",
        ),
        sa.CheckConstraint("quantity <> 0", name="ck_inventory_movements_quantity_nonzero"),
    )

    # Movements are the source of truth; inventory.on_hand is maintained here.
    op.execute(
        """
        CREATE OR REPLACE FUNCTION apply_inventory_movement() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            v_new_on_hand numeric(12,3);
            v_lot_code    text;
        BEGIN
            SELECT i.on_hand + NEW.quantity, l.lot_code
              INTO v_new_on_hand, v_lot_code
              FROM inventory i
              JOIN lots l ON l.id = i.lot_id
             WHERE i.id = NEW.inventory_id
               FOR UPDATE OF i;

            IF NOT FOUND THEN
                RAISE EXCEPTION 'inventory row % not found', NEW.inventory_id;
            END IF;

            IF v_new_on_hand < 0 THEN
                RAISE EXCEPTION 'inventory % would go negative (lot:% on_hand=%)',
                    NEW.inventory_id, v_lot_code, v_new_on_hand
                    USING ERRCODE = 'check_violation';
            END IF;

            UPDATE inventory
               SET on_hand = v_new_on_hand
             WHERE id = NEW.inventory_id;

            RETURN NEW;
        END;
        $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER trg_inventory_movements_apply
            AFTER INSERT ON inventory_movements
            FOR EACH ROW EXECUTE FUNCTION apply_inventory_movement()
        """
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DROP TRIGGER IF EXISTS trg_inventory_movements_apply ON inventory_movements")
    op.execute("DROP FUNCTION IF EXISTS apply_inventory_movement()")
    op.drop_table("inventory_movements")
