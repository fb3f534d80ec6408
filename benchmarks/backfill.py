"""Backfill of N orders from the Shopify twin over real HTTP with its rate limit ON.

    ./run bench backfill [--orders 50000] [--products 200] [--database-url URL]

Seeds N shopper orders (any status, the last two months) into the served Shopify twin, then
runs the backfill through the same code the ``backfill`` flow's tasks run
(``shop_sync.start_backfill`` + ``backfill_pages``: the one import path, one transaction per
page with the cursor), without a Prefect server. The twin enforces Shopify's REST leaky bucket
(40 requests, 2/s); the connector's limiter keeps under it.

Prints per-checkpoint memory (RSS and tracemalloc: the peak within each stretch of pages, so
a flat line means memory does not grow with the number of orders) and, as the last line, JSON:
seconds, orders_per_second, requests made, the minimum the page size allows
(ceil(orders / 250) order pages + ceil(new products / 250) product lookups + the shop's
currency), peak memory. Product lookups are made per page for the products the catalog does
not know yet (up to 250 ids each), so when new products keep appearing over the first pages
there is one lookup per such page: streaming cannot know them all before the first page.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ordersync.connectors.shopify import ShopifyConnector  # noqa: E402
from ordersync.sandbox.common import ServedApp  # noqa: E402
from ordersync.sandbox.shopify import ShopifyTwin  # noqa: E402
from ordersync.shop_import.steps import (  # noqa: E402
    ShopImportContext,
    ShopImportSettings,
    backfill_pages,
    start_backfill,
    summary,
)
from ordersync.store import Store  # noqa: E402

SHOP, TOKEN = "bench", "shpat_bench"
PAGE = 250  # Shopify's maximum page size
MB = 1024 * 1024


def rss_mb() -> float:
    """Current resident set size (Linux /proc; falls back to the peak elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / MB
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=50_000)
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--pages-per-task", type=int, default=10,
                        help="pages per backfill_pages call (a Prefect task run in the flow)")
    parser.add_argument("--checkpoints", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--no-tracemalloc", action="store_true",
                        help="RSS only (tracemalloc slows Python down)")
    args = parser.parse_args()

    now = datetime.now(UTC).replace(microsecond=0)
    since = now - timedelta(days=60)
    twin = ShopifyTwin(SHOP, (TOKEN,), rate_limits=True)
    started = time.perf_counter()
    twin.seed_orders(args.orders, since=since + timedelta(hours=1),
                     until=now - timedelta(minutes=5), products=args.products)
    seeded = time.perf_counter() - started
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='bench-backfill-')}/hub.db"
    store = Store(url)

    with ServedApp(twin.app) as served:
        source = ShopifyConnector(shop=SHOP, access_token=TOKEN, base_url=served.url,
                                  rate_limits=True)
        ctx = ShopImportContext(store=store, source=source, settings=ShopImportSettings(
            name="bench", hub_currency="EUR", pages_per_task=args.pages_per_task))
        twin.controls.clear()
        if not args.no_tracemalloc:
            tracemalloc.start()
        marks = sorted({math.ceil(args.orders * k / args.checkpoints / PAGE)
                        for k in range(1, args.checkpoints + 1)})
        rows: list[dict[str, float]] = []
        seen = {"orders": 0, "peak": 0.0, "page_peak": 0.0}

        def on_page(state, page, counts) -> None:
            seen["orders"] += len(page.orders) + len(page.rejected)
            if tracemalloc.is_tracing():
                peak = tracemalloc.get_traced_memory()[1] / MB
                seen["page_peak"] = max(seen["page_peak"], peak)
                tracemalloc.reset_peak()
            if state.pages in marks or state.done:
                rows.append({"pages": state.pages, "orders": seen["orders"],
                             "rss_mb": round(rss_mb(), 1),
                             "traced_peak_mb": round(seen["page_peak"], 1)})
                seen["peak"] = max(seen["peak"], seen["page_peak"])
                seen["page_peak"] = 0.0

        t0 = time.perf_counter()
        state = start_backfill(ctx)
        while not state.done:
            state = backfill_pages(ctx, state, args.pages_per_task, on_page)
        seconds = time.perf_counter() - t0
        source.close()
        stats = twin.controls.stats()
    tracemalloc.stop()

    figures = summary(state.counts)
    by_path = stats["by_path"]
    order_requests = sum(n for p, n in by_path.items() if "orders" in p)
    product_requests = sum(n for p, n in by_path.items() if "products" in p)
    created = figures["products"]["created"]  # type: ignore[index]
    # + 1: GET shop.json, the currency rule's check before anything is imported
    minimum = math.ceil(args.orders / PAGE) + math.ceil(created / PAGE) + 1
    print(f"seeded {args.orders} orders over {args.products} products in {seeded:.2f} s")
    print(f"backfill: {state.pages} pages in {seconds:.1f} s "
          f"({args.orders / seconds:.0f} orders/s read, "
          f"{figures['imported'] / seconds:.0f} imported/s)")
    print(f"imported {figures['imported']}, skipped {figures['skipped']}, "
          f"rejected {figures['rejected']}")
    print(f"products {figures['products']}, customers {figures['customers']}")
    print(f"requests: {stats['requests']} ({order_requests} order pages, {product_requests} "
          f"product lookups, {stats['requests'] - order_requests - product_requests} shop.json); "
          f"minimum {minimum}; 429s from the twin: {stats['throttled']}")
    print(f"{'orders':>8} {'pages':>6} {'RSS MB':>8} {'traced peak MB':>15}")
    for row in rows:
        print(f"{row['orders']:>8} {row['pages']:>6} {row['rss_mb']:>8} "
              f"{row['traced_peak_mb']:>15}")
    first, last = rows[0], rows[-1]
    print(json.dumps({
        "orders": args.orders, "imported": figures["imported"], "seconds": round(seconds, 2),
        "orders_per_second": round(args.orders / seconds, 1), "requests": stats["requests"],
        "min_requests": minimum, "order_pages": order_requests,
        "product_lookups": product_requests, "throttled": stats["throttled"],
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rss_mb_first_checkpoint": first["rss_mb"], "rss_mb_last_checkpoint": last["rss_mb"],
        "traced_peak_mb_first_checkpoint": first["traced_peak_mb"],
        "traced_peak_mb_last_checkpoint": last["traced_peak_mb"],
        "checkpoint_orders": [first["orders"], last["orders"]],
    }))


if __name__ == "__main__":
    main()
