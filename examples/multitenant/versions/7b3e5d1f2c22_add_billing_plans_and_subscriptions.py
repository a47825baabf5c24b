"""add billing plans and subscriptions

Revision ID: 7b3e5d1f2c22
Revises: 4f1c2a9d0b11
Create Date: 2026-09-08 14:03:10

"""

import sqlalchemy as sa
from alembic import op

revision = "7b3e5d1f2c22"
down_revision = "4f1c2a9d0b11"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("code", sa.Text, primary_key=True),
        sa.Column("display_name", sa.Text, nullable=False),
        sa.Column("monthly_price_cents", sa.Integer, nullable=False),
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("account_id", sa.BigInteger, sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("plan_code", sa.Text, sa.ForeignKey("plans.code"), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("billing_period", sa.Text, nullable=False, server_default="monthly"),
        # 63 bytes, PostgreSQL's limit: a longer name would be cut silently
        sa.UniqueConstraint(
            "account_id",
            "plan_code",
            "started_at",
            "billing_period",
            name="uq_subscriptions_account_id_plan_code_started_at_billing_period",
        ),
    )
    op.create_table(
        "subscription_invoice_line_item_adjustments_for_tax_corrections",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column(
            "subscription_id", sa.BigInteger, sa.ForeignKey("subscriptions.id"), nullable=False
        ),
        sa.Column("amount_cents", sa.Integer, nullable=False),
        sa.Column("reason", sa.Text),
    )


def downgrade() -> None:
    op.drop_table("subscription_invoice_line_item_adjustments_for_tax_corrections")
    op.drop_table("subscriptions")
    op.drop_table("plans")
