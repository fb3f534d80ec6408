"""Stock sync from Magento to bol.com and Amazon: an order counts exactly once from import
through creation in Magento to its shipment (salable = source - open orders)."""

from __future__ import annotations

import pytest

from ordersync import order_loop as sync
from ordersync.order_loop import ConnectionSettings
from ordersync.sandbox.magento.merchant import MagentoMerchant
from ordersync.sandbox.stack import SandboxStack
from tests.stock.helpers import connectors, offered, stock_sync


@pytest.fixture(scope="module")
def stack():
    with SandboxStack(rate_limits=False, marketplaces=("bolcom", "amazon"),
                      shop_platform="magento") as served:
        yield served


@pytest.fixture
def sandbox(stack):
    for twin in (stack.bolcom, stack.amazon, stack.magento):
        twin.reset()
        twin.controls.clear()
    stack.magento.add_product("MUG", "Mug", stock=10)
    stack.bolcom.add_offer("MUG", amount=0, offer_id="offer-MUG")
    return stack


def test_an_order_counts_once_from_import_to_shipment(sandbox, store):
    bol_id = sandbox.bolcom.place_order(items=[
        {"ean": "8712345678906", "title": "Mug", "quantity": 2, "unitPrice": 5,
         "offerReference": "MUG", "offerId": "offer-MUG"}])
    stock_sync(sandbox, store)
    assert offered(sandbox, "MUG") == (10, 10)
    with connectors(sandbox) as (shop, _, bol):
        ctx = sync.SyncContext(store=store, marketplace=bol, webshop=shop,
                               settings=ConnectionSettings(name="bol"))
        sync.import_orders(ctx)  # in the hub only
        stock_sync(sandbox, store)
        assert offered(sandbox, "MUG") == (8, 8)
        sync.create_in_webshop(ctx)  # in Magento now, which reserved nothing
    assert sandbox.magento.store.source_items[("MUG", "default")]["quantity"] == 10
    assert MagentoMerchant(sandbox.magento).stock("MUG") == 8  # the open order holds 2
    results = stock_sync(sandbox, store)
    assert results["bolcom"].counts.counts["changes"] == 0 and offered(sandbox, "MUG") == (8, 8)
    shop_id = store.find("bolcom", "sandbox", bol_id).webshop_order_id
    MagentoMerchant(sandbox.magento).ship(shop_id, "3SABCD1234567", "PostNL")
    assert sandbox.magento.store.source_items[("MUG", "default")]["quantity"] == 8  # shipped
    assert MagentoMerchant(sandbox.magento).stock("MUG") == 8
    results = stock_sync(sandbox, store)
    assert results["bolcom"].counts.counts["changes"] == 0 and offered(sandbox, "MUG") == (8, 8)
