"""Requests each registry webshop's connector sends per order and per poll, counted by its
twin (real HTTP to the served twin, rate limits off so only the counts matter).

Run: ./run bench webshop_requests [ORDERS]   (default 20)
Per webshop: requests to create one order, to look one up after an uncertain create, to poll
the changed orders (all ORDERS changed), to read one order, to cancel one, and to
read the stock of the catalogue. The last line is JSON.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from ordersync.orders import Address, MarketplaceOrder, OrderLine
from ordersync.sandbox.common import ServedApp
from ordersync.sandbox.merchant import CatalogItem
from ordersync.sandbox.webshops import WEBSHOPS

CATALOG = (CatalogItem("BENCH-MUG", "Mug", Decimal("12.50"), 10_000),
           CatalogItem("BENCH-PLATE", "Plate", Decimal("7.25"), 10_000))


def order(n: int) -> MarketplaceOrder:
    """A two-line bol.com order of the catalogue."""
    return MarketplaceOrder(
        platform="bolcom", account="bench", external_id=f"B{n:07d}",
        placed_at=datetime.now(UTC), currency="EUR",
        lines=tuple(OrderLine(f"B{n:07d}-{i}", 1, c.price, sku=c.sku, title=c.title)
                    for i, c in enumerate(CATALOG)),
        shipping_address=Address(first_name="A", last_name="B", street="Kerkstraat",
                                 house_number="1", postal_code="1017 GA", city="Amsterdam",
                                 country="NL", email="a@example.nl"))


def measure(platform: str, orders: int) -> dict[str, float]:
    row = WEBSHOPS[platform]
    twin = row.twin(False)
    with ServedApp(twin.app) as app:
        merchant = row.merchant(twin)
        merchant.stock_catalog(CATALOG)
        connector = row.connector(app.url, False)
        start = datetime.now(UTC) - timedelta(seconds=2)

        def count(action) -> int:
            before = sum(twin.controls.requests.values())
            action()
            return sum(twin.controls.requests.values()) - before

        made = [order(n) for n in range(orders)]
        ids: list[str] = []
        create = count(lambda: ids.extend(connector.create_order(o) for o in made)) / orders
        find = count(lambda: connector.find_order(made[0], start))
        pages: list[int] = []
        poll = count(lambda: pages.extend(len(p) for p in connector.changed_orders(start)))
        read = count(lambda: connector.get_order(ids[0]))
        cancel = count(lambda: connector.cancel_order(ids[0]))
        stock = count(lambda: connector.read_stock())  # type: ignore[attr-defined]
        connector.close()
    return {"create": create, "find_after_uncertain_create": find,
            "poll_changed": poll, "poll_pages": len(pages), "get_order": read,
            "cancel": cancel, "read_stock": stock}


def main(orders: int) -> None:
    figures = {name: measure(name, orders) for name in WEBSHOPS}
    for name, row in figures.items():
        print(f"{name:12} " + "  ".join(f"{k}={v:g}" for k, v in row.items()))
    print(json.dumps({"orders": orders, "webshops": figures}, sort_keys=True))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
