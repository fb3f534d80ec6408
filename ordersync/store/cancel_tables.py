"""The table of marketplace cancellations (issue 12): one row per order the marketplace (or
its buyer) cancelled, wholly or line by line, recorded when the import sees it, before any
webshop write. It is the intent of the webshop cancel: what to cancel, whether the buyer
asked (so the marketplace is answered) and the webshop's cancelled quantities before the
first write (so a retry can tell whether the earlier write got through).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ordersync.store.tables import Base, UTCDateTime


class MarketplaceCancellationRow(Base):
    __tablename__ = "marketplace_cancellations"
    __table_args__ = (Index("ix_marketplace_cancellations_state", "state"),)

    order_id: Mapped[int] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))  # open | done | manual
    whole: Mapped[bool] = mapped_column(Boolean)  # every line of the order
    requested: Mapped[bool] = mapped_column(Boolean)  # the buyer asked; the seller answers
    cut: Mapped[dict[str, Any]] = mapped_column(JSON)  # {line id: quantity to cancel}
    baseline: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # webshop's cancelled before
    reason: Mapped[str | None] = mapped_column(Text)
    rounds: Mapped[int] = mapped_column(Integer, default=1)  # cancellations seen for the order
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
