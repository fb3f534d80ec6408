"""A full stock sync of N SKUs from Shopify to Amazon and bol.com, against the twins served over
real HTTP with their rate limits ON, through the same code the stock_sync flow runs.

    ./run bench stock_sync [--skus 10000] [--bol-offers 100] [--database-url URL]

Amazon gets every SKU (one JSON_LISTINGS_FEED); bol.com the first ``--bol-offers`` SKUs (one
stock PUT per offer: bol.com's offer rate is low, so all 10,000 would take hours - the
projected time for all of them is printed). A second run follows, which finds nothing
changed. Figures per platform: requests, 429s received, and the minimum time the documented
rates (``connectors/*/limits.py``, Shopify's leaky bucket) allow for the requests made.
Last line: JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ordersync.connectors.amazon.limits import RATE_LIMITS as AMAZON_RATES  # noqa: E402
from ordersync.connectors.amazon.limits import operation_of  # noqa: E402
from ordersync.connectors.bolcom.limits import group_of, rate_of  # noqa: E402
from ordersync.connectors.shopify.connector import BUCKET_SIZE, LEAK_RATE  # noqa: E402
from ordersync.sandbox.stack import SandboxStack  # noqa: E402
from ordersync.stock.steps import (  # noqa: E402
    StockContext,
    StockSettings,
    read_inputs,
    sync_target,
)
from ordersync.store import Store  # noqa: E402

PLATFORMS = ("shopify", "amazon", "bolcom")
VERSIONED = {"/feeds/{id}/": "/feeds/2021-06-30/", "/listings/{id}/": "/listings/2021-08-01/"}


def bucket_seconds(requests: int, rate: float, burst: int) -> float:
    """The least time ``requests`` take through a token bucket that starts full."""
    return max(0.0, (requests - burst) / rate)


def by_rate_bucket(platform: str, by_path: dict[str, int]) -> dict[str, int]:
    """Requests per rate bucket (Amazon operation, bol.com endpoint group, Shopify shop)."""
    counts: Counter[str] = Counter()
    for template, n in by_path.items():
        method, _, path = template.partition(" ")
        for template_prefix, real in VERSIONED.items():  # stats template the dates too
            if path.startswith(template_prefix):
                path = real + path[len(template_prefix):]
        if platform == "amazon":
            key = operation_of(method, path) or "unrated"  # token, feed document transfers
        elif platform == "bolcom":
            key = group_of(method, path)
        else:
            key = "rest"
        counts[key] += n
    return dict(counts)


def minimum_seconds(platform: str, buckets: dict[str, int]) -> float:
    """The documented rates' lower bound: the slowest bucket (buckets refill in parallel)."""
    worst = 0.0
    for key, n in buckets.items():
        if platform == "amazon" and key in AMAZON_RATES:
            rate, burst = AMAZON_RATES[key]
        elif platform == "bolcom" and key not in ("other",):
            rate, burst = rate_of(key)
        elif platform == "shopify":
            rate, burst = LEAK_RATE, BUCKET_SIZE
        else:
            continue
        worst = max(worst, bucket_seconds(n, rate, burst))
    return worst


def snapshot(stack: SandboxStack) -> dict[str, dict]:
    return {p: getattr(stack, p).controls.stats() for p in PLATFORMS}


def delta(before: dict[str, dict], after: dict[str, dict]) -> dict[str, dict]:
    out = {}
    for platform in PLATFORMS:
        paths = Counter(after[platform]["by_path"])
        paths.subtract(before[platform]["by_path"])
        out[platform] = {"requests": after[platform]["requests"] - before[platform]["requests"],
                         "throttled": after[platform]["throttled"]
                         - before[platform]["throttled"],
                         "by_path": {k: v for k, v in paths.items() if v}}
    return out


def run(stack: SandboxStack, store: Store, settings: StockSettings) -> dict:
    shop = stack.webshop()
    markets = [stack.marketplace("amazon"), stack.marketplace("bolcom")]
    ctx = StockContext(store, settings)
    phases, counts = {}, {}
    before = snapshot(stack)
    start = time.perf_counter()
    stock, hub = read_inputs(ctx, shop, [(m.platform, m.account) for m in markets])
    phases["read"] = time.perf_counter() - start
    for market in markets:
        t = time.perf_counter()
        result = sync_target(ctx, market, stock, hub)
        phases[market.platform] = time.perf_counter() - t
        counts[market.platform] = {k: v for k, v in result.counts.counts.items() if v}
    seconds = time.perf_counter() - start
    received = {c.platform: c.client.rate_limited for c in (shop, *markets)}
    for conn in (shop, *markets):
        conn.close()
    served = delta(before, snapshot(stack))
    figures = {}
    for platform in PLATFORMS:
        buckets = by_rate_bucket(platform, served[platform]["by_path"])
        figures[platform] = {
            "requests": served[platform]["requests"],
            "429_received": received[platform],
            "429_sent_by_twin": served[platform]["throttled"],
            "requests_by_rate_bucket": buckets,
            "min_seconds_by_documented_rate": round(minimum_seconds(platform, buckets), 1),
            "by_path": served[platform]["by_path"],
        }
    return {"seconds": round(seconds, 2),
            "phases": {k: round(v, 2) for k, v in phases.items()},
            "counts": counts, "platforms": figures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skus", type=int, default=10_000)
    parser.add_argument("--bol-offers", type=int, default=100,
                        help="how many of the SKUs have a bol.com offer (each costs one "
                             "rate-limited stock PUT)")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    offers = min(args.bol_offers, args.skus)
    bol_rate, bol_burst = rate_of("offers")
    # enough time for bol.com's offer rate, plus the export
    budget = bucket_seconds(offers + 2, bol_rate, bol_burst) + 120
    settings = StockSettings(poll_interval=1.0, budget=timedelta(seconds=budget),
                             export_rounds=10, poll_rounds=10)
    with SandboxStack(rate_limits=True, marketplaces=("amazon", "bolcom")) as stack:
        t = time.perf_counter()
        skus = stack.shopify.catalog.seed(args.skus, quantity=7)
        stack.bolcom.seed_offers(skus[:offers])
        seeding = time.perf_counter() - t
        store = Store(url)
        first = run(stack, store, settings)
        second = run(stack, store, settings)
        amazon_ok = sum(stack.amazon.quantity_of(s) == 7 for s in skus)
        bol_ok = sum(stack.bolcom.offer_of(s)["amount"] == 7 for s in skus[:offers])
        store.dispose()
    assert amazon_ok == args.skus, f"Amazon has {amazon_ok} of {args.skus} quantities"
    assert bol_ok == offers, f"bol.com has {bol_ok} of {offers} amounts"
    all_offers = bucket_seconds(args.skus + 2, bol_rate, bol_burst)
    result = {
        "skus": args.skus,
        "bol_offers": offers,
        "store": url.split(":", 1)[0],
        "seconds": first["seconds"],
        "phases": first["phases"],
        "requests": {p: f["requests"] for p, f in first["platforms"].items()},
        "429_received": {p: f["429_received"] for p, f in first["platforms"].items()},
        "min_seconds_by_documented_rate": {
            p: f["min_seconds_by_documented_rate"] for p, f in first["platforms"].items()},
        "requests_by_rate_bucket": {
            p: f["requests_by_rate_bucket"] for p, f in first["platforms"].items()},
        "bolcom_all_offers_projected_seconds": round(all_offers, 1),
        "amazon_by_patches_projected_seconds": round(
            bucket_seconds(args.skus, *AMAZON_RATES["patchListingsItem"]), 1),
        "counts": first["counts"],
        "second_run": {"seconds": second["seconds"],
                       "requests": {p: f["requests"] for p, f in second["platforms"].items()},
                       "changes": {p: c.get("changes", 0) for p, c in second["counts"].items()}},
        "seeding_seconds": round(seeding, 2),
    }
    print(f"stock sync of {args.skus} SKUs (Amazon all, bol.com {offers} offers) in "
          f"{first['seconds']:.1f}s; requests {result['requests']}; 429s received "
          f"{result['429_received']}; documented rates allow at best "
          f"{result['min_seconds_by_documented_rate']} s")
    print(f"bol.com's offer rate ({bol_burst} per {bol_burst / bol_rate:.0f} s) would take "
          f"{all_offers / 3600:.1f} h for all {args.skus} offers; Amazon by single PATCHes "
          f"{result['amazon_by_patches_projected_seconds'] / 60:.0f} min (so: one feed)")
    print(f"second run (nothing changed): {second['seconds']:.1f}s, requests "
          f"{result['second_run']['requests']}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
