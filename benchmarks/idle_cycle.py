"""Idle order-sync cycles with 0 .. 1M historical orders in the hub (PostgreSQL).

    ./run bench idle_cycle [--sizes 0,10000,100000,1000000] [--cycles 3]
                           [--marketplace bolcom|amazon] [--legacy-cancelled]
                           [--admin-url postgresql+psycopg2://postgres@127.0.0.1:5432/postgres]

Creates a dedicated database (dropped at the end), places a few open orders on the sandbox
marketplace twin and runs one real cycle (they are created in the Shopify twin and stay open),
then for each size: adds historical orders up to it (``ordersync.store.history``), VACUUM
ANALYZE (the steady state autovacuum keeps),
runs ``--cycles`` idle cycles (``ordersync.order_loop.cycle``: the flow's steps and reads) and
counts the requests per stream at the twins, the statements and database time (SQLAlchemy
cursor events) and the rows its queries read (EXPLAIN ANALYZE: flat, unlike time, on a busy
machine). At the largest size it prints the EXPLAIN plan of every query an idle cycle
runs. Last line: JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ordersync.order_loop.cycle import run_cycle  # noqa: E402
from ordersync.sandbox.stack import SandboxStack  # noqa: E402
from ordersync.store import Store  # noqa: E402
from ordersync.store.history import load_history  # noqa: E402
from ordersync.store.query_plans import (  # noqa: E402
    StatementLog,
    analyze,
    explain,
    is_query,
    rows_touched,
    seq_scans,
)

ADMIN_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
OPEN_ORDERS = 5


def twin_paths(stack: SandboxStack) -> dict[str, int]:
    paths: dict[str, int] = {}
    for name in (*stack.marketplaces, stack.shop_platform):
        for path, n in getattr(stack, name).controls.stats()["by_path"].items():
            paths[f"{name} {path}"] = n
    return paths


def diff(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {k: n - before.get(k, 0) for k, n in after.items() if n != before.get(k, 0)}


class Database:
    """A throw-away database on the server of ``admin_url``."""

    def __init__(self, admin_url: str) -> None:
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.name = f"ordersync_bench_idle_{uuid.uuid4().hex[:8]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        self.url = self.admin.url.set(database=self.name).render_as_string(
            hide_password=False)

    def drop(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :n AND pid <> pg_backend_pid()"),
                         {"n": self.name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}"'))
        self.admin.dispose()


def measure(stack, ctx, store, cycles: int) -> tuple[dict, StatementLog]:
    """``cycles`` idle cycles: requests per stream (of the last), statements and DB time."""
    run_cycle(ctx)  # warm-up: the first cycle after a bulk load reads cold pages
    runs, last = [], StatementLog()
    for _ in range(cycles):
        log = StatementLog()
        before = twin_paths(stack)
        started = time.perf_counter()
        with log.capture(store.engine):
            result = run_cycle(ctx)
        wall = time.perf_counter() - started
        requests = diff(twin_paths(stack), before)
        if any(result.counts.get(k) for k in ("imported", "created", "shipped")):
            raise AssertionError(f"not an idle cycle: {result.counts}")
        runs.append((log.seconds, wall, requests, log.count))
        last = log
    return {
        "db_statements": runs[-1][3],
        "db_ms_median": round(1000 * statistics.median(r[0] for r in runs), 2),
        "db_ms_max": round(1000 * max(r[0] for r in runs), 2),
        "cycle_ms_median": round(1000 * statistics.median(r[1] for r in runs), 1),
        "requests_by_stream": runs[-1][2],
        "requests": sum(runs[-1][2].values()),
        "rows_read": sum(rows_touched(store.engine, st)
                         for sql, st in last.distinct().items() if is_query(sql)),
        "slowest_ms": slowest(last),
    }, last


def slowest(log: StatementLog, n: int = 3) -> dict[str, float]:
    """The ``n`` statements of a cycle that took longest (first 60 characters of each)."""
    total: dict[str, float] = {}
    for st in log.statements:
        key = " ".join(st.sql.split())[:60]
        total[key] = total.get(key, 0.0) + st.seconds
    top = sorted(total.items(), key=lambda kv: -kv[1])[:n]
    return {k: round(1000 * v, 2) for k, v in top}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="0,10000,100000,1000000",
                        help="historical orders to measure at, ascending, comma-separated")
    parser.add_argument("--cycles", type=int, default=5,
                        help="measured idle cycles per size (after one warm-up cycle)")
    parser.add_argument("--marketplace", choices=("bolcom", "amazon"), default="bolcom")
    parser.add_argument("--admin-url", default=ADMIN_URL)
    parser.add_argument("--no-plans", action="store_true", help="skip the EXPLAIN output")
    parser.add_argument("--legacy-cancelled", action="store_true",
                        help="cancelled history as the hub left it before migration 0005 "
                        "(read again by every cycle): shows what that migration fixed")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    db = Database(args.admin_url)
    figures: dict[str, dict] = {}
    scans: dict[str, list[str]] = {}
    try:
        with SandboxStack(rate_limits=False, marketplaces=(args.marketplace,)) as stack:
            store = Store(db.url)
            ctx = stack.context(store)
            for _ in range(OPEN_ORDERS):
                getattr(stack, args.marketplace).place_order()
            run_cycle(ctx)  # the open orders are imported and created in the webshop
            open_counts = store.count_by_status()
            mp, shop = ctx.marketplace, ctx.webshop
            loaded, now = 0, datetime.now(UTC)
            for size in sizes:
                started = time.perf_counter()
                loaded += load_history(store.engine, start=loaded, stop=size,
                                       total=sizes[-1], now=now, platform=mp.platform,
                                       account=mp.account, webshop_platform=shop.platform,
                                       webshop_account=shop.account,
                                       legacy=args.legacy_cancelled)
                analyze(store.engine, vacuum=True)
                load_s = time.perf_counter() - started
                figures[str(size)], log = measure(stack, ctx, store, args.cycles)
                f = figures[str(size)]
                print(f"{size:>9} historical orders (loaded in {load_s:6.1f}s): idle cycle "
                      f"{f['requests']} requests {f['requests_by_stream']}, "
                      f"{f['db_statements']} statements reading {f['rows_read']} rows, "
                      f"DB {f['db_ms_median']} ms "
                      f"(max {f['db_ms_max']}), cycle {f['cycle_ms_median']} ms", flush=True)
            queries = {sql: s for sql, s in log.distinct().items() if is_query(sql)}
            print(f"\n{len(queries)} distinct queries in an idle cycle at {sizes[-1]} "
                  f"historical orders ({open_counts}):")
            for sql, statement in queries.items():
                plan = explain(store.engine, statement)
                found = seq_scans(plan)
                if found:
                    scans[" ".join(sql.split())[:120]] = found
                if not args.no_plans:
                    print("\n" + " ".join(sql.split()))
                    print("  " + plan.replace("\n", "\n  "))
            store.dispose()
    finally:
        db.drop()
    sizes_s = [str(s) for s in sizes]
    first, last = figures[sizes_s[0]], figures[sizes_s[-1]]
    result = {
        "benchmark": "idle_cycle",
        "legacy_cancelled": args.legacy_cancelled,
        "sizes": figures,
        "db_ms_ratio_largest_to_smallest": round(
            last["db_ms_median"] / max(first["db_ms_median"], 1e-9), 2),
        "seq_scans_on_history": scans,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
