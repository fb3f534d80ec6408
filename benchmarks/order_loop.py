"""N orders through the whole loop against the served twins, rate limits off.

    ./run bench order_loop [--orders 2000] [--database-url URL] [--latency-ms 0]

Measures the hub's steps only (the buyers' and merchant's clicks on the twins are set-up),
and, in the same run, the raw request rate of the same twins with a bare httpx client, so
the hub's own overhead shows as a ratio (issue 15: orders/s x requests/order / raw
requests/s): the bare client replays the very requests the hub sent (the twins run in this
process, and a create costs them more than a GET), and, as a second figure, sends GETs of
one order. A warm-up round of ``--warm-up`` orders goes through the whole loop first, untimed
(a flow run pays the ORM's and the statement cache's set-up once per process, not per order);
then the heap is frozen as a flow run's process freezes it after its set-up (``ordersync.heap``;
``--no-freeze`` to leave it: the twins' state lives in this process too and full collections
walk it).
Time the loop sleeps waiting for bol.com's asynchronous processing (the process status polls,
``process_poll_interval``) is the platform's time, not the hub's: it is printed apart and left
out of the hub's seconds. ``--latency-ms`` adds a simulated network round trip to every request, the
hub's and the bare clients' alike (the twins answer in well under a millisecond; a real
platform is tens of milliseconds away): with it the ratio shows what the hub's own work costs
next to real requests. Last line: JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ordersync import order_loop  # noqa: E402
from ordersync.heap import freeze_setup_heap  # noqa: E402
from ordersync.sandbox.stack import SHOP_TOKEN, SandboxStack  # noqa: E402
from ordersync.sandbox.tracking_codes import GENERATORS  # noqa: E402
from ordersync.store import Store  # noqa: E402


def twin_requests(stack: SandboxStack) -> int:
    return (stack.bolcom.controls.stats()["requests"]
            + stack.shopify.controls.stats()["requests"])


def raw_rate(stack: SandboxStack, bol_order: str, shop_order: int, seconds: float) -> float:
    """Requests per second a bare client gets from the same twins (same kind of calls)."""
    token = httpx.post(f"{stack.bolcom_url}/token?grant_type=client_credentials",
                       auth=("sandbox-client", "sandbox-secret")).json()["access_token"]
    bol = httpx.Client(base_url=stack.bolcom_url, headers={
        "Authorization": f"Bearer {token}", "Accept": "application/vnd.retailer.v10+json"})
    shop = httpx.Client(base_url=stack.shopify_url,
                        headers={"X-Shopify-Access-Token": SHOP_TOKEN})
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        bol.get(f"/retailer/orders/{bol_order}").raise_for_status()
        shop.get(f"/admin/api/2025-01/orders/{shop_order}.json").raise_for_status()
        done += 2
    bol.close()
    shop.close()
    return done / (time.perf_counter() - start)


class Recorder:
    """Records every request the hub sends (method, URL, headers, body), to replay them
    with a bare client: the same requests without the hub's own work."""

    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency  # seconds of simulated network round trip per request
        self.requests: list[httpx.Request] = []
        self._send = httpx.Client.send
        self.on = False
        self.seconds = 0.0  # wall time inside the hub's requests (client side)

    def wire(self) -> None:
        """The simulated network round trip, if any."""
        if self.latency:
            time.sleep(self.latency)

    def __enter__(self) -> Recorder:
        recorder, send = self, self._send

        def recording_send(client, request, *args, **kwargs):
            if not recorder.on:
                recorder.wire()
                return send(client, request, *args, **kwargs)
            recorder.requests.append(request)
            start = time.perf_counter()
            try:
                recorder.wire()
                return send(client, request, *args, **kwargs)
            finally:
                recorder.seconds += time.perf_counter() - start

        httpx.Client.send = recording_send
        return self

    def __exit__(self, *exc: object) -> None:
        httpx.Client.send = self._send

    def replay_rate(self) -> float:
        """Requests per second of a bare client sending the recorded requests again, in
        order (answers may differ now, e.g. a shipment sent twice is refused: it is the
        twins' cost of serving them that is measured)."""
        with httpx.Client() as client:
            start = time.perf_counter()
            for request in self.requests:
                client.send(httpx.Request(request.method, request.url,
                                          headers=request.headers, content=request.content))
            return len(self.requests) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=2000, help="per round")
    parser.add_argument("--rounds", type=int, default=3,
                        help="timed rounds (the figures are the median round's)")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--latency-ms", type=float, default=0.0,
                        help="simulated network round trip added to every request")
    parser.add_argument("--warm-up", type=int, default=20,
                        help="orders through the whole loop before the timed ones")
    parser.add_argument("--no-freeze", action="store_true",
                        help="leave the heap unfrozen after the warm-up")
    args = parser.parse_args()
    rng = random.Random(7)
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    rounds: list[dict] = []
    with SandboxStack(rate_limits=False) as stack, Recorder(args.latency_ms / 1000) as recorder:
        store = Store(url)
        waits: list[float] = []  # seconds slept for bol.com's asynchronous processing

        def sleep(seconds: float) -> None:
            waits.append(seconds)
            time.sleep(seconds)

        ctx = stack.context(store, sleep=sleep)

        def loop(orders: int, timed: bool) -> tuple[list[str], dict[str, float]]:
            ids = [stack.bolcom.place_order() for _ in range(orders)]
            phases: dict[str, float] = {}

            def run(name, *steps):
                recorder.on = timed
                t = time.perf_counter()
                for step in steps:
                    step(ctx)
                phases[name] = time.perf_counter() - t
                recorder.on = False

            shipped = {o["id"] for o in stack.shopify.all_orders()}
            run("import_and_create", order_loop.import_orders, order_loop.create_in_webshop)
            for order in stack.shopify.all_orders():  # the merchant ships everything
                if order["id"] not in shipped:
                    code = GENERATORS[rng.choice(list(GENERATORS))](rng)
                    stack.shopify.complete(order["id"], code, None)
            run("detect_and_push", order_loop.detect_webshop_changes, order_loop.sweep_waiting,
                order_loop.push_to_marketplace)
            return ids, phases

        loop(args.warm_up, timed=False)
        frozen = 0 if args.no_freeze else freeze_setup_heap()
        for n in range(1, args.rounds + 1):
            waits.clear()
            recorder.requests.clear()
            recorder.seconds = 0.0
            before = twin_requests(stack)
            ids, phases = loop(args.orders, timed=True)
            requests = twin_requests(stack) - before
            waited = sum(waits)
            hub_seconds = sum(phases.values()) - waited
            counts = store.count_by_status()
            confirmed = sum(len(stack.bolcom.shipments_of(i)) > 0 for i in ids)
            assert counts == {"shipped": args.warm_up + n * args.orders}, counts
            assert confirmed == args.orders, confirmed
            raw = raw_rate(stack, ids[0], stack.shopify.all_orders()[0]["id"], 3.0)
            replay = recorder.replay_rate()
            hub_rate = requests / hub_seconds
            rounds.append({
                "seconds": round(hub_seconds, 2),
                "waiting_on_platform_s": round(waited, 2),
                "phases": {k: round(v, 2) for k, v in phases.items()},
                "orders_per_second": round(args.orders / hub_seconds, 1),
                "requests": requests,
                "requests_per_order": round(requests / args.orders, 2),
                "hub_requests_per_second": round(hub_rate, 1),
                "raw_twin_requests_per_second": round(raw, 1),
                "replayed_requests_per_second": round(replay, 1),
                "seconds_in_requests": round(recorder.seconds, 2),
                # the same requests' own rate in this run: requests / time inside them
                "requests_own_rate": round(requests / recorder.seconds, 1),
                "overhead_ratio_same_requests": round(recorder.seconds / hub_seconds, 2),
                # orders/s x requests/order / raw requests/s (1.0: the hub adds nothing):
                # against a bare client replaying the hub's own requests, and against GETs
                "overhead_ratio": round(hub_rate / replay, 2),
                "ratio_vs_gets": round(hub_rate / raw, 2),
            })
            r = rounds[-1]
            print(f"round {n}: {args.orders} orders imported, created, shipped and confirmed "
                  f"in {hub_seconds:.2f}s ({requests} requests; {waited:.2f}s waiting for "
                  f"bol.com's processing left out); hub {hub_rate:.0f} requests/s, a bare "
                  f"client replaying them {replay:.0f}/s: ratio {r['overhead_ratio']}; time "
                  f"inside the requests {recorder.seconds:.2f}s (ratio "
                  f"{r['overhead_ratio_same_requests']}); GETs {raw:.0f}/s: ratio "
                  f"{r['ratio_vs_gets']}", flush=True)
        store.dispose()
    median = sorted(rounds, key=lambda r: r["overhead_ratio"])[len(rounds) // 2]
    result = {
        "orders": args.orders,
        "store": url.split(":", 1)[0],
        "latency_ms": args.latency_ms,
        "warm_up_orders": args.warm_up,
        "frozen_objects": frozen,
        "rounds": len(rounds),
        "overhead_ratio_per_round": [r["overhead_ratio"] for r in rounds],
        **median,
    }
    print(f"median round: ratio {median['overhead_ratio']} (1.0: the hub adds nothing to the "
          f"requests' own time), {median['orders_per_second']} orders/s")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
