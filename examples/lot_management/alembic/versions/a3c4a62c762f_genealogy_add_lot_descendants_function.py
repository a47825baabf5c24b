"""genealogy: add lot_descendants function

Revision ID: a3c4a62c762f
Revises: 6a337227af28
Create Date: 2024-09-12 16:40:08.117593

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'a3c4a62c762f'
down_revision: Union[str, Sequence[str], None] = '6a337227af28'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # recall support: every lot made (directly or indirectly) from p_lot_id
    op.execute(
        """
        CREATE OR REPLACE FUNCTION lot_descendants(p_lot_id bigint)
        RETURNS TABLE (descendant_lot_id bigint, depth integer)
        LANGUAGE sql STABLE AS $$
            WITH RECURSIVE tree (lot_id, depth) AS (
                SELECT ll.child_lot_id, 1
                  FROM lot_links ll
                 WHERE ll.parent_lot_id = p_lot_id
                UNION ALL
                SELECT ll.child_lot_id, t.depth + 1
                  FROM lot_links ll
                  JOIN tree t ON ll.parent_lot_id = t.lot_id
                 WHERE t.depth < 50
            )
            SELECT t.lot_id, min(t.depth)
              FROM tree t
             GROUP BY t.lot_id
        $$
        """
    )
    op.execute(
        "COMMENT ON FUNCTION lot_descendants(bigint) IS "
        "'リコール調査用: 指定ロットから派生した全ロット'"
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DROP FUNCTION IF EXISTS lot_descendants(bigint)")
