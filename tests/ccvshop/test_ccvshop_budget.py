"""Requests per order and per idle cycle at the CCV Shop twin, against CCV's documented limits
(GET 150 and writes 100 per resource per minute). Prints a ``CCV_BUDGET {...}`` JSON line
(``pytest -s``); asserts the loop stays well inside the budget at a one-minute interval."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal

import pytest

from ordersync.connectors.ccvshop.facts import READ_PER_MINUTE, WRITE_PER_MINUTE
from ordersync.sandbox.merchant import CatalogItem
from ordersync.sandbox.stack import SandboxStack
from tests.sync.test_order_loop import cycle

ORDERS = 10
SKUS = ("MUG-350", "PLATE-22")


@pytest.fixture(scope="module")
def stack():
    with SandboxStack(rate_limits=False, marketplaces=("bolcom",),
                      shop_platform="ccvshop") as served:
        yield served


def requests(twin) -> Counter[str]:
    return Counter({k: v for k, v in twin.controls.requests.items()})


def test_requests_per_order_and_per_idle_cycle(stack, store):
    if "postgresql" in str(store.engine.url):
        pytest.skip("the figures do not depend on the store backend (measured on SQLite)")
    shop, ctx = stack.shop, stack.context(store, marketplace="bolcom")
    stack.merchant.stock_catalog(CatalogItem(s, s.title(), Decimal("10"), 500) for s in SKUS)
    for _ in range(ORDERS):
        stack.bolcom.place_order(items=[
            {"ean": "8712345678906", "title": "Mug", "quantity": 1, "unitPrice": 12.5,
             "offerReference": SKUS[0]},
            {"ean": "8712345678913", "title": "Plate", "quantity": 1, "unitPrice": 7.25,
             "offerReference": SKUS[1]}])
    shop.controls.clear()
    counts = cycle(ctx).counts
    assert counts["created"] == ORDERS
    create = requests(shop)
    shop.controls.clear()
    cycle(ctx)
    idle = requests(shop)
    for shop_id in [str(i) for i in sorted(shop.store.orders)]:
        stack.merchant.ship(shop_id, "3SABCD1234567", "PostNL")
    shop.controls.clear()
    shipped_counts = cycle(ctx).counts
    ship = requests(shop)

    writes = sum(v for k, v in create.items() if not k.startswith("GET"))
    reads = sum(v for k, v in create.items() if k.startswith("GET"))
    figures = {
        "orders": ORDERS, "create_cycle": dict(create), "idle_cycle": dict(idle),
        "ship_cycle": dict(ship), "pushed": shipped_counts.get("pushed"),
        "writes_per_order": writes / ORDERS, "reads_per_order": reads / ORDERS,
        "idle_requests": sum(idle.values()),
        "orders_per_minute_at_write_limit": WRITE_PER_MINUTE * ORDERS // max(writes, 1),
        "idle_share_of_read_limit": sum(idle.values()) / READ_PER_MINUTE,
    }
    print("CCV_BUDGET " + json.dumps(figures))
    assert writes == ORDERS  # one POST per order, nothing repeated
    assert reads <= 2 + 1  # the two SKUs looked up once, plus the changes listing
    assert sum(idle.values()) == 1  # one listing page while the shop holds < 100 orders
    assert sum(ship.values()) == 1 and shipped_counts.get("pushed") == ORDERS
