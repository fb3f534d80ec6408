"""The ``ordersync`` command."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from ordersync.connect_cli import add_parsers as add_connection_parsers
from ordersync.connect_cli import run_connect, run_connections
from ordersync.webhooks.cli import add_parsers as add_webhook_parsers
from ordersync.webhooks.cli import run_webhooks


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["carrier"]:
        from ordersync.carriers.cli import main as carrier_main

        return carrier_main(argv[1:], sys.stdin, sys.stdout)
    from ordersync.sandbox.webshops import names as webshop_names  # the demo's --shop choices
    parser = argparse.ArgumentParser(prog="ordersync", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="the main job on the embedded default (Ctrl-C stops it)",
                          formatter_class=argparse.ArgumentDefaultsHelpFormatter,
                          description="Local Prefect server, sandbox bol.com/Amazon and a "
                          "webshop (--shop), deployments scheduled every --interval, a worker "
                          "and demo traffic. "
                          "State in $ORDERSYNC_HOME (default ./.ordersync): Prefect's run "
                          "history is kept, the hub database is new every session.")
    demo.add_argument("--port", type=int, default=None,
                      help="Prefect server port (None: a free one)")
    demo.add_argument("--interval", type=float, default=60.0,
                      help="seconds between scheduled runs of order-sync(-amazon), stock-sync "
                      "and shop-import (prefect.yaml says 300)")
    demo.add_argument("--tracking-wait", type=float, default=None,
                      help="minutes a completed order waits for track & trace (None: 3, "
                      "0.5 with --check)")
    demo.add_argument("--orders-per-minute", type=float, default=6.0,
                      help="buyers' orders per minute (shoppers: a third of that)")
    demo.add_argument("--duration", type=float, default=None,
                      help="seconds of traffic, then stop (None: until Ctrl-C)")
    demo.add_argument("--history", type=int, default=300,
                      help="orders of the shop's own from the last 90 days, for the backfill")
    demo.add_argument("--check", action="store_true",
                      help="acceptance check: scripted traffic with bad input, then verdicts "
                      "on the platforms, the hub, the flow runs and the logs; exit 1 on any "
                      "failure (give --duration)")
    demo.add_argument("--fresh", action="store_true",
                      help="first remove the demo's state in $ORDERSYNC_HOME (Prefect state, "
                      "logs, hub database)")
    demo.add_argument("--seed", type=int, default=None, help="seed of the traffic's randomness")
    demo.add_argument("--shop", default="shopify", choices=webshop_names(),
                      help="the sandbox webshop the marketplaces' orders go to (a row of "
                      "ordersync.sandbox.webshops)")
    demo.add_argument("--no-notifications", dest="notifications", action="store_false",
                      help="polling only: no webhook receiver (Shopify notifications run "
                      "order-sync at once otherwise)")

    run = sub.add_parser("sync", help="run one order_sync cycle in-process and print a summary")
    run.add_argument("--connection", default="sandbox")

    orders = sub.add_parser("orders", help="the order overview by status")
    orders.add_argument("--status", default=None)
    orders.add_argument("--limit", type=int, default=20)
    orders.add_argument("order", nargs="?", default=None,
                        help="only this order: marketplace order id (or the hub's row id)")

    events = sub.add_parser("events", help="one order's event log")
    events.add_argument("order", help="marketplace order id (or the hub's row id)")
    returns = sub.add_parser("returns", help="the marketplace returns: per returned item, "
                             "its order line, quantity, reason and where it stands")
    returns.add_argument("order", nargs="?", default=None,
                         help="only this order: marketplace order id (or the hub's row id)")
    _order_actions(sub)

    write_off = sub.add_parser("write-off", help="write off a webshop order's products in "
                               "the hub (WooCommerce then gets 'completed')")
    write_off.add_argument("platform", choices=["shopify", "woocommerce", "cartum"])
    write_off.add_argument("order_number")
    write_off.add_argument("--connection", required=True,
                           help="the shop-import-connection block of that shop")
    shop_orders = sub.add_parser("shop-orders", help="the webshop orders the hub imported")
    shop_orders.add_argument("--platform", default=None)
    shop_orders.add_argument("--limit", type=int, default=20)

    stock = sub.add_parser("stock", help="the quantities sent to marketplaces: when, why, "
                           "outcome (or --reservations)")
    stock.add_argument("--marketplace", default=None, help="amazon, bolcom, ...")
    stock.add_argument("--sku", default=None)
    stock.add_argument("--limit", type=int, default=20)
    stock.add_argument("--reservations", action="store_true",
                       help="the active reservations of Amazon's pending orders")
    _test_order_parser(sub)
    sub.add_parser("carrier", help="detect the carrier of a track & trace code (see --help)")
    sub.add_parser("migrate", help="create or upgrade the hub's database")
    automations = sub.add_parser("automations", help="apply automations/*.yaml to the Prefect "
                                 "API (zombie flow-run detection); safe to repeat")
    automations.add_argument("--within", type=float, default=None,
                             help="override the heartbeat window in seconds")
    pool = sub.add_parser(
        "work-pool", help="create or update the process work pool the deployments run on",
        description="Create the process work pool (or update its template) so that a worker "
        "starts each flow run as Prefect's engine under the hub's interpreter, instead of a "
        "workspace supervisor, an interpreter that imports Prefect before it execs the engine "
        "(a second interpreter start per run). Safe to repeat.")
    pool.add_argument("--name", default="ordersync")
    pool.add_argument("--python", default=sys.executable,
                      help="the hub's interpreter on the worker machines (default: this one)")
    add_connection_parsers(sub)
    add_webhook_parsers(sub)

    args = parser.parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except KeyboardInterrupt:
        return 130
    except ValueError as exc:  # configuration problems: say what to fix, no traceback
        print(f"ordersync: {exc}", file=sys.stderr)
        return 2


def _demo(args) -> int:
    from ordersync.demo import run_demo

    if args.check and args.duration is None:
        raise ValueError("demo --check needs --duration (seconds of traffic before the check)")
    wait = args.tracking_wait if args.tracking_wait is not None else 0.5 if args.check else 3.0
    return run_demo(port=args.port, interval=args.interval, tracking_wait=wait,
                    orders_per_minute=args.orders_per_minute, duration=args.duration,
                    history=args.history, check=args.check, fresh=args.fresh, seed=args.seed,
                    shop=args.shop, notifications=args.notifications)


def _sync(args) -> int:
    from ordersync.flows.order_sync import order_sync

    counts = order_sync(connection=args.connection)
    print(json.dumps({"connection": args.connection, **counts}, indent=2, sort_keys=True))
    return 0


def _orders(args) -> int:
    from ordersync.flows.runtime import store_for
    from ordersync.orders import OrderStatus
    from ordersync.store.actions import orders_by_reference
    from ordersync.store.test_orders import TestOrderStore

    store = store_for()
    if args.order is not None:
        rows = orders_by_reference(store, args.order)
        if not rows:
            raise ValueError(f"no order {args.order!r}")
    else:
        counts = store.count_by_status()
        print("  ".join(f"{s}: {counts.get(s, 0)}" for s in OrderStatus))
        tests = TestOrderStore(store).count()
        if tests:
            print("test orders (not counted above): "
                  + ", ".join(f"{s} {n}" for s, n in sorted(tests.items())))
        status = OrderStatus(args.status) if args.status else None
        rows = store.list_orders(status, args.limit)
    if rows:
        print()
        print(_table(["id", "marketplace", "status", "webshop", "tracking", "carrier"], [
            [str(r.id), f"{r.platform}:{r.external_id}", str(r.status),
             r.webshop_order_id or "-", r.tracking_number or "-",
             (r.carrier_code or "-") + (f" (error: {r.error_reason})" if r.error_reason
                                        else "")]
            for r in rows
        ]))
    return 0


def _table(header: list[str], rows: list[list[str]]) -> str:
    """Columns as wide as their widest cell (long Amazon ids stay aligned); ids right."""
    widths = [max(len(c) for c in col) for col in zip(header, *rows, strict=True)]
    lines = []
    for row in [header, *rows]:
        cells = [row[0].rjust(widths[0])] + [c.ljust(w) for c, w in zip(row[1:], widths[1:],
                                                                          strict=True)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _events(args) -> int:
    from ordersync.flows.runtime import store_for
    from ordersync.store.actions import orders_by_reference

    store = store_for()
    found = orders_by_reference(store, args.order)
    if not found:
        raise ValueError(f"no order {args.order!r}")
    for record in found:
        if len(found) > 1:
            print(f"== {record.platform}:{record.account}:{record.external_id} (id {record.id})")
        for e in store.events(record.id):
            print(f"{e['at']:%Y-%m-%d %H:%M:%S}  {e['level']:<7} {e['kind']:<22} "
                  f"{e['message']}")
    return 0


def _order_actions(sub) -> None:
    """``retry|resolve|ship|cancel --connection C ORDER``: the deployments' actions."""
    helps = {
        "retry": "retry an order in error (create in the webshop, or push to the marketplace, "
                 "again; looked up first)",
        "resolve": "mark an order handled by hand (manual): the hub stops acting on it",
        "ship": "ship an order with a track & trace code and confirm it on the marketplace",
        "cancel": "cancel an order in the hub, the webshop and on the marketplace",
    }
    for name, text in helps.items():
        p = sub.add_parser(name, help=text, description=text)
        p.add_argument("order", help="marketplace order id (or the hub's row id)")
        p.add_argument("--connection", required=True, help="the order connection block")
        p.add_argument("--note", default="", help="why, for the order's event log")
        if name == "ship":
            p.add_argument("--tracking", required=True, help="the track & trace code")
            p.add_argument("--carrier", default=None,
                           help="e.g. PostNL, DHL, UPS (default: read from the code)")


def _order_action(args) -> int:
    from ordersync.flows import actions as flows

    flow = {"retry": flows.retry_order, "resolve": flows.resolve_order,
            "ship": flows.ship_order, "cancel": flows.cancel_order}[args.command]
    kwargs = {"connection": args.connection, "marketplace_order_id": args.order,
              "note": args.note}
    if args.command == "ship":
        kwargs.update(tracking_number=args.tracking, carrier=args.carrier)
    result = flow(**kwargs)
    print(json.dumps(result, indent=2, sort_keys=True))
    return 0


def _migrate(args) -> int:
    from ordersync.flows.runtime import store_for

    store_for()
    print("database is up to date")
    return 0


def _work_pool(args) -> int:
    from ordersync.flows.work_pool import engine_command, ensure_work_pool

    done = ensure_work_pool(args.name, args.python)
    print(f"work pool {args.name} {done}: flow runs start as `{engine_command(args.python)}`")
    return 0


def _automations(args) -> int:
    from ordersync.flows.automations import apply_automations

    for name in apply_automations(within_seconds=args.within):
        print(f"automation {name} applied")
    return 0


def _write_off(args) -> int:
    from ordersync.flows.shop_import import open_shop_context
    from ordersync.shop_import.steps import write_off

    with open_shop_context(args.connection) as ctx:
        if ctx.source.platform != args.platform:
            raise ValueError(f"connection {args.connection!r} is a {ctx.source.platform} "
                             f"shop, not {args.platform}")
        record, counts = write_off(ctx, args.order_number)
    print(json.dumps({"order": record.number, "status": record.status,
                      "written_off_at": str(record.written_off_at), **counts}, indent=2))
    return 0


def _shop_orders(args) -> int:
    from ordersync.flows.runtime import store_for
    from ordersync.store.shop_repository import ShopImportRepository

    repo = ShopImportRepository(store_for())
    print("  ".join(f"{k}: {v}" for k, v in repo.totals().items()))
    for r in repo.list_orders(args.platform, args.limit):
        lines = ", ".join(f"{ln.quantity} x {ln.name}" for ln in r.lines)
        off = " (written off)" if r.written_off_at else ""
        print(f"{r.id:>6}  {r.platform + ':' + r.number:<24} {r.status:<12} "
              f"{r.total:>10} {r.currency}  {lines}{off}")
    return 0


_COMMANDS = {"demo": _demo, "sync": _sync, "orders": _orders, "events": _events,
             "migrate": _migrate, "automations": _automations,
             "work-pool": _work_pool}
_COMMANDS.update({"write-off": _write_off, "shop-orders": _shop_orders})


def _returns(args) -> int:
    from ordersync.flows.runtime import store_for
    from ordersync.store.actions import orders_by_reference
    from ordersync.store.returns import ReturnStore

    store = store_for()
    ids = None
    if args.order is not None:
        ids = [r.id for r in orders_by_reference(store, args.order)]
        if not ids:
            raise ValueError(f"no order {args.order!r}")
    rows = ReturnStore(store).returns(order_ids=ids)
    print(_table(["rma", "order", "line", "qty", "webshop", "marketplace", "reason / problem"],
                 [[r["rma_id"], r["order"] or "-", r["line_id"] or "-", str(r["quantity"]),
                   f"{r['webshop']}" + (f" ({r['mode']})" if r["mode"] else ""),
                   r["marketplace"], (r["problem"] or r["reason"] or "-")[:60]]
                  for r in rows]) if rows else "no returns")
    return 0


_COMMANDS["returns"] = _returns


def _stock(args) -> int:
    from ordersync.flows.runtime import store_for
    from ordersync.stock.report import print_stock

    return print_stock(store_for(), sys.stdout, marketplace=args.marketplace, sku=args.sku,
                       limit=args.limit, reservations=args.reservations)


_COMMANDS["stock"] = _stock


def _test_order_parser(sub) -> None:
    p = sub.add_parser("test-order", help="place a marked test order for an order connection "
                       "and run it through the loop (never sent to the marketplace)",
                       description="A hub-made order (TEST-<time>) is created in the webshop "
                       "as its test kind, completion is detected as usual, the push to the "
                       "marketplace is skipped and recorded, and the order is deleted in the "
                       "webshop. Every run places a new one.")
    p.add_argument("--connection", required=True, help="the order connection block")
    p.add_argument("--sku", action="append", default=None,
                   help="a SKU the webshop has (repeat for more lines; default: the first "
                   "SKU in stock)")
    p.add_argument("--quantity", type=int, default=1, help="per line")
    p.add_argument("--wait", action="store_true",
                   help="wait until the merchant completed it in the webshop, then finish "
                   "the loop (push skipped, order deleted)")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds --wait waits")
    p.add_argument("--poll", type=float, default=15.0, help="seconds between checks")


def _test_order(args) -> int:
    from datetime import timedelta

    from ordersync.flows.runtime import open_context
    from ordersync.order_loop.test_orders import run_test_order, skus_in_stock

    if args.quantity < 1:
        raise ValueError("--quantity must be at least 1")
    with open_context(args.connection) as ctx:
        skus = args.sku or skus_in_stock(ctx.webshop, 1)
        run = run_test_order(ctx, [(sku, args.quantity) for sku in skus], wait=args.wait,
                             timeout=timedelta(seconds=args.timeout), poll=args.poll)
    print(json.dumps(run.as_dict(), indent=2, sort_keys=True))
    print(run.message, file=sys.stderr)
    return 0 if run.webshop_id and not run.message.startswith("timed out") else 1


_COMMANDS["test-order"] = _test_order
_COMMANDS.update({"connect": run_connect, "connections": run_connections})
_COMMANDS["webhooks"] = run_webhooks
_COMMANDS.update(dict.fromkeys(("retry", "resolve", "ship", "cancel"), _order_action))

if __name__ == "__main__":
    raise SystemExit(main())
