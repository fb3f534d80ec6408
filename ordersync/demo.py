"""The main job on the embedded default: a local Prefect server (SQLite), the sandbox twins
(bol.com, Amazon, and the shop: Shopify, or ``shop=`` any webshop of the registry in
``ordersync.sandbox.webshops``), the blocks of two order connections and (when the shop's
connector is a ``ShopOrderSource``) a shop import connection,
the deployments of prefect.yaml with their schedules set to the demo's interval, a process
worker, and demo traffic (see demo_traffic). The backfill of the shop's own order history is
triggered once, as a merchant would by hand. Ctrl-C stops everything it started.

A demo session keeps Prefect's state (run history, blocks) in ``$ORDERSYNC_HOME/prefect`` but
starts a new hub database, as its sandbox platforms are new; runs an earlier session left
scheduled or pending are cancelled first. ``fresh=True`` wipes the demo's state first.

``check=True`` (``ordersync demo --check``): scripted traffic with bad input, then a drain
(no new traffic) until every expectation is met or its deadline passed, then the verdicts of
``ordersync.demo_check``; exit status 1 when anything failed.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from prefect.settings import PREFECT_API_URL, PREFECT_HOME, temporary_settings

from ordersync import demo_check as dc
from ordersync.alerts import AlertReceiver, configure_notifications, start_alert_receiver
from ordersync.connectors.base import ShopOrderSource
from ordersync.demo_returns import buyer_returns, check_return_coverage, check_returns
from ordersync.demo_test_orders import check_test_orders, run_demo_test_order
from ordersync.demo_traffic import Traffic, stock_the_shop
from ordersync.demo_webhooks import start_notifications
from ordersync.local import LocalPrefect, prefect_env
from ordersync.sandbox.common import free_port
from ordersync.sandbox.stack import SandboxStack
from ordersync.sandbox.webshops import webshop

BOLCOM, AMAZON, SHOP = "sandbox", "sandbox-amazon", "sandbox-shop"
SCHEDULED = ["order-sync", "order-sync-amazon", "stock-sync", "shop-import"]
ACTIVE_STATES = ["SCHEDULED", "PENDING", "RUNNING", "PAUSED", "CANCELLING"]
HUB_DB = "ordersync.db"
LOGS = ("server", "worker")
NOTIFIED_WORKER_QUERY_SECONDS = 2.0  # measured: fulfilment -> bol.com p95 8.2 s (README)


def run_demo(*, port: int | None, interval: float, tracking_wait: float,
             orders_per_minute: float, duration: float | None, history: int = 300,
             check: bool = False, fresh: bool = False, seed: int | None = None,
             shop: str = "shopify", notifications: bool = True) -> int:
    home = Path(os.environ.get("ORDERSYNC_HOME") or Path.cwd() / ".ordersync").resolve()
    if fresh:
        _wipe(home)
    home.mkdir(parents=True, exist_ok=True)
    started = _new_session(home)
    prefect = LocalPrefect(home, port or free_port())
    # Before Prefect is imported: this process and every child talk to the local server,
    # and the flows use this session's hub database (never one from the environment).
    os.environ.update(prefect_env(home, prefect.port))
    settings = client_settings(prefect)  # Prefect may have read its settings already
    settings.__enter__()  # left in finally below
    os.environ["ORDERSYNC_DATABASE_URL"] = f"sqlite:///{home / HUB_DB}"
    sandbox = SandboxStack(rate_limits=True, marketplaces=("bolcom", "amazon"),
                           shop_platform=webshop(shop).platform)
    traffic = Traffic(sandbox, _say, random.Random(seed), scripted=check)
    alerts = start_alert_receiver(out=sys.stdout)  # where the alert automations notify
    status = 0
    try:
        sandbox.start()
        _say(f"sandbox bol.com at {sandbox.bolcom_url}, Amazon at {sandbox.url('amazon')}, "
             f"{sandbox.row.title} at {sandbox.url(shop)}; hub database {home / HUB_DB} (new)")
        imports = _imports(sandbox)
        scheduled = [name for name in SCHEDULED if imports or name != "shop-import"]
        stock_the_shop(sandbox, history, _say)
        _say(f"starting Prefect server (state in {home / 'prefect'}) ...")
        prefect.start_server()
        _say(f"Prefect UI: {prefect.ui_url}")
        _save_blocks(sandbox, tracking_wait, imports)
        configure_notifications(alerts.url)
        _say(f"alerts (orders in error/manual/overdue, failed runs) go to {alerts.url}")
        _say("deploying prefect.yaml (prefect deploy --all) and the automations ...")
        prefect.deploy()
        prefect.set_interval(scheduled, interval)
        if not imports:
            prefect.pause_schedules(["shop-import"])
            _say(f"{sandbox.row.title} is no shop import source: shop-import is paused")
        _cancel_leftovers(prefect, started)
        _overview()  # creates the session's hub database before any flow run needs it
        run_demo_test_order(sandbox, BOLCOM, "MUG-350", _say)  # = ordersync test-order --wait
        # a notification's run waits for the worker's next query: every 2 s, not 10
        prefect.start_worker(query_seconds=NOTIFIED_WORKER_QUERY_SECONDS if notifications
                             else None)
        if notifications:
            start_notifications(prefect, sandbox, _say)
        _say(f"worker started on pool 'ordersync'; {', '.join(scheduled)} scheduled every "
             f"{interval:g}s, tracking wait {tracking_wait:g} min. Ctrl-C stops everything.")
        if imports:
            _run("backfill/backfill", {"connection": SHOP})
            _say(f"backfill of {SHOP!r} triggered (by hand: prefect deployment run "
                 f"backfill/backfill -p connection={SHOP})")
        if check:
            traffic.plant_bad_input()
        _traffic(traffic, interval, orders_per_minute, duration)
        if check:
            status = _check(prefect, sandbox, traffic, started,
                            dc.Limits.for_demo(interval, tracking_wait), alerts, scheduled)
    except KeyboardInterrupt:
        _say("stopping ...")
        status = 130 if check else 0
    finally:
        prefect.stop()
        sandbox.stop()
        alerts.stop()
        settings.__exit__(None, None, None)
    _say("stopped.")
    return status


def client_settings(prefect: LocalPrefect):
    """This process's Prefect client settings for the local server: the environment alone
    is not enough once Prefect is imported (it reads its settings at import)."""
    return temporary_settings(updates={PREFECT_API_URL: prefect.api_url,
                                       PREFECT_HOME: str(prefect.home / "prefect")})


def _wipe(home: Path) -> None:
    """What the demo keeps in ``home``: Prefect's state, the logs, the hub database."""
    for name in ("prefect", "logs"):
        shutil.rmtree(home / name, ignore_errors=True)
    for path in home.glob(f"{HUB_DB}*"):
        path.unlink()
    _say(f"--fresh: removed the demo's state in {home}")


def _new_session(home: Path) -> datetime:
    """A new hub database (the sandbox platforms are new too); the previous session's logs
    move to logs/previous/. Returns the session's start."""
    for path in home.glob(f"{HUB_DB}*"):
        path.unlink()
    logs = home / "logs"
    if logs.is_dir():
        previous = logs / "previous"
        previous.mkdir(exist_ok=True)
        for log in logs.glob("*.log"):
            log.replace(previous / log.name)
    return datetime.now(UTC)


def _cancel_leftovers(prefect: LocalPrefect, started: datetime) -> None:
    """Runs an earlier session left scheduled, pending or running belong to platforms that
    are gone: cancel them before the worker starts. (Its auto-scheduled runs are gone
    already: Prefect drops them when the deployments and their schedules are updated.)"""
    leftovers = [r for r in prefect.flow_runs(ACTIVE_STATES) if _created(r) < started]
    if leftovers:
        prefect.cancel_runs(leftovers, "left over from an earlier demo session")
        _say(f"cancelled {len(leftovers)} runs an earlier demo left scheduled or pending")


def _created(run: dict) -> datetime:
    return datetime.fromisoformat(run["created"])


def _in_session(run: dict, started: datetime) -> bool:
    """Created in this session, or an older run that started in it (a leftover)."""
    begun = run.get("start_time")
    return _created(run) >= started or bool(begun) and datetime.fromisoformat(begun) >= started


def _imports(sandbox: SandboxStack) -> bool:
    """Does the shop's connector import the shop's own orders (a ``ShopOrderSource``)?"""
    connector = sandbox.webshop()
    try:
        return isinstance(connector, ShopOrderSource)
    finally:
        connector.close()


def _save_blocks(sandbox: SandboxStack, tracking_wait: float, imports: bool) -> None:
    from ordersync.blocks.sandbox import save_sandbox_connection, save_sandbox_shop_import

    save_sandbox_connection(BOLCOM, sandbox, marketplace="bolcom",
                            tracking_wait_minutes=tracking_wait, returns="refund")
    save_sandbox_connection(AMAZON, sandbox, marketplace="amazon",
                            tracking_wait_minutes=tracking_wait, pending_orders="import")
    if imports:
        save_sandbox_shop_import(SHOP, sandbox, hub_currency="EUR", identify_products_by="sku")


def _run(deployment: str, parameters: dict) -> None:
    from prefect.deployments import run_deployment

    run_deployment(deployment, parameters=parameters, timeout=0)


def _traffic(traffic: Traffic, interval: float, orders_per_minute: float,
             duration: float | None) -> None:
    """Buyers, shoppers, payments and the merchant; the deployments' schedules run the
    syncs. The hub's overview every ``interval`` seconds."""
    rng = traffic.rng
    start = time.monotonic()
    next_order = next_shopper = next_overview = start
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
        buyer_returns(traffic)
        if now >= next_overview:
            _overview()
            next_overview = now + interval
        time.sleep(1.0)


def _check(prefect: LocalPrefect, sandbox: SandboxStack, traffic: Traffic,
           started: datetime, limits: dc.Limits, alerts: AlertReceiver,
           scheduled: list[str]) -> int:
    """Drain, judge, print the failures, the figures and a final JSON line; 0 if all passed."""
    from ordersync.flows.runtime import store_for

    traffic.payments(time.monotonic(), all_due=True)
    drain = (limits.grace + limits.tracking_wait).total_seconds() + 15
    limit = time.monotonic() + drain
    last_call = limit + drain  # the merchant acts at most this long after the traffic
    _say("traffic stopped; waiting for the hub to finish what is open ...")
    per_line = sandbox.row.per_line is None  # whole-order shops make no parcels (traffic)
    reported = None
    while True:
        now = datetime.now(UTC)
        markets = dc.read_bolcom(sandbox, traffic.ledger) + dc.read_amazon(sandbox,
                                                                         traffic.ledger)
        shop = dc.read_shop(sandbox, traffic.ledger)
        hub = dc.read_hub(store_for())
        buyer_returns(traffic)  # orders shipped late come back too
        verdict = dc.check_platforms(markets, shop, limits, now).merge(
            dc.check_hub(hub, markets, limits, now)).merge(
            check_returns(sandbox, traffic.ledger, hub, limits, now))
        covered = not dc.check_coverage(markets, shop, per_line=per_line).findings
        if not covered and time.monotonic() < last_call:
            # On a slow machine orders reach the shop late: the merchant keeps handling
            # them until every case was exercised, and each action gets its own deadline.
            handled = len(traffic.handled)
            traffic.merchant()
            if len(traffic.handled) > handled:
                limit = max(limit, time.monotonic() + drain)
            time.sleep(5.0)
            continue
        if not verdict.open or time.monotonic() > limit:
            break
        if len(verdict.open) != reported:
            reported = len(verdict.open)
            _say(f"{reported} expectations open, e.g. {verdict.open[0]}")
        time.sleep(5.0)
    runs = [r for r in prefect.flow_runs(not_states=["SCHEDULED"]) if _in_session(r, started)]
    logs = {name: _read_log(prefect.home / "logs" / f"{name}.log") for name in LOGS}
    verdict.merge(dc.check_coverage(markets, shop, per_line=per_line)).merge(
        dc.check_runs(runs, scheduled)).merge(dc.check_logs(logs)).merge(
        check_return_coverage(sandbox, traffic.ledger))
    verdict.figures["orders"] = dc.order_figures(markets, shop)
    verdict.merge(dc.check_alerts(alerts.alerts, planted=len(traffic.ledger.planted)))
    verdict.merge(check_test_orders(store_for(), shop, expected=1))
    for expectation in verdict.open:
        _say(f"not judged (deadline ahead): {expectation}")
    summary = dc.report(verdict, _say)
    print(json.dumps(summary, sort_keys=True), flush=True)
    return 0 if summary["ok"] else 1


def _read_log(path: Path) -> list[str]:
    return path.read_text(errors="replace").splitlines() if path.exists() else []


def _overview() -> None:
    from ordersync.flows.runtime import store_for

    counts = store_for().count_by_status()
    _say("marketplace orders: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
                                   or "none yet"))


def _say(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)
