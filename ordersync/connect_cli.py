"""The ``ordersync connect`` and ``ordersync connections`` commands (see
``ordersync.flows.connect`` and ``ordersync.flows.connections``)."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from typing import Any


def add_parsers(sub: argparse._SubParsersAction) -> None:
    connect = sub.add_parser(
        "connect", help="create or update an order connection and its deployments",
        description="Create or update an order connection's blocks and its deployments "
        "(order-sync on an interval, stock-sync if asked) on the work pool; running it again "
        "updates them. Secrets are read from ORDERSYNC_<PLATFORM>_<FIELD> (e.g. "
        "ORDERSYNC_BOLCOM_CLIENT_SECRET) or prompted, never taken from the command line; on "
        "an update a secret not given again keeps its saved value.")
    connect.add_argument("name", help="the connection's name, e.g. bol-to-shopify")
    connect.add_argument("--marketplace", help="bolcom or amazon (update: the saved one)")
    connect.add_argument("--webshop", help="shopify or woocommerce (update: the saved one)")
    connect.add_argument("-m", "--marketplace-field", action="append", default=[],
                         metavar="FIELD=VALUE", help="a credentials field, e.g. client_id=...")
    connect.add_argument("-w", "--webshop-field", action="append", default=[],
                         metavar="FIELD=VALUE", help="a credentials field, e.g. shop=my-shop")
    connect.add_argument("-s", "--setting", action="append", default=[], metavar="NAME=VALUE",
                         help="a connection setting, e.g. tracking_wait_minutes=120")
    connect.add_argument("--interval", type=float, default=300.0,
                         help="seconds between order-sync runs (default 300)")
    connect.add_argument("--stock-sync", action="store_true",
                         help="also deploy stock-sync for this connection")
    connect.add_argument("--work-pool", default="ordersync")
    connect.add_argument("--no-deploy", action="store_true", help="only save the blocks")
    listing = sub.add_parser("connections", help="order connections: schedule, last run, "
                             "health")
    listing.add_argument("--json", action="store_true", help="JSON instead of a table")


def pairs(items: list[str], what: str) -> dict[str, Any]:
    """``NAME=VALUE`` arguments; a value starting with [ or { is JSON (lists, maps)."""
    values: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ValueError(f"{what} {item!r}: write NAME=VALUE")
        if value[:1] in "[{":
            try:
                value = json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{what} {name}: not valid JSON ({exc.msg})") from None
        values[name.strip()] = value
    return values


def env_or_prompt(platform: str, field: str, saved: bool) -> str | None:
    """A secret from the environment, else (if none is saved and this is a terminal) asked
    for without echo."""
    from ordersync.flows.connect import env_name

    value = os.environ.get(env_name(platform, field))
    if value or saved or not sys.stdin.isatty():
        return value or None
    return getpass.getpass(f"{platform} {field} (not shown): ") or None


def run_connect(args: argparse.Namespace) -> int:
    from ordersync.flows.connect import ConnectionSpec, connect

    spec = ConnectionSpec(
        name=args.name, marketplace=args.marketplace, webshop=args.webshop,
        marketplace_fields=pairs(args.marketplace_field, "marketplace field"),
        webshop_fields=pairs(args.webshop_field, "webshop field"),
        settings=pairs(args.setting, "setting"), interval_seconds=args.interval,
        stock_sync=args.stock_sync, work_pool=args.work_pool)
    summary = connect(spec, env_or_prompt, deployments=not args.no_deploy)
    verb = "updated" if summary["updated"] else "created"
    print(f"connection {summary['connection']} {verb}: {summary['marketplace']} -> "
          f"{summary['webshop']}, order sync every {args.interval:g}s")
    print(f"blocks: {', '.join(summary['blocks'])}")
    if summary["deployments"]:
        print(f"deployments on pool {args.work_pool}: {', '.join(summary['deployments'])}")
    return 0


def run_connections(args: argparse.Namespace) -> int:
    from ordersync.flows.connections import as_dicts, list_connections

    rows = list_connections()
    if args.json:
        print(json.dumps(as_dicts(rows), indent=2))
        return 0
    if not rows:
        print("no order connections deployed (ordersync connect NAME ..., or prefect deploy)")
        return 0
    print(table(["deployment", "connection", "marketplace -> webshop", "schedule",
                  "last run", "at (UTC)", "health"],
                 [[r.deployment, r.connection, r.route, r.schedule, r.last_run,
                   r.last_run_at, r.health] for r in rows]))
    return 0


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(c) for c in col) for col in zip(header, *rows, strict=True)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
                     for row in [header, *rows])
