"""support transfers in apply_inventory_movement

Revision ID: 45c2593fef5c
Revises: a79dbb359e5e
Create Date: 2025-10-20 16:47:22.031785

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = '45c2593fef5c'
down_revision: Union[str, Sequence[str], None] = 'a79dbb359e5e'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OLD_TYPES = ("receipt", "issue", "adjustment", "return")
NEW_TYPES = OLD_TYPES + ("transfer_out", "transfer_in")


def _type_check(types: tuple[str, ...]) -> str:
    return "movement_type IN (" + ", ".join(f"'{t}'" for t in types) + ")"


# NB: text() treats ":name" as a bind parameter, hence the backslash before
# the colons in the comment below (the stored function body gets ":lot_code").
APPLY_MOVEMENT_V2 = r"""
CREATE OR REPLACE FUNCTION apply_inventory_movement() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_on_hand   numeric(12,3);
    v_allocated numeric(12,3);
    v_new       numeric(12,3);
    v_lot_code  text;
BEGIN
    -- error messages are parsed by the handheld app; the label printer
    -- template uses \:lot_code and \:warehouse_code, keep "lot:<code>" stable
    SELECT i.on_hand, i.allocated, l.lot_code
      INTO v_on_hand, v_allocated, v_lot_code
      FROM inventory i
      JOIN lots l ON l.id = i.lot_id
     WHERE i.id = NEW.inventory_id
       FOR UPDATE OF i;

    IF NOT FOUND THEN
        RAISE EXCEPTION 'inventory row % not found', NEW.inventory_id;
    END IF;

    IF NEW.movement_type = 'transfer_out' AND NEW.quantity > 0 THEN
        RAISE EXCEPTION 'transfer_out must be negative (got %)', NEW.quantity;
    ELSIF NEW.movement_type = 'transfer_in' AND NEW.quantity < 0 THEN
        RAISE EXCEPTION 'transfer_in must be positive (got %)', NEW.quantity;
    END IF;

    v_new := v_on_hand + NEW.quantity;

    IF v_new < v_allocated THEN
        RAISE EXCEPTION 'inventory % (lot:%) would drop below allocated: % < %',
            NEW.inventory_id, v_lot_code, v_new, v_allocated
            USING ERRCODE = 'check_violation',
                  HINT = format('release allocations of lot %s first (%s%% allocated)',
                                v_lot_code,
                                round(100 * v_allocated / NULLIF(v_on_hand, 0)));
    END IF;

    UPDATE inventory
       SET on_hand = v_new
     WHERE id = NEW.inventory_id;

    RETURN NEW;
END;
$$
"""

# verbatim copy of the body from 6c5a6a378a0a (keeps the stored source identical)
APPLY_MOVEMENT_V1 = """
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


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column(
        "inventory_movements",
        sa.Column("transfer_id", postgresql.UUID(as_uuid=True), nullable=True,
                  comment="移動元・移動先の2行を結ぶID"),
    )
    op.create_index(
        "ix_inventory_movements_transfer_id",
        "inventory_movements",
        ["transfer_id"],
        postgresql_where=sa.text("transfer_id IS NOT NULL"),
    )
    op.drop_constraint("ck_inventory_movements_type", "inventory_movements", type_="check")
    op.create_check_constraint(
        "ck_inventory_movements_type", "inventory_movements", _type_check(NEW_TYPES)
    )
    op.create_check_constraint(
        "ck_inventory_movements_transfer_has_id",
        "inventory_movements",
        "movement_type NOT IN ('transfer_out', 'transfer_in') OR transfer_id IS NOT NULL",
    )
    op.execute(APPLY_MOVEMENT_V2)


def downgrade() -> None:
    """Downgrade schema."""
    op.execute(APPLY_MOVEMENT_V1)
    # fails if transfer rows exist -- delete or re-type them first
    op.drop_constraint(
        "ck_inventory_movements_transfer_has_id", "inventory_movements", type_="check"
    )
    op.drop_constraint("ck_inventory_movements_type", "inventory_movements", type_="check")
    op.create_check_constraint(
        "ck_inventory_movements_type", "inventory_movements", _type_check(OLD_TYPES)
    )
    op.drop_index("ix_inventory_movements_transfer_id", table_name="inventory_movements")
    op.drop_column("inventory_movements", "transfer_id")
