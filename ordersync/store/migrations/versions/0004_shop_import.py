"""shop import: products, categories, customers, webshop orders (issue 5)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalog_categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=1024), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["catalog_categories.id"],
            name=op.f("fk_catalog_categories_parent_id_catalog_categories"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_categories")),
        sa.UniqueConstraint("key", name=op.f("uq_catalog_categories_key")),
    )
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.String(length=255), nullable=True),
        sa.Column("last_name", sa.String(length=255), nullable=True),
        sa.Column("phone", sa.String(length=64), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("special", sa.String(length=32), nullable=True),
        sa.Column("address", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
        sa.UniqueConstraint("special", name=op.f("uq_contacts_special")),
    )
    op.create_table(
        "shop_backfills",
        sa.Column("connection", sa.String(length=128), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cursor", sa.Text(), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("connection", "key", name=op.f("pk_shop_backfills")),
    )
    op.create_table(
        "shop_import_skips",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("account", sa.String(length=128), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=True),
        sa.Column("seen", sa.Integer(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shop_import_skips")),
        sa.UniqueConstraint("platform", "account", "external_id", name="uq_shop_import_skips_key"),
    )
    op.create_table(
        "catalog_products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("sku", sa.String(length=128), nullable=True),
        sa.Column("code", sa.String(length=128), nullable=True),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=160), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["catalog_categories.id"],
            name=op.f("fk_catalog_products_category_id_catalog_categories"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_products")),
    )
    op.create_table(
        "contact_keys",
        sa.Column("key", sa.String(length=330), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_contact_keys_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_contact_keys")),
    )
    with op.batch_alter_table("contact_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_keys_contact_id"), ["contact_id"], unique=False
        )

    op.create_table(
        "shop_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("account", sa.String(length=128), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("platform_status", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("shipping_address", sa.JSON(), nullable=True),
        sa.Column("delivery_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("platform_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("written_off_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_shop_orders_contact_id_contacts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shop_orders")),
        sa.UniqueConstraint(
            "platform", "account", "external_id", name="uq_shop_orders_natural_key"
        ),
    )
    with op.batch_alter_table("shop_orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_shop_orders_number", ["platform", "account", "number"], unique=False
        )

    op.create_table(
        "catalog_product_keys",
        sa.Column("key", sa.String(length=512), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["catalog_products.id"],
            name=op.f("fk_catalog_product_keys_product_id_catalog_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_catalog_product_keys")),
    )
    with op.batch_alter_table("catalog_product_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_catalog_product_keys_product_id"), ["product_id"], unique=False
        )

    op.create_table(
        "shop_order_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["shop_orders.id"],
            name=op.f("fk_shop_order_events_order_id_shop_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shop_order_events")),
    )
    with op.batch_alter_table("shop_order_events", schema=None) as batch_op:
        batch_op.create_index("ix_shop_order_events_order", ["order_id", "id"], unique=False)

    op.create_table(
        "shop_order_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("line_key", sa.String(length=160), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("sku", sa.String(length=128), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("price", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["shop_orders.id"],
            name=op.f("fk_shop_order_lines_order_id_shop_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["catalog_products.id"],
            name=op.f("fk_shop_order_lines_product_id_catalog_products"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shop_order_lines")),
        sa.UniqueConstraint("order_id", "line_key", name="uq_shop_order_lines_line"),
    )
    op.create_table(
        "shop_order_writes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["shop_orders.id"],
            name=op.f("fk_shop_order_writes_order_id_shop_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shop_order_writes")),
        sa.UniqueConstraint("order_id", "action", name="uq_shop_order_writes_order_action"),
    )
    with op.batch_alter_table("shop_order_writes", schema=None) as batch_op:
        batch_op.create_index("ix_shop_order_writes_state", ["action", "state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("shop_order_writes", schema=None) as batch_op:
        batch_op.drop_index("ix_shop_order_writes_state")

    op.drop_table("shop_order_writes")
    op.drop_table("shop_order_lines")
    with op.batch_alter_table("shop_order_events", schema=None) as batch_op:
        batch_op.drop_index("ix_shop_order_events_order")

    op.drop_table("shop_order_events")
    with op.batch_alter_table("catalog_product_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_product_keys_product_id"))

    op.drop_table("catalog_product_keys")
    with op.batch_alter_table("shop_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_shop_orders_number")

    op.drop_table("shop_orders")
    with op.batch_alter_table("contact_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_keys_contact_id"))

    op.drop_table("contact_keys")
    op.drop_table("catalog_products")
    op.drop_table("shop_import_skips")
    op.drop_table("shop_backfills")
    op.drop_table("contacts")
    op.drop_table("catalog_categories")
