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

from collections.abc import Collection
from typing import Any

from ordersync.stock import HubQuantities, StockSource, WebshopStock, plan, quantities
from ordersync.stock.context import StockContext, StockSettings, TargetResult
from ordersync.stock.writers import writer_for

__all__ = ["StockContext", "StockSettings", "TargetResult", "read_inputs", "sync_stock",
           "sync_target"]


def read_inputs(ctx: StockContext, webshop: StockSource,
                accounts: Collection[tuple[str, str]]) -> tuple[WebshopStock, HubQuantities]:
    """The hub's open quantities of these marketplace accounts, then the webshop's stock
    (in that order: see the module docstring)."""
    hub = ctx.stock_store.hub_quantities(accounts)
    return webshop.read_stock(), hub


def sync_target(ctx: StockContext, connector: Any, stock: WebshopStock,
                hub: HubQuantities) -> TargetResult:
    """Bring one marketplace account's quantities in line with ``stock`` and ``hub``."""
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
