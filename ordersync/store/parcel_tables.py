"""The table of partial shipments (issue 12): ``order_parcels``, one row per webshop parcel
(``kind`` ship) or line cancellation (``kind`` cancel) of an order.

A row is the hub's record of the parcel *and* the intent of its marketplace write: it is
committed before the write, claimed under a lease (``owner``, ``lease_until``, ``attempts``)
and finished after it, so a write whose outcome is unknown is looked up before any retry.
States: ``waiting`` (no code yet), ``pending`` (to send), ``submitted`` (accepted, still
processing: ``remote_ref``), ``done``, ``failed``, ``skipped`` (nothing left to send).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ordersync.orders import limits as L
from ordersync.store.tables import Base, UTCDateTime


class OrderParcelRow(Base):
    __tablename__ = "order_parcels"
    __table_args__ = (
        UniqueConstraint("order_id", "parcel_id", name="uq_order_parcels_parcel"),
        Index("ix_order_parcels_state", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    parcel_id: Mapped[str] = mapped_column(String(L.MAX_WEBSHOP_ID + 16))
    kind: Mapped[str] = mapped_column(String(8))  # ship | cancel
    lines: Mapped[list[Any]] = mapped_column(JSON)  # [[line id, quantity], ...]
    tracking_number: Mapped[str | None] = mapped_column(String(L.MAX_TRACKING_NUMBER))
    carrier: Mapped[str | None] = mapped_column(String(L.MAX_CARRIER))
    carrier_code: Mapped[str | None] = mapped_column(String(L.MAX_CARRIER))
    carrier_name: Mapped[str | None] = mapped_column(String(L.MAX_CARRIER_NAME))
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    remote_ref: Mapped[str | None] = mapped_column(String(128))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
