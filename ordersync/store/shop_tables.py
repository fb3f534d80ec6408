"""Tables of the webshop order import (issue 5): the catalog (products, their match keys,
categories), contacts, the shops' own orders with lines and event feed, what was skipped or
rejected and why, platform writes guarded by intents, and backfill progress.

Natural keys carry unique constraints, so applying a page twice creates nothing twice.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ordersync.store.tables import Base, UTCDateTime


class CategoryRow(Base):
    __tablename__ = "catalog_categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(1024), unique=True)  # lower-cased path
    name: Mapped[str] = mapped_column(String(255))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_categories.id"))


class ProductRow(Base):
    __tablename__ = "catalog_products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    sku: Mapped[str | None] = mapped_column(String(128))
    code: Mapped[str | None] = mapped_column(String(128))  # the shop's product id
    unit: Mapped[str] = mapped_column(String(16))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_categories.id"))
    source: Mapped[str] = mapped_column(String(160))  # platform:account it came from
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ProductKeyRow(Base):
    """``sku:...``, ``name:...`` (hub-wide) or ``id:platform:account:...`` -> one product."""

    __tablename__ = "catalog_product_keys"

    key: Mapped[str] = mapped_column(String(512), primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_products.id", ondelete="CASCADE"), index=True)


class ContactRow(Base):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_name: Mapped[str | None] = mapped_column(String(255))
    last_name: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(320))
    special: Mapped[str | None] = mapped_column(String(32), unique=True)  # "not_specified"
    address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ContactKeyRow(Base):
    """``phone:+31612345678`` or ``email:jan@example.nl`` -> one contact: every phone number
    and e-mail address a contact was seen with finds it again."""

    __tablename__ = "contact_keys"

    key: Mapped[str] = mapped_column(String(330), primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True)


class ShopOrderRow(Base):
    __tablename__ = "shop_orders"
    __table_args__ = (
        UniqueConstraint("platform", "account", "external_id", name="uq_shop_orders_natural_key"),
        Index("ix_shop_orders_number", "platform", "account", "number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    account: Mapped[str] = mapped_column(String(128))
    external_id: Mapped[str] = mapped_column(String(128))
    number: Mapped[str] = mapped_column(String(64))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    platform_status: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(64))  # the hub's
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    shipping_address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    delivery_fingerprint: Mapped[str | None] = mapped_column(String(64))
    platform_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    written_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ShopOrderLineRow(Base):
    __tablename__ = "shop_order_lines"
    __table_args__ = (UniqueConstraint("order_id", "line_key", name="uq_shop_order_lines_line"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_orders.id", ondelete="CASCADE"))
    line_key: Mapped[str] = mapped_column(String(160))
    product_id: Mapped[int] = mapped_column(ForeignKey("catalog_products.id"))
    name: Mapped[str] = mapped_column(Text)
    sku: Mapped[str | None] = mapped_column(String(128))
    quantity: Mapped[int] = mapped_column(Integer)
    price: Mapped[Decimal] = mapped_column(Numeric(14, 2))


class ShopOrderEventRow(Base):
    """The order's event feed: imports, comments (delivery details), changes, write-off."""

    __tablename__ = "shop_order_events"
    __table_args__ = (Index("ix_shop_order_events_order", "order_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_orders.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    level: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class ShopImportSkipRow(Base):
    """An order the import left out by a rule (``skipped``) or could not read
    (``rejected``), with the reason; seen again = counted, not duplicated."""

    __tablename__ = "shop_import_skips"
    __table_args__ = (
        UniqueConstraint("platform", "account", "external_id", name="uq_shop_import_skips_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    account: Mapped[str] = mapped_column(String(128))
    external_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    raw: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    seen: Mapped[int] = mapped_column(Integer)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime())


class ShopOrderWriteRow(Base):
    """An intent to write to the shop (e.g. WooCommerce ``completed``), claimed under a
    lease; committed before the remote call, finished after it (see remote_writes)."""

    __tablename__ = "shop_order_writes"
    __table_args__ = (
        UniqueConstraint("order_id", "action", name="uq_shop_order_writes_order_action"),
        Index("ix_shop_order_writes_state", "action", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_orders.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16))  # pending | done | failed
    attempts: Mapped[int] = mapped_column(Integer)
    owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class BackfillRow(Base):
    """One backfill of one connection: its window, the cursor after the last committed page,
    and the running counts (committed with each page)."""

    __tablename__ = "shop_backfills"

    connection: Mapped[str] = mapped_column(String(128), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime())
    until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cursor: Mapped[str | None] = mapped_column(Text)
    pages: Mapped[int] = mapped_column(Integer)
    done: Mapped[bool] = mapped_column(Boolean)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
