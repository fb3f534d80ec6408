"""Requests the order loop and stock sync send to Magento, counted at the twin, for N
bol.com orders: the cycle that creates them, the cycle that reads them shipped (half in two
parcels with two codes, half in one), an idle cycle, and one stock read.

    ./run bench magento_requests [--orders 300]

Magento has no REST rate limit (see README), so the figures are the cost per order and per
cycle, not a wait. Last line: JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ordersync import order_loop  # noqa: E402
from ordersync.sandbox.magento.merchant import MagentoMerchant  # noqa: E402
from ordersync.sandbox.stack import SandboxStack  # noqa: E402
from ordersync.store import Store  # noqa: E402

SKUS = ("MUG-350", "PLATE-22")


def cycle(ctx) -> None:
    for step in (order_loop.import_orders, order_loop.create_in_webshop,
                 order_loop.detect_webshop_changes, order_loop.sweep_waiting,
                 order_loop.push_to_marketplace):
        step(ctx)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=300)
    args = parser.parse_args()
    url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    with SandboxStack(rate_limits=False, shop_platform="magento") as stack:
        store, counts = Store(url), stack.magento.controls.requests
        for sku in SKUS:
            stack.magento.add_product(sku, sku.title(), stock=10 * args.orders)
        ctx = stack.context(store)
        cycle(ctx)
        figures: dict[str, int] = {}

        def measured(name: str, run) -> None:
            counts.clear()
            run()
            figures[name] = sum(counts.values())

        measured("idle_cycle", lambda: cycle(ctx))
        ids = [stack.bolcom.place_order(items=[
            {"ean": "8712345678906", "title": "Mug", "quantity": 2, "unitPrice": 12.5,
             "offerReference": SKUS[0]},
            {"ean": "8712345678913", "title": "Plate", "quantity": 1, "unitPrice": 7.25,
             "offerReference": SKUS[1]}]) for _ in range(args.orders)]
        measured("create_cycle", lambda: cycle(ctx))
        merchant = MagentoMerchant(stack.magento)
        for n, bol_id in enumerate(ids):
            [shop_id] = merchant.orders_for(f"bolcom:{bol_id}")
            if n % 2:
                merchant.ship(shop_id, f"3SABCD{n:07d}", "PostNL")
            else:
                order = stack.magento.store.order(int(shop_id))
                first, second = (str(i["ext_order_item_id"]) for i in order["items"])
                merchant.ship(shop_id, f"3SABCD{n:07d}", "PostNL", lines={first: 2})
                merchant.ship(shop_id, f"1Z999AA1{n:010d}", "UPS", lines={second: 1})
        measured("busy_cycle", lambda: cycle(ctx))
        measured("idle_cycle_after", lambda: cycle(ctx))
        shop = stack.webshop()
        measured("stock_read", shop.read_stock)
        shop.close()
        statuses = store.count_by_status()
        store.dispose()
    assert statuses == {"shipped": args.orders}, statuses
    result = {"orders": args.orders, **figures,
              "create_requests_per_order": round(figures["create_cycle"] / args.orders, 2),
              "busy_requests_per_order": round(figures["busy_cycle"] / args.orders, 3)}
    print(f"{args.orders} bol.com orders into Magento: " + ", ".join(
        f"{k} {v}" for k, v in figures.items()) + " requests")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
