"""Issue 4's "done when", as one scenario per pending-order mode: Amazon and bol.com connected to
one Shopify shop; a pending Amazon order of 2 units lowers bol.com's quantity by 2 in import
mode and only Amazon's in reservation mode; once paid it reaches Shopify with its address;
a fraud-cancelled one gives its 2 units back on every marketplace."""

from __future__ import annotations

import pytest

from ordersync.orders import OrderStatus
from tests.pending.helpers import amazon_context, cycle, shop_orders
from tests.stock.helpers import offered, shop_product, stock_sync


@pytest.mark.parametrize("mode", ["import", "reserve"])
def test_pending_amazon_orders_and_stock_on_every_marketplace(sandbox, store, mode):
    shop_product(sandbox, "MUG", 10)
    sandbox.bolcom.add_offer("MUG", offer_id="offer-MUG")
    amazon_loop = amazon_context(sandbox, store, mode)
    stock_sync(sandbox, store)
    assert offered(sandbox, "MUG") == (10, 10)

    paid_later = sandbox.amazon.place_order([{"sku": "MUG", "quantity": 2, "unitPrice": 9}],
                                            pending=True)
    cycle(amazon_loop)
    stock_sync(sandbox, store)
    if mode == "import":
        assert offered(sandbox, "MUG") == (8, 8)  # (Amazon, bol.com): lower everywhere
        assert store.find("amazon", "sandbox", paid_later).status == OrderStatus.PENDING
    else:
        assert offered(sandbox, "MUG") == (8, 10)  # only Amazon's quantity is reserved
        assert store.find("amazon", "sandbox", paid_later) is None
    assert shop_orders(sandbox, paid_later) == []

    sandbox.amazon.pay(paid_later)
    counts = cycle(amazon_loop)
    assert counts["created"] == 1
    [shop_order] = shop_orders(sandbox, paid_later)
    assert shop_order["shipping_address"]["city"] == "Utrecht"
    assert shop_order["shipping_address"]["address1"] == "Kerkstraat 12 A"
    assert sandbox.shopify.catalog.stock_of("MUG") == 8  # Shopify took the 2 units
    stock_sync(sandbox, store)
    assert offered(sandbox, "MUG") == (8, 8)  # counted once: by the webshop now

    cancelled = sandbox.amazon.place_order([{"sku": "MUG", "quantity": 2}], pending=True)
    cycle(amazon_loop)
    stock_sync(sandbox, store)
    assert offered(sandbox, "MUG") == ((6, 6) if mode == "import" else (6, 8))
    sandbox.amazon.fraud_cancel(cancelled)
    cycle(amazon_loop)
    stock_sync(sandbox, store)
    assert offered(sandbox, "MUG") == (8, 8)  # the 2 units are back on every marketplace
    assert shop_orders(sandbox, cancelled) == []
    if mode == "import":
        assert store.find("amazon", "sandbox", cancelled).status == OrderStatus.CANCELLED
