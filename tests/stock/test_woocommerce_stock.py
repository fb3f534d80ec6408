"""WooCommerce stock read for the stock sync, against the served twin (pages of 100)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ordersync.connectors.woocommerce import WooCommerceConnector
from ordersync.sandbox.common import ServedApp
from ordersync.sandbox.woocommerce import WooCommerceTwin


@pytest.fixture(scope="module")
def twin() -> WooCommerceTwin:
    return WooCommerceTwin({"ck_stock": "cs_stock"})


@pytest.fixture(scope="module")
def served(twin: WooCommerceTwin) -> Iterator[ServedApp]:
    with ServedApp(twin.app) as app:
        yield app


@pytest.fixture
def connector(served: ServedApp, twin: WooCommerceTwin) -> Iterator[WooCommerceConnector]:
    twin.reset()
    conn = WooCommerceConnector(url=served.url, consumer_key="ck_stock",
                                consumer_secret="cs_stock")
    yield conn
    conn.close()


def test_managed_products_give_their_stock_in_pages_of_100(twin, connector):
    for n in range(150):
        twin.store.create_product({"name": f"P{n}", "sku": f"SKU-{n:03d}",
                                   "manage_stock": True, "stock_quantity": n % 7})
    twin.store.create_product({"name": "Free", "sku": "FREE"})  # stock not managed
    twin.store.create_product({"name": "Twin", "sku": "SKU-001", "manage_stock": True,
                               "stock_quantity": 99})
    twin.store.create_product({"name": "No SKU", "manage_stock": True, "stock_quantity": 3})
    stock = connector.read_stock()
    assert len(stock.quantities) == 150 and stock.quantities["SKU-010"] == 3
    assert stock.quantities["SKU-001"] == 1  # the first product with a SKU counts
    assert stock.untracked == {"FREE"} and stock.duplicates == {"SKU-001"}
    assert connector.client.requests_made == 2
