"""Helpers for the stock tests (import as ``tests.stock.helpers``)."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

from ordersync.sandbox.stack import SandboxStack
from ordersync.stock.steps import StockContext, StockSettings, TargetResult, sync_stock
from ordersync.store import Store

FAST = StockSettings(poll_interval=0.0, export_rounds=3)


@contextmanager
def connectors(sandbox: SandboxStack):
    """Connectors to the served Shopify, Amazon and bol.com twins, closed afterwards."""
    shop, amazon, bol = (sandbox.webshop(), sandbox.marketplace("amazon"),
                         sandbox.marketplace("bolcom"))
    try:
        yield shop, amazon, bol
    finally:
        for conn in (shop, amazon, bol):
            conn.close()


def stock_sync(sandbox: SandboxStack, store: Store, settings: StockSettings = FAST,
               **kw: Any) -> dict[str, TargetResult]:
    """One stock sync of Shopify -> Amazon and bol.com; results by platform."""
    with connectors(sandbox) as (shop, amazon, bol):
        ctx = StockContext(store, settings, sleep=lambda s: None, **kw)
        return {r.target.platform: r for r in sync_stock(ctx, shop, [amazon, bol])}


def shop_product(sandbox: SandboxStack, sku: str, quantity: int) -> None:
    sandbox.shopify.catalog.add_product(sku.title(), [{"sku": sku, "quantity": quantity}])


def offered(sandbox: SandboxStack, sku: str) -> tuple[int | None, int | None]:
    """(Amazon's quantity, bol.com's amount) for a SKU (None: never set)."""
    listing = sandbox.amazon.state.listings.get(sku)
    try:
        bol = sandbox.bolcom.offer_of(sku)["amount"]
    except KeyError:
        bol = None
    return (listing["quantity"] if listing else None), bol
