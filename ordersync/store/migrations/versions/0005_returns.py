"""returns: marketplace returns and the intents of their webshop and marketplace writes

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _at(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "returns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("account", sa.String(length=128), nullable=False),
        sa.Column("rma_id", sa.String(length=128), nullable=False),
        sa.Column("return_id", sa.String(length=128), nullable=True),
        sa.Column("external_id", sa.String(length=128), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("line_id", sa.String(length=64), nullable=True),
        sa.Column("ean", sa.String(length=32), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        _at("registered_at", nullable=True),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.Column("raw", sa.JSON(), nullable=True),
        sa.Column("webshop_state", sa.String(length=16), nullable=False),
        sa.Column("webshop_mode", sa.String(length=16), nullable=True),
        sa.Column("webshop_ref", sa.String(length=128), nullable=True),
        sa.Column("marketplace_state", sa.String(length=16), nullable=False),
        sa.Column("marketplace_ref", sa.String(length=128), nullable=True),
        sa.Column("owner", sa.String(length=64), nullable=True),
        _at("lease_until", nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        _at("created_at"),
        _at("updated_at"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], ondelete="CASCADE",
                                name=op.f("fk_returns_order_id_orders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_returns")),
        sa.UniqueConstraint("platform", "account", "rma_id", name="uq_returns_rma"),
    )
    op.create_index("ix_returns_webshop", "returns", ["platform", "account", "webshop_state"])
    op.create_index("ix_returns_marketplace", "returns",
                    ["platform", "account", "marketplace_state"])
    op.create_index("ix_returns_order", "returns", ["order_id"])


def downgrade() -> None:
    op.drop_table("returns")
