"""Stock sync as plain Python (no Prefect): read what the hub knows, then the webshop's stock,
compute what every marketplace should offer, and send only what changed, recorded first.

Read order matters: the hub's open quantities are read *before* the webshop's stock. An order
created in the webshop in between is then counted twice (still open in the hub, already off
the webshop's stock), never zero times: the error falls on the safe side, and the next run
corrects it.

Per target (marketplace account) a run holds a lease, so overlapping runs never send the same
thing twice; it first follows up what earlier runs submitted, then settles what a crashed run
left unsure (``recover``), then sends the changes and polls their outcome a few times.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ordersync.stock import HubQuantities, StockSource, Target, WebshopStock, plan, quantities
from ordersync.store import Store
from ordersync.store.stock import StockStore
from ordersync.sync.context import utcnow
from ordersync.sync.steps import StepResult


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


def read_inputs(ctx: StockContext, webshop: StockSource,
                accounts: Collection[tuple[str, str]]) -> tuple[WebshopStock, HubQuantities]:
    """The hub's open quantities of these marketplace accounts, then the webshop's stock
    (in that order: see the module docstring)."""
    hub = ctx.stock_store.hub_quantities(accounts)
    return webshop.read_stock(), hub


def sync_target(ctx: StockContext, connector: Any, stock: WebshopStock,
                hub: HubQuantities) -> TargetResult:
    """Bring one marketplace account's quantities in line with ``stock`` and ``hub``."""
    from ordersync.sync.stock_writers import writer_for

    writer = writer_for(ctx, connector)
    target, store, settings = writer.target, ctx.stock_store, ctx.settings
    if not store.claim_target(target, ctx.owner, ctx.clock(), settings.lease):
        writer.result.counts.add("busy")
        return writer.result
    try:
        writer.poll(rounds=0)  # what earlier runs submitted
        writer.recover()  # what a crashed run left unsure
        listed = writer.listed()
        wanted = quantities(stock, hub, target, cap=writer.cap)
        changes = plan(target, wanted, store.last_sent(target), listed=listed)
        counts = writer.result.counts
        counts.add("skus", len(wanted))
        counts.add("unchanged", changes.unchanged)
        counts.add("unmapped", len(changes.unmapped))
        counts.add("changes", len(changes))
        if changes.changes:
            writer.send(changes, deadline=ctx.monotonic() + settings.budget.total_seconds())
        writer.poll(rounds=settings.poll_rounds)
        store.close_batches(target, ctx.clock())
    finally:
        store.release_target(target, ctx.owner, ctx.clock())
    return writer.result


def sync_stock(ctx: StockContext, webshop: StockSource,
               marketplaces: Collection[Any]) -> list[TargetResult]:
    """One stock sync over every marketplace connector that sells from ``webshop``."""
    accounts = [(m.platform, m.account) for m in marketplaces]
    if len(set(accounts)) != len(accounts):
        raise ValueError(f"a marketplace account is listed twice: {accounts}")
    stock, hub = read_inputs(ctx, webshop, accounts)
    return [sync_target(ctx, m, stock, hub) for m in marketplaces]
