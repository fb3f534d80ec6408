"""Everything one sync step needs: store, connectors, settings, clock, run identity."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from ordersync.connectors.base import MarketplaceConnector, WebshopConnector
from ordersync.store import Store
from ordersync.store.page_writes import PageWrites

OVERLAP_MARGIN = timedelta(minutes=5)  # on top of the lease, for clock skew between systems
PendingOrders = Literal["import", "reserve"]
"""Amazon orders awaiting payment: imported as ``pending``, or only reserved on Amazon."""
Returns = Literal["register", "restock", "refund"]
"""What a marketplace return does in the webshop (``ordersync.orders.returns.ReturnMode``)."""


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ConnectionSettings:
    """How one order connection behaves; loaded from its block."""

    name: str
    tracking_wait: timedelta = timedelta(hours=3)
    # Look-back when polling the webshop by last-modified time; at least the lease (a run may
    # hold an order, and its write, that long). None: the lease plus OVERLAP_MARGIN.
    overlap: timedelta | None = None
    initial_lookback: timedelta = timedelta(days=1)  # first webshop poll
    lease: timedelta = timedelta(minutes=15)  # how long a run holds an order it writes
    batch_size: int = 200
    ship_from: str | None = "NL"
    configured_carriers: tuple[str, ...] = ()
    carrier_overrides: Mapping[str, str] = field(default_factory=dict)
    cancel_reason: str = "OUT_OF_STOCK"
    process_poll_rounds: int = 3  # polls of asynchronous marketplace writes per cycle
    process_poll_interval: float = 1.0
    pending_orders: PendingOrders = "reserve"
    returns: Returns = "register"  # safe default: an order note only, no money or stock

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a connection needs a name")
        if self.tracking_wait < timedelta(0):
            raise ValueError("tracking_wait must not be negative")
        if self.batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if self.pending_orders not in ("import", "reserve"):
            raise ValueError("pending_orders must be 'import' or 'reserve'")
        if self.returns not in ("register", "restock", "refund"):
            raise ValueError("returns must be 'register', 'restock' or 'refund'")
        if self.lease <= timedelta(0):
            raise ValueError("lease must be positive")
        if self.overlap is None:
            object.__setattr__(self, "overlap", self.lease + OVERLAP_MARGIN)
        elif self.overlap < self.lease:
            raise ValueError(
                f"overlap ({self.overlap}) must be at least the lease ({self.lease}): a shorter "
                "look-back can miss webshop changes made while a run held an order"
            )

    @property
    def poll_overlap(self) -> timedelta:
        """The look-back (derived from the lease when not set)."""
        assert self.overlap is not None
        return self.overlap


@dataclass
class SyncContext:
    store: Store
    marketplace: MarketplaceConnector
    webshop: WebshopConnector
    settings: ConnectionSettings
    clock: Callable[[], datetime] = utcnow
    owner: str = field(default_factory=lambda: uuid.uuid4().hex)
    sleep: Callable[[float], None] = time.sleep

    def page_writes(self) -> PageWrites:
        """A buffer for one step's write outcomes, flushed per page (see PageWrites)."""
        return PageWrites(self.store, max_orders=self.settings.batch_size)

    def close(self) -> None:
        self.marketplace.close()
        self.webshop.close()
