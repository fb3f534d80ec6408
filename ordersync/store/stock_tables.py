"""Tables of stock sync and pending-order reservations (issue 4).

- ``stock_reservations``: quantities of Amazon pending orders that were not imported
  (reservation mode), one row per order line, active until the order is imported, cancelled
  or gone.
- ``stock_targets``: one row per marketplace account the stock goes to: the lease a run holds
  while sending (overlapping runs never send twice) and the offer-export state.
- ``marketplace_offers``: the marketplace's own offer id of a SKU (bol.com offers export).
- ``stock_levels``: per target and SKU, the quantity last sent (and not known to have failed)
  and the last one confirmed: the diff is taken against the first.
- ``stock_batches`` / ``stock_updates``: the record of every quantity sent: the inputs it was
  computed from, when, which request or feed, and its outcome. An update is written (and
  committed) before it is sent.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ordersync.orders import limits as L
from ordersync.store.tables import Base, UTCDateTime


class StockReservationRow(Base):
    __tablename__ = "stock_reservations"
    __table_args__ = (
        UniqueConstraint("platform", "account", "external_id", "line_id",
                         name="uq_stock_reservations_line"),
        Index("ix_stock_reservations_state", "platform", "account", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(L.MAX_PLATFORM))
    account: Mapped[str] = mapped_column(String(L.MAX_ACCOUNT))
    external_id: Mapped[str] = mapped_column(String(L.MAX_EXTERNAL_ID))
    line_id: Mapped[str] = mapped_column(String(L.MAX_LINE_ID))
    sku: Mapped[str | None] = mapped_column(String(L.MAX_SKU))
    quantity: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))  # active | released
    reason: Mapped[str | None] = mapped_column(Text)  # why it was released
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StockTargetRow(Base):
    __tablename__ = "stock_targets"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    account: Mapped[str] = mapped_column(String(128), primary_key=True)
    owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    offers_refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    export_ref: Mapped[str | None] = mapped_column(String(128))  # offer export in progress
    export_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MarketplaceOfferRow(Base):
    __tablename__ = "marketplace_offers"
    __table_args__ = (Index("ix_marketplace_offers_sku", "platform", "account", "sku"),)

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    account: Mapped[str] = mapped_column(String(128), primary_key=True)
    offer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    sku: Mapped[str | None] = mapped_column(String(128))  # the offer's reference
    ean: Mapped[str | None] = mapped_column(String(32))
    fulfilment: Mapped[str | None] = mapped_column(String(8))  # FBR | FBB
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StockLevelRow(Base):
    __tablename__ = "stock_levels"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    account: Mapped[str] = mapped_column(String(128), primary_key=True)
    sku: Mapped[str] = mapped_column(String(128), primary_key=True)
    sent_quantity: Mapped[int | None] = mapped_column(Integer)
    confirmed_quantity: Mapped[int | None] = mapped_column(Integer)
    last_update_id: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StockBatchRow(Base):
    """One request or feed that carries quantities to a marketplace."""

    __tablename__ = "stock_batches"
    __table_args__ = (Index("ix_stock_batches_state", "platform", "account", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    account: Mapped[str] = mapped_column(String(128))
    method: Mapped[str] = mapped_column(String(16))  # feed | patch | offer_stock
    # pending (recorded, not known to be sent) | uploaded (feed document up) | submitted |
    # done | failed | abandoned (never reached the platform; its SKUs are diffed again)
    state: Mapped[str] = mapped_column(String(16))
    document_id: Mapped[str | None] = mapped_column(String(128))
    remote_ref: Mapped[str | None] = mapped_column(String(128))  # feedId
    message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StockUpdateRow(Base):
    """One quantity for one SKU on one marketplace account, and why."""

    __tablename__ = "stock_updates"
    __table_args__ = (
        Index("ix_stock_updates_sku", "platform", "account", "sku", "id"),
        Index("ix_stock_updates_state", "platform", "account", "state"),
        Index("ix_stock_updates_batch", "batch_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("stock_batches.id"))
    platform: Mapped[str] = mapped_column(String(32))
    account: Mapped[str] = mapped_column(String(128))
    sku: Mapped[str] = mapped_column(String(128))
    offer_id: Mapped[str | None] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column(Integer)
    previous: Mapped[int | None] = mapped_column(Integer)  # last sent before this one
    webshop_stock: Mapped[int] = mapped_column(Integer)
    unimported: Mapped[int] = mapped_column(Integer)
    reserved: Mapped[int] = mapped_column(Integer)
    capped: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(16))  # as the batch's, per SKU
    ref: Mapped[str | None] = mapped_column(String(128))  # process status / submission id
    message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
