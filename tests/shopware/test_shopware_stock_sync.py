"""Shopware as the webshop of the stock sync: the twin takes stock when the order is written
(6.5+ stock handling) and gives it back on cancel, so an Amazon order counts once - by the
hub until the loop creates it in Shopware, then by Shopware's stock."""

from __future__ import annotations

import pytest

from ordersync.sandbox.shopware.merchant import ShopwareMerchant
from ordersync.sandbox.stack import SandboxStack
from tests.pending.helpers import amazon_context, cycle
from tests.stock.helpers import offered, stock_sync


@pytest.fixture(scope="module")
def sw_stack():
    with SandboxStack(rate_limits=False, marketplaces=("amazon", "bolcom"),
                      shop_platform="shopware") as s:
        yield s


@pytest.fixture
def sandbox(sw_stack):
    for twin in (sw_stack.amazon, sw_stack.bolcom, sw_stack.shopware):
        twin.reset()
        twin.controls.clear()
    return sw_stack


def test_amazon_order_counts_once_through_shopware(sandbox, store):
    merchant = ShopwareMerchant(sandbox.shopware)
    sandbox.shopware.store.add_product("MUG", "Mug", stock=10)
    sandbox.bolcom.add_offer("MUG", offer_id="offer-MUG")
    loop = amazon_context(sandbox, store, "import")
    stock_sync(sandbox, store)
    assert offered(sandbox, "MUG") == (10, 10)

    amazon_id = sandbox.amazon.place_order([{"sku": "MUG", "quantity": 2, "unitPrice": 9}],
                                           pending=True)
    cycle(loop)
    stock_sync(sandbox, store)
    assert offered(sandbox, "MUG") == (8, 8)  # pending: counted by the hub
    assert merchant.stock("MUG") == 10

    sandbox.amazon.pay(amazon_id)
    assert cycle(loop)["created"] == 1
    assert merchant.stock("MUG") == 8  # Shopware took the 2 units
    stock_sync(sandbox, store)
    assert offered(sandbox, "MUG") == (8, 8)  # ... and the hub no longer counts them

    merchant.cancel(merchant.orders_for(f"amazon:{amazon_id}")[0])
    assert merchant.stock("MUG") == 10  # back on cancel
