"""The main job on the embedded default: a local Prefect server (SQLite), the sandbox twins,
blocks for a sandbox connection, the deployments of prefect.yaml, a process worker, and demo
traffic (buyers ordering on bol.com, the merchant completing orders in Shopify with and
without track & trace). Ctrl-C stops everything it started.
"""

from __future__ import annotations

import os
import random
import time
from datetime import UTC, datetime
from pathlib import Path

from ordersync.local import LocalPrefect, prefect_env
from ordersync.sandbox.common import free_port
from ordersync.sandbox.stack import SandboxStack
from ordersync.sandbox.tracking_codes import GENERATORS

CONNECTION = "sandbox"
PRODUCTS = [
    ("8712345678906", "Ceramic mug 350 ml", 12.99),
    ("8712345678913", "Enamel plate", 9.5),
    ("8712345678920", "Linen tea towel", 7.25),
    ("8712345678937", "Oak cutting board", 34.0),
    ("8712345678944", "Copper kettle", 59.95),
]


def run_demo(*, port: int | None, interval: float, tracking_wait: float,
             orders_per_minute: float, duration: float | None) -> int:
    home = Path(os.environ.get("ORDERSYNC_HOME") or Path.cwd() / ".ordersync").resolve()
    home.mkdir(parents=True, exist_ok=True)
    prefect = LocalPrefect(home, port or free_port())
    # Before Prefect is imported: this process and every child talk to the local server.
    os.environ.update(prefect_env(home, prefect.port))
    os.environ.setdefault("ORDERSYNC_DATABASE_URL", f"sqlite:///{home / 'ordersync.db'}")
    sandbox = SandboxStack(rate_limits=True)
    rng = random.Random()
    try:
        sandbox.start()
        _say(f"sandbox bol.com at {sandbox.bolcom_url}, Shopify at {sandbox.shopify_url}")
        _say(f"starting Prefect server (state in {home / 'prefect'}) ...")
        prefect.start_server()
        _say(f"Prefect UI: {prefect.ui_url}")
        _save_blocks(sandbox, tracking_wait)
        _say("deploying prefect.yaml (prefect deploy --all) ...")
        prefect.deploy()
        prefect.start_worker()
        _say(f"worker started on pool 'ordersync'; demo sync every {interval:.0f}s, "
             f"tracking wait {tracking_wait:g} min. Ctrl-C stops everything.")
        _traffic(sandbox, interval, orders_per_minute, duration, rng)
    except KeyboardInterrupt:
        _say("stopping ...")
    finally:
        prefect.stop()
        sandbox.stop()
    _say("stopped.")
    return 0


def _save_blocks(sandbox: SandboxStack, tracking_wait: float) -> None:
    from ordersync.blocks.sandbox import save_sandbox_connection

    save_sandbox_connection(CONNECTION, sandbox, tracking_wait_minutes=tracking_wait)


def _trigger_sync() -> None:
    from prefect.deployments import run_deployment

    run_deployment("order_sync/order-sync", parameters={"connection": CONNECTION}, timeout=0)


def _traffic(sandbox: SandboxStack, interval: float, orders_per_minute: float,
             duration: float | None, rng: random.Random) -> None:
    """Buyers order, the merchant ships; a sync is triggered every ``interval`` seconds."""
    start = time.monotonic()
    next_order = next_sync = start
    handled: set[int] = set()
    while duration is None or time.monotonic() - start < duration:
        now = time.monotonic()
        if now >= next_order:
            items = [{"ean": ean, "title": title, "quantity": rng.randint(1, 3),
                      "unitPrice": price}
                     for ean, title, price in rng.sample(PRODUCTS, rng.randint(1, 2))]
            order_id = sandbox.bolcom.place_order(items=items)
            _say(f"buyer placed bol.com order {order_id}")
            next_order = now + rng.expovariate(orders_per_minute / 60.0)
        _merchant(sandbox, handled, rng)
        if now >= next_sync:
            _trigger_sync()
            _overview()
            next_sync = now + interval
        time.sleep(1.0)


def _merchant(sandbox: SandboxStack, handled: set[int], rng: random.Random) -> None:
    """Ship Shopify orders a little while after they arrive: most with a code, some without
    (they wait, then ship without tracking), a few cancelled."""
    for order in sandbox.shopify.all_orders():
        if order["id"] in handled or order.get("cancelled_at") or order.get("fulfillment_status"):
            continue
        created = datetime.fromisoformat(order["created_at"])
        if (datetime.now(UTC) - created).total_seconds() < 20:
            continue
        handled.add(order["id"])
        roll = rng.random()
        if roll < 0.6:
            carrier = rng.choice(list(GENERATORS))
            code = GENERATORS[carrier](rng)
            sandbox.shopify.complete(order["id"], code, None)
            _say(f"merchant shipped Shopify order {order['name']} with {code}")
        elif roll < 0.9:
            sandbox.shopify.complete(order["id"])
            _say(f"merchant completed Shopify order {order['name']} without track & trace")
        else:
            sandbox.shopify.cancel(order["id"])
            _say(f"merchant cancelled Shopify order {order['name']}")


def _overview() -> None:
    from ordersync.flows.runtime import store_for

    counts = store_for().count_by_status()
    _say("orders: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none yet"))


def _say(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)
