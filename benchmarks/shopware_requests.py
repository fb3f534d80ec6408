"""Requests the hub sends to Shopware, counted at the twin: per order created, per idle and
busy cycle, per stock read - against Shopware's documented limits (no Admin API limit; the
``oauth`` limiter 10/10 s, 15/30 s, 20/60 s on token requests).

    ./run bench shopware_requests [--orders 200] [--skus 500]

bol.com orders go through the whole loop; Shopware's limits are on (the connector's polite
limiter and the twin's oauth limiter), bol.com's are off (they would only make it slow).
Last line: JSON.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections import Counter
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ordersync import order_loop  # noqa: E402
from ordersync.sandbox.merchant import CatalogItem  # noqa: E402
from ordersync.sandbox.shopware.merchant import ShopwareMerchant  # noqa: E402
from ordersync.sandbox.stack import SandboxStack  # noqa: E402
from ordersync.store import Store  # noqa: E402

STEPS = (order_loop.import_orders, order_loop.create_in_webshop, order_loop.detect_webshop_changes,
         order_loop.sweep_waiting, order_loop.push_to_marketplace)


def taken(stack: SandboxStack) -> Counter[str]:
    """Shopware requests by route (ids folded), then cleared."""
    counts: Counter[str] = Counter()
    for route, n in stack.shopware.controls.requests.items():
        counts[re.sub(r"/[0-9a-f]{32}", "/{id}", route)] += n
    stack.shopware.controls.requests.clear()
    return counts


def cycle(ctx) -> dict[str, int]:
    result = order_loop.StepResult()
    for step in STEPS:
        result.merge(step(ctx))
    return dict(result.counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--skus", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, SandboxStack(
            rate_limits=False, shop_platform="shopware") as stack:
        stack.shopware.controls.rate_limits = True
        store = Store(f"sqlite:///{tmp}/bench.db")
        merchant = ShopwareMerchant(stack.shopware)
        merchant.stock_catalog([CatalogItem("MUG-350", "Mug", Decimal("12.50"), 10**6)])
        merchant.stock_catalog(CatalogItem(f"SKU-{n:05}", f"Item {n}", Decimal("5"), 10)
                               for n in range(args.skus))
        ctx = order_loop.SyncContext(store=store, marketplace=stack.marketplace(),
                               webshop=stack.webshop(rate_limits=True),
                               settings=order_loop.ConnectionSettings(name="bench",
                                                                process_poll_interval=0.01))
        figures: dict[str, object] = {"orders": args.orders, "skus": args.skus + 1}
        cycle(ctx)
        figures["first_idle_cycle"] = dict(taken(stack))  # token + shop context read once
        cycle(ctx)
        idle = taken(stack)
        figures["idle_cycle"] = sum(idle.values())
        ids = [stack.bolcom.place_order(items=[{
            "ean": "8712345678906", "title": "Mug", "quantity": 1, "unitPrice": 12.5,
            "offerReference": "MUG-350"}]) for _ in range(args.orders)]
        counts = cycle(ctx)
        busy = taken(stack)
        figures["create_cycle"] = {"counts": counts, "requests": dict(busy)}
        figures["requests_per_created_order"] = round(sum(busy.values()) / args.orders, 3)
        for bol_id in ids:
            shop_id = merchant.orders_for(f"bolcom:{bol_id}")[0]
            merchant.ship(shop_id, "3SABCD1234567", "PostNL")
        counts = cycle(ctx)
        shipped = taken(stack)
        figures["ship_cycle"] = {"counts": counts, "requests": dict(shipped)}
        figures["requests_per_shipped_order"] = round(sum(shipped.values()) / args.orders, 3)
        connector = stack.webshop(rate_limits=True)
        stock = connector.read_stock()
        figures["stock_read"] = {"skus": len(stock.quantities),
                                 "requests": sum(taken(stack).values())}
        connector.close()
        stats = stack.shopware.controls.stats()
        figures["throttled_429"] = stats["throttled"]
        figures["tokens_issued"] = stack.shopware.tokens_issued
        figures["documented_limit"] = ("Admin API: none by default; oauth limiter "
                                       "10/10s, 15/30s, 20/60s (time_backoff)")
    for key, value in figures.items():
        print(f"{key}: {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
