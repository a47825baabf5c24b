"""add notification_outbox and shipment status trigger

Revision ID: 37bbeb0c2bcd
Revises: db3344049085
Create Date: 2025-08-04 11:03:27.410958

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = '37bbeb0c2bcd'
down_revision: Union[str, Sequence[str], None] = 'db3344049085'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "notification_outbox",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("topic", sa.String(length=50), nullable=False),
        sa.Column("dedup_key", sa.String(length=200), nullable=False),
        sa.Column(
            "payload",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.SmallInteger(), server_default="0", nullable=False),
        sa.UniqueConstraint("topic", "dedup_key", name="uq_notification_outbox_topic_dedup_key"),
        comment="通知アウトボックス（配送業者・得意先への通知）",
    )
    op.create_index(
        "ix_notification_outbox_unsent",
        "notification_outbox",
        ["created_at"],
        postgresql_where=sa.text("sent_at IS NULL"),
    )

    op.execute(
        """
        CREATE OR REPLACE FUNCTION enqueue_shipment_status_notification() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            v_key text;
        BEGIN
            IF TG_OP = 'UPDATE' AND NEW.status IS NOT DISTINCT FROM OLD.status THEN
                RETURN NEW;
            END IF;

            -- dedup key looks like 'shipment:123:shipped'
            v_key := 'shipment:' || NEW.id || ':' || NEW.status;

            INSERT INTO notification_outbox (topic, dedup_key, payload)
            VALUES ('shipment.status',
                    v_key,
                    jsonb_build_object('shipment_id', NEW.id,
                                       'shipment_no', NEW.shipment_no,
                                       'status', NEW.status))
            ON CONFLICT ON CONSTRAINT uq_notification_outbox_topic_dedup_key DO NOTHING;

            PERFORM pg_notify('shipment_events', v_key);
            RETURN NEW;
        END;
        $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER trg_shipments_notify_status
            AFTER INSERT OR UPDATE OF status ON shipments
            FOR EACH ROW EXECUTE FUNCTION enqueue_shipment_status_notification()
        """
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("DROP TRIGGER IF EXISTS trg_shipments_notify_status ON shipments")
    op.execute("DROP FUNCTION IF EXISTS enqueue_shipment_status_notification()")
    op.drop_index("ix_notification_outbox_unsent", table_name="notification_outbox")
    op.drop_table("notification_outbox")
