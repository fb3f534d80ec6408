"""The main job on the embedded default: a local Prefect server (SQLite), the sandbox twins
(bol.com, Amazon, Shopify), the blocks of two order connections and a shop import connection,
the deployments of prefect.yaml, a process worker, and demo traffic (see demo_traffic). The
backfill of the shop's own order history is triggered once, as a merchant would by hand.
Ctrl-C stops everything it started.
"""

from __future__ import annotations

import os
import random
import time
from datetime import datetime
from pathlib import Path

from ordersync.demo_traffic import Traffic, stock_the_shop
from ordersync.local import LocalPrefect, prefect_env
from ordersync.sandbox.common import free_port
from ordersync.sandbox.stack import SandboxStack

BOLCOM, AMAZON, SHOP = "sandbox", "sandbox-amazon", "sandbox-shop"
ORDER_SYNCS = {BOLCOM: "order_sync/order-sync", AMAZON: "order_sync/order-sync-amazon"}


def run_demo(*, port: int | None, interval: float, tracking_wait: float,
             orders_per_minute: float, duration: float | None, history: int = 300) -> int:
    home = Path(os.environ.get("ORDERSYNC_HOME") or Path.cwd() / ".ordersync").resolve()
    home.mkdir(parents=True, exist_ok=True)
    prefect = LocalPrefect(home, port or free_port())
    # Before Prefect is imported: this process and every child talk to the local server.
    os.environ.update(prefect_env(home, prefect.port))
    os.environ.setdefault("ORDERSYNC_DATABASE_URL", f"sqlite:///{home / 'ordersync.db'}")
    sandbox = SandboxStack(rate_limits=True, marketplaces=("bolcom", "amazon"))
    try:
        sandbox.start()
        _say(f"sandbox bol.com at {sandbox.bolcom_url}, Amazon at {sandbox.url('amazon')}, "
             f"Shopify at {sandbox.shopify_url}")
        stock_the_shop(sandbox, history, _say)
        _say(f"starting Prefect server (state in {home / 'prefect'}) ...")
        prefect.start_server()
        _say(f"Prefect UI: {prefect.ui_url}")
        _save_blocks(sandbox, tracking_wait)
        _say("deploying prefect.yaml (prefect deploy --all) and the automations ...")
        prefect.deploy()
        prefect.start_worker()
        _say(f"worker started on pool 'ordersync'; demo runs every {interval:.0f}s, "
             f"tracking wait {tracking_wait:g} min. Ctrl-C stops everything.")
        _run("backfill/backfill", {"connection": SHOP})
        _say(f"backfill of {SHOP!r} triggered (by hand: prefect deployment run "
             f"backfill/backfill -p connection={SHOP})")
        _traffic(Traffic(sandbox, _say, random.Random()), interval, orders_per_minute,
                 duration)
    except KeyboardInterrupt:
        _say("stopping ...")
    finally:
        prefect.stop()
        sandbox.stop()
    _say("stopped.")
    return 0


def _save_blocks(sandbox: SandboxStack, tracking_wait: float) -> None:
    from ordersync.blocks.sandbox import save_sandbox_connection, save_sandbox_shop_import

    save_sandbox_connection(BOLCOM, sandbox, marketplace="bolcom",
                            tracking_wait_minutes=tracking_wait)
    save_sandbox_connection(AMAZON, sandbox, marketplace="amazon",
                            tracking_wait_minutes=tracking_wait, pending_orders="import")
    save_sandbox_shop_import(SHOP, sandbox, hub_currency="EUR", identify_products_by="sku")


def _run(deployment: str, parameters: dict) -> None:
    from prefect.deployments import run_deployment

    run_deployment(deployment, parameters=parameters, timeout=0)


def _traffic(traffic: Traffic, interval: float, orders_per_minute: float,
             duration: float | None) -> None:
    """Buyers, shoppers, payments and the merchant; every ``interval`` seconds the order
    syncs, the stock sync and the shop import run (their own schedules are 5 minutes)."""
    rng = traffic.rng
    start = time.monotonic()
    next_order = next_shopper = next_sync = start
    while duration is None or time.monotonic() - start < duration:
        now = time.monotonic()
        if now >= next_order:
            traffic.buyer(now)
            next_order = now + rng.expovariate(orders_per_minute / 60.0)
        if now >= next_shopper:
            traffic.shopper()
            next_shopper = now + rng.expovariate(orders_per_minute / 180.0)
        traffic.payments(now)
        traffic.merchant()
        if now >= next_sync:
            for connection, deployment in ORDER_SYNCS.items():
                _run(deployment, {"connection": connection})
            _run("stock_sync/stock-sync", {"connections": list(ORDER_SYNCS)})
            _run("shop_import/shop-import", {"connection": SHOP})
            _overview()
            next_sync = now + interval
        time.sleep(1.0)


def _overview() -> None:
    from ordersync.flows.runtime import store_for

    counts = store_for().count_by_status()
    _say("marketplace orders: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
                                   or "none yet"))


def _say(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)
