"""What a stock sync run works with (store, settings, clock, owner) and what it reports per
marketplace account; shared by ``stock_sync`` and the per-platform ``stock_writers``."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ordersync.order_loop.context import utcnow
from ordersync.order_loop.results import StepResult
from ordersync.stock import Target
from ordersync.store import Store
from ordersync.store.stock import StockStore


@dataclass(frozen=True)
class StockSettings:
    """How a stock sync run behaves."""

    lease: timedelta = timedelta(minutes=15)  # a crashed run's target is free again after it
    budget: timedelta = timedelta(minutes=4)  # no new sends after this (bol.com's rate)
    chunk: int = 50  # updates recorded, sent and committed together (bol.com, patches)
    patch_limit: int = 20  # Amazon: up to this many changes as single PATCHes, more as a feed
    feed_limit: int = 10_000  # Amazon: messages per JSON_LISTINGS_FEED
    offers_max_age: timedelta = timedelta(hours=24)  # bol.com offers export refresh
    export_rounds: int = 5  # polls of a pending offers export per run
    poll_rounds: int = 3  # polls of submitted updates at the end of a run
    poll_interval: float = 2.0
    skew: timedelta = timedelta(minutes=5)  # clock skew when matching remote records by time
    status_retention: timedelta = timedelta(days=1)  # bol.com drops old process statuses

    def __post_init__(self) -> None:
        if self.chunk < 1 or self.patch_limit < 0 or self.feed_limit < 1:
            raise ValueError("chunk and feed_limit must be >= 1, patch_limit >= 0")


@dataclass
class StockContext:
    store: Store
    settings: StockSettings = field(default_factory=StockSettings)
    clock: Callable[[], datetime] = utcnow
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    owner: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def stock_store(self) -> StockStore:
        return StockStore(self.store)


@dataclass
class TargetResult:
    """What one run did for one marketplace account."""

    target: Target
    counts: StepResult = field(default_factory=StepResult)
    sent: list[dict[str, Any]] = field(default_factory=list)  # one row per quantity sent
