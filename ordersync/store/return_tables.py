"""The ``returns`` table: one row per returned item (bol.com RMA) of a marketplace account.

The row is also the intent of both remote writes a return needs: ``webshop_state`` (the
note / restock / refund in the webshop) and ``marketplace_state`` (the handling on the
marketplace) go ``pending`` -> ``submitted`` (committed before the call: a row left
``submitted`` may have got through, so the next claimant looks it up first) -> ``done`` or
``failed``; ``accepted`` is an asynchronous marketplace write still processing (its process id
in ``marketplace_ref``). ``owner``/``lease_until`` is the claim of the run writing it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ordersync.orders import limits as L
from ordersync.store.tables import Base, UTCDateTime


class ReturnRow(Base):
    __tablename__ = "returns"
    __table_args__ = (
        UniqueConstraint("platform", "account", "rma_id", name="uq_returns_rma"),
        Index("ix_returns_webshop", "platform", "account", "webshop_state"),
        Index("ix_returns_marketplace", "platform", "account", "marketplace_state"),
        Index("ix_returns_order", "order_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(L.MAX_PLATFORM))
    account: Mapped[str] = mapped_column(String(L.MAX_ACCOUNT))
    rma_id: Mapped[str] = mapped_column(String(L.MAX_EXTERNAL_ID))
    return_id: Mapped[str | None] = mapped_column(String(L.MAX_EXTERNAL_ID))
    external_id: Mapped[str | None] = mapped_column(String(L.MAX_EXTERNAL_ID))  # the order
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    line_id: Mapped[str | None] = mapped_column(String(L.MAX_LINE_ID))
    ean: Mapped[str | None] = mapped_column(String(L.MAX_EAN))
    quantity: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    problem: Mapped[str | None] = mapped_column(Text)  # why it cannot go on (unknown order, ...)
    raw: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # only for quarantined items
    webshop_state: Mapped[str] = mapped_column(String(16))
    webshop_mode: Mapped[str | None] = mapped_column(String(16))
    webshop_ref: Mapped[str | None] = mapped_column(String(128))
    marketplace_state: Mapped[str] = mapped_column(String(16))
    marketplace_ref: Mapped[str | None] = mapped_column(String(128))
    owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
