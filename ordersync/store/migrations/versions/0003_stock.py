"""stock: quantities sent to marketplaces, reservations for pending orders (issue 4)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _at(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "stock_reservations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("account", sa.String(length=128), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("line_id", sa.String(length=64), nullable=False),
        sa.Column("sku", sa.String(length=128), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        _at("created_at"),
        _at("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_reservations")),
        sa.UniqueConstraint("platform", "account", "external_id", "line_id",
                            name="uq_stock_reservations_line"),
    )
    op.create_index("ix_stock_reservations_state", "stock_reservations",
                    ["platform", "account", "state"], unique=False)
    op.create_table(
        "stock_targets",
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("account", sa.String(length=128), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=True),
        _at("lease_until", nullable=True),
        _at("offers_refreshed_at", nullable=True),
        sa.Column("export_ref", sa.String(length=128), nullable=True),
        _at("export_requested_at", nullable=True),
        _at("updated_at"),
        sa.PrimaryKeyConstraint("platform", "account", name=op.f("pk_stock_targets")),
    )
    op.create_table(
        "marketplace_offers",
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("account", sa.String(length=128), nullable=False),
        sa.Column("offer_id", sa.String(length=64), nullable=False),
        sa.Column("sku", sa.String(length=128), nullable=True),
        sa.Column("ean", sa.String(length=32), nullable=True),
        sa.Column("fulfilment", sa.String(length=8), nullable=True),
        _at("refreshed_at"),
        sa.PrimaryKeyConstraint("platform", "account", "offer_id",
                                name=op.f("pk_marketplace_offers")),
    )
    op.create_index("ix_marketplace_offers_sku", "marketplace_offers",
                    ["platform", "account", "sku"], unique=False)
    op.create_table(
        "stock_levels",
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("account", sa.String(length=128), nullable=False),
        sa.Column("sku", sa.String(length=128), nullable=False),
        sa.Column("sent_quantity", sa.Integer(), nullable=True),
        sa.Column("confirmed_quantity", sa.Integer(), nullable=True),
        sa.Column("last_update_id", sa.Integer(), nullable=True),
        _at("updated_at"),
        sa.PrimaryKeyConstraint("platform", "account", "sku", name=op.f("pk_stock_levels")),
    )
    op.create_table(
        "stock_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("account", sa.String(length=128), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("document_id", sa.String(length=128), nullable=True),
        sa.Column("remote_ref", sa.String(length=128), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        _at("created_at"),
        _at("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_batches")),
    )
    op.create_index("ix_stock_batches_state", "stock_batches",
                    ["platform", "account", "state"], unique=False)
    op.create_table(
        "stock_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("account", sa.String(length=128), nullable=False),
        sa.Column("sku", sa.String(length=128), nullable=False),
        sa.Column("offer_id", sa.String(length=64), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("previous", sa.Integer(), nullable=True),
        sa.Column("webshop_stock", sa.Integer(), nullable=False),
        sa.Column("unimported", sa.Integer(), nullable=False),
        sa.Column("reserved", sa.Integer(), nullable=False),
        sa.Column("capped", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("ref", sa.String(length=128), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        _at("created_at"),
        _at("sent_at", nullable=True),
        _at("finished_at", nullable=True),
        sa.ForeignKeyConstraint(["batch_id"], ["stock_batches.id"],
                                name=op.f("fk_stock_updates_batch_id_stock_batches")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_updates")),
    )
    op.create_index("ix_stock_updates_batch", "stock_updates", ["batch_id"], unique=False)
    op.create_index("ix_stock_updates_sku", "stock_updates",
                    ["platform", "account", "sku", "id"], unique=False)
    op.create_index("ix_stock_updates_state", "stock_updates",
                    ["platform", "account", "state"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_stock_updates_state", table_name="stock_updates")
    op.drop_index("ix_stock_updates_sku", table_name="stock_updates")
    op.drop_index("ix_stock_updates_batch", table_name="stock_updates")
    op.drop_table("stock_updates")
    op.drop_index("ix_stock_batches_state", table_name="stock_batches")
    op.drop_table("stock_batches")
    op.drop_table("stock_levels")
    op.drop_index("ix_marketplace_offers_sku", table_name="marketplace_offers")
    op.drop_table("marketplace_offers")
    op.drop_table("stock_targets")
    op.drop_index("ix_stock_reservations_state", table_name="stock_reservations")
    op.drop_table("stock_reservations")
