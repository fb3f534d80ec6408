"""WooCommerce as the webshop of the stock sync: the twin takes stock like WooCommerce core
(processing/completed/on-hold once, back on cancelled/pending), so an Amazon order counts
once - as unimported until the loop creates it in WooCommerce, then by WooCommerce's stock."""

from __future__ import annotations

import pytest

from ordersync.sandbox.stack import SandboxStack
from tests.pending.helpers import amazon_context, cycle
from tests.stock.helpers import offered, stock_sync


@pytest.fixture(scope="module")
def woo_stack():
    with SandboxStack(rate_limits=False, marketplaces=("amazon", "bolcom"),
                      shop_platform="woocommerce") as s:
        yield s


@pytest.fixture
def sandbox(woo_stack):
    for twin in (woo_stack.amazon, woo_stack.bolcom, woo_stack.woocommerce):
        twin.reset()
        twin.controls.clear()
    return woo_stack


def woo_stock(sandbox, sku: str) -> int:
    [product] = [p for p in sandbox.woocommerce.store.products.values() if p["sku"] == sku]
    return product["stock_quantity"]


def test_twin_takes_stock_once_and_gives_it_back_on_cancel(sandbox):
    woo = sandbox.woocommerce
    product = woo.add_product("Mug", "MUG", stock=10)
    order = woo.place_order({"status": "processing",
                             "line_items": [{"product_id": product["id"], "quantity": 3}]})
    assert woo_stock(sandbox, "MUG") == 7
    woo.complete(order["id"])
    assert woo_stock(sandbox, "MUG") == 7  # completing does not take it again
    woo.set_status(order["id"], "cancelled")
    assert woo_stock(sandbox, "MUG") == 10
    unmanaged = woo.add_product("Plate", "PLATE")
    woo.place_order({"status": "processing",
                     "line_items": [{"product_id": unmanaged["id"], "quantity": 1}]})
    assert unmanaged["stock_quantity"] is None


def test_amazon_order_counts_once_through_woocommerce(sandbox, store):
    sandbox.woocommerce.add_product("Mug", "MUG", stock=10)
    sandbox.bolcom.add_offer("MUG", offer_id="offer-MUG")
    loop = amazon_context(sandbox, store, "import")
    stock_sync(sandbox, store)
    assert offered(sandbox, "MUG") == (10, 10)

    amazon_id = sandbox.amazon.place_order([{"sku": "MUG", "quantity": 2, "unitPrice": 9}],
                                           pending=True)
    cycle(loop)
    stock_sync(sandbox, store)
    assert offered(sandbox, "MUG") == (8, 8)  # pending: counted by the hub
    assert woo_stock(sandbox, "MUG") == 10

    sandbox.amazon.pay(amazon_id)
    assert cycle(loop)["created"] == 1
    assert woo_stock(sandbox, "MUG") == 8  # WooCommerce took the 2 units
    stock_sync(sandbox, store)
    assert offered(sandbox, "MUG") == (8, 8)  # ... and the hub no longer counts them
