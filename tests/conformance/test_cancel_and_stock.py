"""Cancellation both ways, and the webshop's stock per SKU."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ordersync.connectors.capabilities import StockReader, require


def test_the_hub_cancels_an_order_and_may_repeat_it(kit):
    _, shop_id = kit.create()
    kit.connector.cancel_order(shop_id)
    kit.connector.cancel_order(shop_id)  # a retried cancellation is harmless
    state = kit.connector.get_order(shop_id)
    assert state.cancelled and not state.completed
    assert "cancel" in kit.merchant.order_state(shop_id)


def test_the_merchant_cancels_and_the_poll_sees_it(kit):
    start = datetime.now(UTC) - timedelta(seconds=2)
    _, shop_id = kit.create()
    kit.merchant.cancel(shop_id)
    states = {s.webshop_id: s for page in kit.connector.changed_orders(start) for s in page}
    assert states[shop_id].cancelled and not states[shop_id].completed


def test_stock_per_sku_as_the_merchant_sees_it(kit):
    reader = require(kit.connector, StockReader, "the stock sync")
    kit.create(kit.order((("KIT-MUG", 3),)))
    stock = reader.read_stock()
    for sku in ("KIT-MUG", "KIT-PLATE", "KIT-BOWL"):
        assert stock.quantities[sku] == kit.merchant.stock(sku)
    assert stock.quantities["KIT-MUG"] == 40 - 3
