"""add audit_log and audit triggers on lots and inventory

Revision ID: 730918613044
Revises: 13376d4b85bd
Create Date: 2025-02-10 14:22:37.998415

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = '730918613044'
down_revision: Union[str, Sequence[str], None] = '13376d4b85bd'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

AUDITED_TABLES = ("lots", "inventory")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), primary_key=True),
        sa.Column("table_name", sa.Text(), nullable=False),
        sa.Column("row_pk", sa.Text(), nullable=True),
        sa.Column("action", sa.CHAR(length=1), nullable=False),
        sa.Column("changed_by", sa.Text(), server_default=sa.text("current_user"), nullable=False),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column("old_row", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("new_row", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.CheckConstraint("action IN ('I', 'U', 'D')", name="ck_audit_log_action"),
        comment="監査ログ（J-SOX 対応）",
    )
    op.create_index("ix_audit_log_table_name_row_pk", "audit_log", ["table_name", "row_pk"])
    op.create_index(
        "ix_audit_log_changed_at", "audit_log", ["changed_at"], postgresql_using="brin"
    )

    op.execute(
        """
        CREATE OR REPLACE FUNCTION audit_row_change() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            v_table text := format('%I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME);
            v_old   jsonb;
            v_new   jsonb;
        BEGIN
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                v_old := to_jsonb(OLD);
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                v_new := to_jsonb(NEW);
            END IF;

            -- skip no-op updates (updated_at bumps only)
            IF TG_OP = 'UPDATE'
               AND (v_old - 'updated_at') = (v_new - 'updated_at') THEN
                RETURN NULL;
            END IF;

            INSERT INTO audit_log (table_name, row_pk, action, old_row, new_row)
            VALUES (v_table,
                    COALESCE(v_new, v_old) ->> 'id',
                    left(TG_OP, 1),
                    v_old,
                    v_new);
            RETURN NULL;
        END;
        $$
        """
    )
    for table in AUDITED_TABLES:
        op.execute(
            f"CREATE TRIGGER trg_{table}_audit "
            f"AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION audit_row_change()"
        )


def downgrade() -> None:
    """Downgrade schema."""
    for table in reversed(AUDITED_TABLES):
        op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_audit ON {table}")
    op.execute("DROP FUNCTION IF EXISTS audit_row_change()")
    op.drop_index("ix_audit_log_changed_at", table_name="audit_log")
    op.drop_index("ix_audit_log_table_name_row_pk", table_name="audit_log")
    op.drop_table("audit_log")
