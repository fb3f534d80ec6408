"""Fulfilment -> bol.com confirmation on the real stack: a local Prefect server, prefect.yaml
deployed with its automations, a process worker, the webhook receiver and the twins.

    ./run bench latency_prefect [--orders 20] [--gap 15] [--interval 3600]
                                [--worker-query-seconds 10] [--no-notifications]
                                [--coalesce-seconds 5]

The orders are placed on bol.com and brought into the shop by one order-sync run started by
hand; then the merchant fulfils them one at a time, ``--gap`` seconds apart, and the time until
bol.com has the shipment is measured. With notifications, every run comes from the
``ordersync-run-on-notification`` automation (the schedule is set to ``--interval``, default
an hour, so the poll does not interfere); without, from the schedule alone (give a short
``--interval``). What the figures include: the twin's webhook delivery, the receiver, the
Prefect event and automation, the worker noticing the run (it polls every
``--worker-query-seconds``, Prefect's default 10), the flow run's process start and the
run itself, and the receiver's coalescing (``--coalesce-seconds``, as ``ordersync webhooks
serve``). Last line: JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ordersync.local import LocalPrefect  # noqa: E402
from ordersync.sandbox.common import ServedApp  # noqa: E402
from ordersync.sandbox.shopify.twin import WEBHOOK_SECRET  # noqa: E402
from ordersync.sandbox.stack import SHOP_TOKEN, SandboxStack  # noqa: E402
from ordersync.sandbox.tracking_codes import GENERATORS  # noqa: E402
from ordersync.webhooks.coalesce import DEFAULT_GAP  # noqa: E402
from ordersync.webhooks.register import register_shopify, shopify_client  # noqa: E402

SCHEDULED = ["order-sync", "order-sync-amazon", "stock-sync", "shop-import"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def wait_for(predicate, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=20)
    parser.add_argument("--gap", type=float, default=15.0)
    parser.add_argument("--interval", type=float, default=3600.0)
    parser.add_argument("--worker-query-seconds", type=float, default=10.0)
    parser.add_argument("--no-notifications", dest="notifications", action="store_false")
    parser.add_argument("--coalesce-seconds", type=float, default=DEFAULT_GAP,
                        help="the receiver's coalescing gap (0: every notice runs)")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="latency-prefect-"))
    os.environ["ORDERSYNC_DATABASE_URL"] = f"sqlite:///{home / 'ordersync.db'}"
    os.environ["PREFECT_WORKER_QUERY_SECONDS"] = str(args.worker_query_seconds)
    server = LocalPrefect(home)
    os.environ["PREFECT_API_URL"] = server.api_url  # before Prefect is imported
    os.environ["PREFECT_HOME"] = str(home / "prefect")
    from prefect.blocks.system import Secret
    from prefect.deployments import run_deployment

    from ordersync.blocks.sandbox import save_sandbox_connection, save_sandbox_shop_import
    from ordersync.webhooks.cli import build_receiver

    stack = SandboxStack(rate_limits=False, marketplaces=("bolcom", "amazon")).start()
    served = None
    try:
        server.start_server()
        save_sandbox_connection("sandbox", stack, marketplace="bolcom", rate_limits=False)
        save_sandbox_connection("sandbox-amazon", stack, marketplace="amazon",
                                rate_limits=False)
        save_sandbox_shop_import("sandbox-shop", stack, rate_limits=False, hub_currency="EUR",
                                 identify_products_by="sku")
        Secret(value=WEBHOOK_SECRET).save("shopify-webhook-sandbox", overwrite=True)
        server.deploy()
        server.set_interval(SCHEDULED, args.interval)
        if args.notifications:
            receiver = build_receiver(args.coalesce_seconds)
            served = ServedApp(receiver.app).start()
            with shopify_client(stack.shopify_url, SHOP_TOKEN) as client:
                register_shopify(client, served.url + "/webhooks/shopify")
        server.start_worker()
        ids = [stack.bolcom.place_order() for _ in range(args.orders)]
        run_deployment("order_sync/order-sync", timeout=0)
        merchant = stack.merchant

        def shop_ids() -> dict[str, str]:
            return {i: found[0] for i in ids if (found := merchant.orders_for(f"bolcom:{i}"))}

        wait_for(lambda: len(shop_ids()) == len(ids), "the orders in the shop", 300)
        in_shop = shop_ids()
        latencies = []
        for n, order_id in enumerate(ids):
            merchant.ship(in_shop[order_id], GENERATORS["postnl"](None), "PostNL")
            start = time.monotonic()
            wait_for(lambda oid=order_id: bool(stack.bolcom.state.shipments.get(oid)),
                     f"order {order_id} confirmed", args.interval + 300)
            latencies.append(time.monotonic() - start)
            print(f"order {n + 1}/{len(ids)}: confirmed on bol.com {latencies[-1]:.1f} s after "
                  "the fulfilment", flush=True)
            time.sleep(max(0.0, args.gap - latencies[-1]))
    finally:
        if served is not None:
            stack.shopify.webhooks.stop()
            served.stop()
            receiver.close()
        server.stop()
        stack.stop()
    result = {"notifications": args.notifications, "orders": len(latencies),
              "coalesce_s": args.coalesce_seconds,
              "interval_s": args.interval, "worker_query_seconds": args.worker_query_seconds,
              "fulfilment_to_marketplace_s": {
                  "p50": round(percentile(latencies, 50), 2),
                  "p95": round(percentile(latencies, 95), 2),
                  "max": round(max(latencies), 2)}}
    figures = result["fulfilment_to_marketplace_s"]
    print(f"fulfilment -> bol.com on the real stack: p50 {figures['p50']} s, "
          f"p95 {figures['p95']} s ({len(latencies)} orders)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
