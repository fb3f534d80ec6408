"""Latency p50/p95: marketplace order -> webshop, and webshop fulfilment -> marketplace
shipment confirmed, with polling only and with Shopify notifications.

    ./run bench latency [--orders 300] [--duration 120] [--interval 30] [--ship-after 20]
                        [--modes polling,notify-cancel,notify-enqueue,notify-bolcom]
                        [--coalesce-seconds 5] [--bol-processing 0]

Buyers place ``--orders`` bol.com orders at random times over ``--duration`` seconds; the
merchant fulfils each (with a PostNL code) at a random time up to ``--ship-after`` seconds
after it appears in the Shopify shop. A loop driver runs the order-sync cycle (import, create,
detect, sweep, push: the flow's five steps) in-process every ``--interval`` seconds, against the
twins over real HTTP, rate limits off. Latencies are real seconds at that interval (no
scaling): with the production 300 s interval, polling latencies scale with the interval.

Modes: ``polling``: the schedule only. ``notify-*``: the Shopify twin also delivers its
webhooks (real HTTP, signed) to the real receiver (``ordersync.webhooks.receiver``), whose emit
starts a cycle at once instead of a Prefect event + automation + worker (in-process: the
Prefect hop is not in these figures). ``notify-cancel`` drops a trigger that arrives while a
cycle runs, as prefect.yaml's ``collision_strategy: CANCEL_NEW`` does; ``notify-enqueue``
runs one more cycle after it (``ENQUEUE``, coalesced). The receiver coalesces notices per
connection as ``ordersync webhooks serve`` does (``--coalesce-seconds``, 0: a trigger per
notice), with "busy" meaning a cycle is running. bol.com sends no order notifications
here, so (a) waits for the schedule in every mode. ``notify-bolcom``: as ``notify-cancel``,
and the bol.com twin also pushes each settled process status (signed) to the receiver's
``/webhooks/bolcom/<connection>`` route (``ordersync webhooks register`` subscribes it).
``--bol-processing S``: bol.com takes S seconds to process a shipment (its process status
settles S s after the request, as on bol.com, however often it is polled; 0: the twin's
default, settled by the second status poll). A watcher samples the twins every 0.1 s and the
hub's store every 0.5 s: "fulfilment -> bol.com" is the shipment on bol.com, "fulfilment ->
hub confirmed" is the hub's knowing it (the order's ``marketplace_confirmed_at``; a refused
shipment is known just as late). Last line: JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pydantic import SecretStr  # noqa: E402
from sqlalchemy import text  # noqa: E402

from ordersync import order_loop  # noqa: E402
from ordersync.order_loop import ConnectionSettings  # noqa: E402
from ordersync.sandbox.common import ServedApp  # noqa: E402
from ordersync.sandbox.shopify.twin import WEBHOOK_SECRET  # noqa: E402
from ordersync.sandbox.stack import SHOP_TOKEN, SandboxStack  # noqa: E402
from ordersync.sandbox.tracking_codes import GENERATORS  # noqa: E402
from ordersync.store import Store  # noqa: E402
from ordersync.webhooks import bolcom as bolcom_push  # noqa: E402
from ordersync.webhooks.coalesce import DEFAULT_GAP  # noqa: E402
from ordersync.webhooks.receiver import BolcomAccounts, Receiver, ShopRoute  # noqa: E402
from ordersync.webhooks.register import (  # noqa: E402
    register_bolcom,
    register_shopify,
    shopify_client,
)

STEPS = (order_loop.import_orders, order_loop.create_in_webshop,
         order_loop.detect_webshop_changes, order_loop.sweep_waiting,
         order_loop.push_to_marketplace)


class Driver(threading.Thread):
    """Runs a cycle every ``interval`` s (from each cycle's start), and at once on
    ``trigger()`` when notifications are on (``enqueue``: a trigger during a cycle runs one
    more cycle after it; else it is dropped)."""

    def __init__(self, ctx, interval: float, enqueue: bool) -> None:
        super().__init__(daemon=True)
        self.ctx, self.interval, self.enqueue = ctx, interval, enqueue
        self.wake, self.stopped, self.running = threading.Event(), threading.Event(), False
        self.cycles: list[float] = []
        self.triggered = self.dropped = 0

    def trigger(self) -> None:
        self.triggered += 1
        if self.running and not self.enqueue:
            self.dropped += 1
            return
        self.wake.set()

    def run(self) -> None:
        while not self.stopped.is_set():
            start = time.monotonic()
            self.wake.clear()
            self.running = True
            for step in STEPS:
                step(self.ctx)
            self.running = False
            self.cycles.append(time.monotonic() - start)
            self.wake.wait(max(0.0, start + self.interval - time.monotonic()))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def figures(values: list[float]) -> dict:
    return {"n": len(values), "p50": round(percentile(values, 50), 2),
            "p95": round(percentile(values, 95), 2), "max": round(max(values), 2),
            "mean": round(statistics.fmean(values), 2)}


def hub_confirmed(store: Store) -> set[str]:
    """The bol.com orders whose shipment the hub knows bol.com confirmed."""
    with store.engine.connect() as conn:
        return {row[0] for row in conn.execute(text(
            "SELECT external_id FROM orders WHERE marketplace_confirmed_at IS NOT NULL"))}


def run_mode(mode: str, args) -> dict:
    rng = random.Random(11)
    with SandboxStack(rate_limits=False) as stack:
        if args.bol_processing:  # settled by time only, as on bol.com (not by polls)
            stack.bolcom.state.process_delay_seconds = args.bol_processing
            stack.bolcom.state.process_delay_polls = 10**9
        store = Store(f"sqlite:///{tempfile.mkdtemp()}/latency.db")
        ctx = stack.context(store, ConnectionSettings(name="sandbox",
                                                      process_poll_interval=0.05))
        driver = Driver(ctx, args.interval, enqueue=mode == "notify-enqueue")
        served = None
        if mode != "polling":
            route = ShopRoute("sandbox.myshopify.com", SecretStr(WEBHOOK_SECRET),
                              {"sandbox": "bolcom"})
            accounts = None
            if mode == "notify-bolcom":  # a connector of its own: the driver uses ctx's
                keys_from = stack.marketplace()
                accounts = BolcomAccounts(
                    {"sandbox"}, lambda connection: bolcom_push.key_set(
                        keys_from.signature_keys()))
            receiver = Receiver([route], lambda connection, note: driver.trigger(),
                                gap=args.coalesce_seconds,
                                busy=lambda connection: driver.running, bolcom=accounts)
            served = ServedApp(receiver.app).start()
            with shopify_client(stack.shopify_url, SHOP_TOKEN) as client:
                register_shopify(client, served.url + "/webhooks/shopify")
            if mode == "notify-bolcom":
                hook = served.url + "/webhooks/bolcom/sandbox"
                print(f"bol.com: {register_bolcom(keys_from, hook, pause=0.05)}", flush=True)
        shop, bol, merchant = stack.shopify, stack.bolcom, stack.merchant
        placed_at = sorted(rng.uniform(0, args.duration) for _ in range(args.orders))
        ship_after = [rng.uniform(1, args.ship_after) for _ in range(args.orders)]
        codes = [GENERATORS["postnl"](rng) for _ in range(args.orders)]
        placed: dict[str, float] = {}
        in_shop: dict[str, tuple[float, str]] = {}
        fulfilled: dict[str, float] = {}
        confirmed: dict[str, float] = {}
        known: dict[str, float] = {}  # the hub knows bol.com confirmed it
        next_look = 0.0
        index: dict[str, int] = {}
        t0 = time.monotonic()
        driver.start()
        deadline = t0 + args.duration + args.ship_after + 3 * args.interval + 60
        while len(known) < args.orders and time.monotonic() < deadline:
            now = time.monotonic() - t0
            while len(placed) < args.orders and placed_at[len(placed)] <= now:
                order_id = bol.place_order()
                index[order_id] = len(placed)
                placed[order_id] = time.monotonic()
            with shop.store.lock:
                refs = {o.get("source_identifier"): o["id"] for o in shop.store.orders.values()}
            for order_id in placed.keys() - in_shop.keys():
                if (shop_id := refs.get(f"bolcom:{order_id}")) is not None:
                    in_shop[order_id] = (time.monotonic(), str(shop_id))
            for order_id, (seen, shop_id) in in_shop.items():
                if order_id not in fulfilled and time.monotonic() >= (
                        seen + ship_after[index[order_id]]):
                    merchant.ship(shop_id, codes[index[order_id]], "PostNL")
                    fulfilled[order_id] = time.monotonic()
            with bol.state.lock:
                for order_id in fulfilled.keys() - confirmed.keys():
                    if bol.state.shipments.get(order_id):
                        confirmed[order_id] = time.monotonic()
            if time.monotonic() >= next_look:
                next_look = time.monotonic() + 0.5
                for order_id in hub_confirmed(store) & fulfilled.keys() - known.keys():
                    known[order_id] = time.monotonic()
            time.sleep(0.1)
        driver.stopped.set()
        driver.wake.set()
        driver.join(timeout=args.interval + 60)
        if served is not None:
            shop.webhooks.stop()
            served.stop()
            receiver.close()
        store.dispose()
    to_shop = [in_shop[o][0] - placed[o] for o in in_shop]
    to_marketplace = [confirmed[o] - fulfilled[o] for o in confirmed]
    to_hub = [known[o] - fulfilled[o] for o in known]
    result = {
        "mode": mode, "orders": args.orders, "in_shop": len(in_shop),
        "confirmed": len(confirmed),
        "order_to_webshop_s": figures(to_shop) if to_shop else None,
        "fulfilment_to_marketplace_s": figures(to_marketplace) if to_marketplace else None,
        "hub_confirmed": len(known),
        "fulfilment_to_hub_confirmed_s": figures(to_hub) if to_hub else None,
        "cycles": len(driver.cycles),
        "cycle_s": figures(driver.cycles) if driver.cycles else None,
        "notifications_triggered": driver.triggered,
        "triggers_dropped_while_running": driver.dropped,
        "notices_coalesced": receiver.counts["coalesced"] if served is not None else 0,
    }
    a, b = result["order_to_webshop_s"], result["fulfilment_to_marketplace_s"]
    c = result["fulfilment_to_hub_confirmed_s"]
    print(f"{mode:>15}: order->webshop p50 {a and a['p50']} s p95 {a and a['p95']} s | "
          f"fulfilment->bol.com p50 {b and b['p50']} s p95 {b and b['p95']} s | "
          f"fulfilment->hub confirmed p50 {c and c['p50']} s p95 {c and c['p95']} s | "
          f"{len(confirmed)}/{args.orders} confirmed, {len(driver.cycles)} cycles "
          f"(mean {result['cycle_s'] and result['cycle_s']['mean']} s), "
          f"{driver.triggered} triggers, {driver.dropped} dropped, "
          f"{result['notices_coalesced']} notices coalesced", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--duration", type=float, default=120.0,
                        help="seconds over which the orders are placed")
    parser.add_argument("--interval", type=float, default=30.0, help="cycle interval, s")
    parser.add_argument("--ship-after", type=float, default=20.0,
                        help="the merchant fulfils up to this many s after the order shows")
    parser.add_argument("--modes", default="polling,notify-cancel,notify-enqueue")
    parser.add_argument("--bol-processing", type=float, default=0.0,
                        help="seconds bol.com takes to process a shipment (0: the twin's "
                        "default, settled by the next status poll)")
    parser.add_argument("--coalesce-seconds", type=float, default=DEFAULT_GAP,
                        help="the receiver's coalescing gap (0: every notice triggers)")
    args = parser.parse_args()
    print(f"{args.orders} orders over {args.duration:g} s, cycle every {args.interval:g} s, "
          f"fulfilled 1-{args.ship_after:g} s after they show in the shop (in-process driver)")
    results = [run_mode(mode, args) for mode in args.modes.split(",")]
    print(json.dumps({"interval_s": args.interval, "orders": args.orders,
                      "bol_processing_s": args.bol_processing,
                      "coalesce_s": args.coalesce_seconds,
                      "duration_s": args.duration, "driver": "in-process",
                      "modes": {r.pop("mode"): r for r in results}}))


if __name__ == "__main__":
    main()
