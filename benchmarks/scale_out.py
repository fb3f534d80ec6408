"""Scale-out throughput: order connections on their schedules through the production setup
(Prefect server on PostgreSQL, hub on PostgreSQL, one process work pool, N workers), twins with
rate limits on.

    ./run bench scale_out [--workers 1,2] [--connections 1,20] [--cycles 2] [--interval 60]
                          [--orders 3] [--worker-limit N] [--timeout 900]

Per case (workers x connections): ``--orders`` orders per connection are placed on the twins,
every schedule is re-anchored on one slot, the workers start; the case ends when every
connection completed ``--cycles`` auto-scheduled runs and every order is in its shop (or at
``--timeout``). Figures: orders/s end to end (placed before the slot -> in the shop), completed
flow runs/min, lateness (scheduled start -> running), run time, runs cancelled by the
one-run-at-a-time limit, CPU seconds of the server and of the workers with their flow-run
processes (per completed run), PostgreSQL active time and commits of both databases,
Prefect API latency, and requests and 429s the twins served. Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ordersync.fleet import Fleet
from ordersync.scaleout import ADMIN_URL, ScaleOut, throwaway_database

LEAD = timedelta(seconds=15)


def parse(stamp: str | None) -> datetime | None:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")) if stamp else None


def db_stats(admin_url: str, url: str) -> dict[str, float]:
    """PostgreSQL's own counters of one database: active time (ms) and commits."""
    name = make_url(url).database
    engine = create_engine(admin_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(text("SELECT active_time, xact_commit, numbackends FROM "
                                    "pg_stat_database WHERE datname = :n"), {"n": name}).one()
    finally:
        engine.dispose()
    return {"active_ms": float(row.active_time or 0), "commits": int(row.xact_commit),
            "backends": int(row.numbackends)}


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))], 2)


def twin_stats(fleet: Fleet) -> dict[str, int]:
    requests = throttled = 0
    twins = [m.twin for m in fleet.members] + list(fleet.shop_twins.values())
    for twin in twins:
        stats = twin.controls.stats()
        requests += stats["requests"]
        throttled += stats["throttled"]
    return {"requests": requests, "throttled_429": throttled}


def shop_tally(fleet: Fleet, served: set[str]) -> dict[str, int]:
    """Placed orders by how often they are in their own shop: once, missing (split by
    whether their connection has completed a run yet), more than once, or in another shop;
    a missing order of a connection that never ran is a late one, a duplicate is a bug."""
    tally = Counter({"once": 0, "missing_never_ran": 0, "missing_after_a_run": 0,
                     "duplicate": 0, "in_another_shop": 0})
    placed = fleet.placed()
    for key, counts in fleet.in_shops().items():
        member = placed[key]
        n = counts[member.shop]
        if n == 1:
            tally["once"] += 1
        elif n > 1:
            tally["duplicate"] += 1
        elif f"order-sync-{member.name}" in served:
            tally["missing_after_a_run"] += 1
        else:
            tally["missing_never_ran"] += 1
        if any(c for s, c in counts.items() if s != member.shop):
            tally["in_another_shop"] += 1
    return dict(tally)


def run_case(workers: int, connections: int, args: argparse.Namespace) -> dict:
    home = Path(tempfile.mkdtemp(prefix=f"scale-{workers}w-{connections}c-"))
    with throwaway_database(args.admin_url, "ordersync_bench_prefect") as prefect_db, \
            throwaway_database(args.admin_url, "ordersync_bench_hub") as hub_db, \
            Fleet(connections, rate_limits=True) as fleet:
        run = ScaleOut(home, prefect_db, hub_db, fleet, workers=workers,
                       worker_limit=args.worker_limit, interval=args.interval)
        try:
            with run.settings():
                t0 = time.monotonic()
                run.start()
                setup_s = time.monotonic() - t0
                orders = fleet.place_orders(args.orders, random.Random(connections))
                slot = run.anchor(LEAD)
                run.start_workers()
                db0 = {k: db_stats(args.admin_url, u)
                       for k, u in (("prefect", prefect_db), ("hub", hub_db))}
                wait_s = max((slot - datetime.now(slot.tzinfo)).total_seconds(), 0)
                time.sleep(wait_s)
                t_slot = time.monotonic()
                cpu0 = run.cpu_seconds()
                api_ms: list[float] = []
                all_in_at = None
                done: Counter = Counter()
                runs: list[dict] = []
                peak_backends = 0
                while time.monotonic() - t_slot < args.timeout:
                    time.sleep(3)
                    t = time.perf_counter()
                    runs = run.runs()
                    api_ms.append((time.perf_counter() - t) * 1000)
                    peak_backends = max(peak_backends, sum(
                        db_stats(args.admin_url, u)["backends"] for u in (prefect_db, hub_db)))
                    if all_in_at is None and not fleet.shop_problems():
                        all_in_at = time.monotonic()
                    done = Counter(r["deployment"] for r in runs if r["auto_scheduled"]
                                   and r["state_type"] == "COMPLETED"
                                   and parse(r["expected_start_time"]) >= slot)
                    if all_in_at and all(done[d] >= args.cycles for d in run.deployments):
                        break
                elapsed = time.monotonic() - t_slot
                cpu1 = run.cpu_seconds()
                db1 = {k: db_stats(args.admin_url, u)
                       for k, u in (("prefect", prefect_db), ("hub", hub_db))}
                hub_problems = fleet.hub_problems(hub_db)
                shop_problems = fleet.shop_problems()
                served = {r["deployment"] for r in runs if r["state_type"] == "COMPLETED"}
                tally = shop_tally(fleet, served)
                by_worker = {w: len(ids) for w, ids in run.runs_by_worker().items()}
                log_problems = {k: len(v) for k, v in run.log_problems().items()}
        finally:
            run.stop()
    completed = [r for r in runs if r["state_type"] == "COMPLETED"
                 and parse(r["expected_start_time"]) >= slot]
    late = [(parse(r["start_time"]) - parse(r["expected_start_time"])).total_seconds()
            for r in completed if r["start_time"]]
    ends = [parse(r["end_time"]) for r in completed if r["end_time"]]
    span_min = ((max(ends) - slot).total_seconds() / 60) if ends else 0.0
    worker_cpu = sum(v - cpu0.get(k, 0) for k, v in cpu1.items() if k != "server")
    states = Counter(r["state_type"] for r in runs if parse(r["expected_start_time"]) >= slot
                     and r["state_type"] != "SCHEDULED")
    starved = sorted(d for d in run.deployments if done[d] < args.cycles)
    return {
        "workers": workers, "connections": connections, "interval_s": args.interval,
        "orders": orders, "setup_s": round(setup_s, 1), "elapsed_s": round(elapsed, 1),
        "all_orders_in_shops_s": round(all_in_at - t_slot, 1) if all_in_at else None,
        "orders_per_s": round(orders / (all_in_at - t_slot), 3) if all_in_at else 0.0,
        "completed_runs": len(completed),
        "runs_per_min": round(len(completed) / span_min, 2) if span_min else 0.0,
        "states": dict(states), "starved": starved,
        "lateness_s": {"p50": pct(late, 0.5), "p95": pct(late, 0.95),
                       "max": pct(late, 1.0)},
        "run_time_s_p50": pct([r["total_run_time"] for r in completed], 0.5),
        "cpu_s": {"server": round(cpu1.get("server", 0) - cpu0.get("server", 0), 1),
                  "workers_and_runs": round(worker_cpu, 1),
                  "per_completed_run": round(worker_cpu / len(completed), 2)
                  if completed else None},
        "db": {k: {"active_s": round((db1[k]["active_ms"] - db0[k]["active_ms"]) / 1000, 1),
                   "commits": db1[k]["commits"] - db0[k]["commits"]} for k in db1},
        "db_peak_backends": peak_backends,
        "api_ms": {"p50": pct(api_ms, 0.5), "max": pct(api_ms, 1.0)},
        "twins": twin_stats(fleet), "runs_by_worker": by_worker,
        "problems": {"hub": len(hub_problems), "shops": len(shop_problems),
                     "logs": log_problems},
        "orders_in_shops": tally,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--connections", default="1,20")
    parser.add_argument("--cycles", type=int, default=2)
    parser.add_argument("--interval", type=float, default=60.0)
    parser.add_argument("--orders", type=int, default=3, help="per connection")
    parser.add_argument("--worker-limit", type=int, default=None)
    parser.add_argument("--timeout", type=float, default=900.0, help="s per case")
    parser.add_argument("--admin-url", default=ADMIN_URL)
    args = parser.parse_args()
    cases = []
    for connections in [int(x) for x in args.connections.split(",")]:
        for workers in [int(x) for x in args.workers.split(",")]:
            case = run_case(workers, connections, args)
            cases.append(case)
            print(f"{workers} worker(s) x {connections:>3} connection(s): "
                  f"{case['orders']} orders in {case['all_orders_in_shops_s']} s "
                  f"({case['orders_per_s']} orders/s), {case['completed_runs']} runs "
                  f"({case['runs_per_min']}/min), states {case['states']}, "
                  f"late p50/p95/max {case['lateness_s']}, run p50 "
                  f"{case['run_time_s_p50']} s, CPU {case['cpu_s']}, DB {case['db']} "
                  f"(peak {case['db_peak_backends']} connections), API {case['api_ms']} ms, "
                  f"twins {case['twins']}, by worker {case['runs_by_worker']}, "
                  f"starved {len(case['starved'])}, problems {case['problems']}, "
                  f"orders in shops {case['orders_in_shops']}",
                  flush=True)
    print(json.dumps({"benchmark": "scale_out", "cases": cases}))


if __name__ == "__main__":
    main()
