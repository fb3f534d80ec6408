"""SQLAlchemy 2 tables. Natural keys carry unique constraints; hot queries have indexes.

Column sizes come from ``ordersync.orders.limits``, which the mappings check values against.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from ordersync.orders import limits as L

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use UTC-aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class OrderRow(Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("platform", "account", "external_id", name="uq_orders_natural_key"),
        Index("ix_orders_status", "platform", "account", "status"),
        Index("ix_orders_webshop", "webshop_platform", "webshop_account", "webshop_order_id"),
        # Every cycle asks for shipped/cancelled orders not yet confirmed on the marketplace;
        # without the last column that would scan every order ever shipped.
        Index(
            "ix_orders_unconfirmed", "platform", "account", "status", "marketplace_confirmed_at"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(L.MAX_PLATFORM))
    account: Mapped[str] = mapped_column(String(L.MAX_ACCOUNT))
    external_id: Mapped[str] = mapped_column(String(L.MAX_EXTERNAL_ID))
    status: Mapped[str] = mapped_column(String(L.MAX_STATUS))
    error_reason: Mapped[str | None] = mapped_column(String(L.MAX_REASON))
    error_message: Mapped[str | None] = mapped_column(Text)
    placed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    currency: Mapped[str | None] = mapped_column(String(L.MAX_CURRENCY))
    total: Mapped[Decimal | None] = mapped_column(Numeric(L.MONEY_PRECISION, L.MONEY_SCALE))
    test: Mapped[bool] = mapped_column(Boolean, default=False)
    shipping_address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    billing_address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    raw: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # only for quarantined payloads
    webshop_platform: Mapped[str | None] = mapped_column(String(L.MAX_PLATFORM))
    webshop_account: Mapped[str | None] = mapped_column(String(L.MAX_ACCOUNT))
    webshop_order_id: Mapped[str | None] = mapped_column(String(L.MAX_WEBSHOP_ID))
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    tracking_number: Mapped[str | None] = mapped_column(String(L.MAX_TRACKING_NUMBER))
    carrier: Mapped[str | None] = mapped_column(String(L.MAX_CARRIER))  # canonical id
    carrier_code: Mapped[str | None] = mapped_column(String(L.MAX_CARRIER))  # marketplace's
    carrier_name: Mapped[str | None] = mapped_column(String(L.MAX_CARRIER_NAME))
    marketplace_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    lines: Mapped[list[OrderLineRow]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLineRow.id"
    )


class OrderLineRow(Base):
    __tablename__ = "order_lines"
    __table_args__ = (UniqueConstraint("order_id", "line_id", name="uq_order_lines_line"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    line_id: Mapped[str] = mapped_column(String(L.MAX_LINE_ID))
    sku: Mapped[str | None] = mapped_column(String(L.MAX_SKU))
    ean: Mapped[str | None] = mapped_column(String(L.MAX_EAN))
    title: Mapped[str | None] = mapped_column(Text)
    offer_id: Mapped[str | None] = mapped_column(String(L.MAX_OFFER_ID))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Numeric(L.MONEY_PRECISION, L.MONEY_SCALE))

    order: Mapped[OrderRow] = relationship(back_populates="lines")


class OrderEventRow(Base):
    """The per-order event log (info / warning / error)."""

    __tablename__ = "order_events"
    __table_args__ = (Index("ix_order_events_order", "order_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    level: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class RemoteWriteRow(Base):
    """A recorded intent to write to a platform, claimed under a lease.

    Written (and committed) before the remote call; completed after it. A claimed row whose
    lease ran out belongs to a run that died: the next claimant reconciles with the platform
    before writing again.
    """

    __tablename__ = "remote_writes"
    __table_args__ = (
        UniqueConstraint("order_id", "action", name="uq_remote_writes_order_action"),
        Index("ix_remote_writes_state", "action", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16))  # pending | submitted | done | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    remote_ref: Mapped[str | None] = mapped_column(String(128))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WatermarkRow(Base):
    """Incremental-sync position of one stream of one connection."""

    __tablename__ = "watermarks"

    connection: Mapped[str] = mapped_column(String(128), primary_key=True)
    stream: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
