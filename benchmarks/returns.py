"""N returned bol.com orders through the returns step against the served twins (Shopify,
rate limits off, the connection's ``returns`` setting as given).

    ./run bench returns [--returns 200] [--mode refund] [--database-url URL]

Set-up (orders through the loop, shipped, returned by their buyers) is not timed; the
returns step is, and then a second, idle run of it (what every 5-minute cycle costs once the
returns are done). Last line: JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ordersync import order_loop  # noqa: E402
from ordersync.order_loop.returns import sync_returns  # noqa: E402
from ordersync.sandbox.stack import SandboxStack  # noqa: E402
from ordersync.store import Store  # noqa: E402


def requests(stack: SandboxStack) -> int:
    return (stack.bolcom.controls.stats()["requests"]
            + stack.shopify.controls.stats()["requests"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--returns", type=int, default=200)
    parser.add_argument("--mode", choices=["register", "restock", "refund"], default="refund")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    with SandboxStack(rate_limits=False) as stack:
        store = Store(url)
        settings = order_loop.ConnectionSettings(name="bench", process_poll_interval=0.05,
                                           returns=args.mode, batch_size=1000)
        ctx = stack.context(store, settings)
        ids = [stack.bolcom.place_order() for _ in range(args.returns)]
        order_loop.import_orders(ctx)
        order_loop.create_in_webshop(ctx)
        for order in stack.shopify.all_orders():
            stack.shopify.complete(order["id"], "3SABCD1234567", None)
        for step in (order_loop.detect_webshop_changes, order_loop.push_to_marketplace):
            step(ctx)
        for order_id in ids:
            stack.bolcom.create_return(order_id)
        before, start = requests(stack), time.perf_counter()
        counts = sync_returns(ctx).counts
        seconds = time.perf_counter() - start
        used = requests(stack) - before
        idle_before, start = requests(stack), time.perf_counter()
        sync_returns(ctx)
        idle_seconds = time.perf_counter() - start
        idle = requests(stack) - idle_before
        store.dispose()
    figures = {
        "returns": args.returns, "mode": args.mode, "seconds": round(seconds, 2),
        "returns_per_second": round(args.returns / seconds, 1),
        "requests_per_return": round(used / args.returns, 2),
        "idle_run_seconds": round(idle_seconds, 3), "idle_run_requests": idle,
        "counts": counts,
    }
    print(f"{args.returns} returns ({args.mode}) in {seconds:.2f}s: "
          f"{figures['returns_per_second']}/s, {figures['requests_per_return']} requests each; "
          f"an idle run afterwards: {idle} requests, {idle_seconds:.3f}s")
    print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()
