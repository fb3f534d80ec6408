"""marketplace cancellations: the webshop cancel's intent per order (issue 12)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "marketplace_cancellations",
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("whole", sa.Boolean(), nullable=False),
        sa.Column("requested", sa.Boolean(), nullable=False),
        sa.Column("cut", sa.JSON(), nullable=False),
        sa.Column("baseline", sa.JSON(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("rounds", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"],
            name=op.f("fk_marketplace_cancellations_order_id_orders"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_marketplace_cancellations")),
    )
    op.create_index(
        "ix_marketplace_cancellations_state", "marketplace_cancellations", ["state"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_marketplace_cancellations_state", table_name="marketplace_cancellations")
    op.drop_table("marketplace_cancellations")
