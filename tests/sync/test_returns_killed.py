"""SIGKILL a real process while the webshop refund, or the bol.com handling, has been applied
but not answered: the next run (after the lease) finds it on the platform and never writes
it twice."""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from ordersync.order_loop import ConnectionSettings
from ordersync.order_loop.returns import sync_returns
from ordersync.store.returns import ReturnStore
from tests.sync.test_order_loop import cycle, shop_order

ROOT = Path(__file__).resolve().parents[2]


def returned_order(sandbox, store) -> tuple[str, dict, str]:
    """A bol.com order shipped through the hub and returned by its buyer:
    (order id, its Shopify order, the RMA id)."""
    ctx = sandbox.context(store)
    bol_id = sandbox.bolcom.place_order()
    cycle(ctx)
    shop = shop_order(sandbox, bol_id)
    sandbox.shopify.complete(shop["id"], "3SABCD1234567")
    cycle(ctx)
    ret = sandbox.bolcom.create_return(bol_id)
    return bol_id, shop, ret["returnItems"][0]["rmaId"]


def run_until(sandbox, store, done) -> None:
    """Start the returns step in a process and kill it once ``done()`` holds."""
    url = store.engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.sync.crashing_returns_run", sandbox.bolcom_url,
         sandbox.shopify_url, url], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not done():
            assert proc.poll() is None, "the run ended before it wrote"
            assert time.monotonic() < deadline, "the run never wrote"
            time.sleep(0.05)
    finally:
        proc.kill()
        proc.wait()


def after_lease(sandbox, store):
    settings = ConnectionSettings(name="sandbox", process_poll_interval=0.01, returns="refund")
    ctx = sandbox.context(store, settings)
    return sandbox.context(store, settings, clock=lambda: ctx.clock() + settings.lease
                           + timedelta(seconds=1))


def handlings(sandbox, rma: str) -> list[str]:
    with sandbox.bolcom.state.lock:
        return [p.status for p in sandbox.bolcom.state.processes.values()
                if p.event_type == "HANDLE_RETURN_ITEM" and p.entity_id == rma]


@pytest.mark.slow
def test_killed_between_the_shopify_refund_and_the_commit_refunds_once(sandbox, store):
    bol_id, shop, rma = returned_order(sandbox, store)
    httpx.post(f"{sandbox.shopify_url}/_sandbox/faults", json={
        "method": "POST", "path": r"/refunds.json$", "status": 0, "after_handling": True})

    run_until(sandbox, store, lambda: sandbox.shopify.get(shop["id"])["refunds"])
    assert [r["webshop"] for r in ReturnStore(store).returns()] == ["submitted"]

    counts = sync_returns(after_lease(sandbox, store)).counts

    assert counts.get("return_reconciled") == 1 and "return_registered" not in counts
    assert len(sandbox.shopify.get(shop["id"])["refunds"]) == 1
    assert counts.get("return_handled") == 1 and handlings(sandbox, rma) == ["SUCCESS"]


@pytest.mark.slow
def test_killed_between_the_bolcom_handling_and_the_commit_handles_once(sandbox, store):
    bol_id, shop, rma = returned_order(sandbox, store)
    httpx.post(f"{sandbox.bolcom_url}/_sandbox/faults", json={
        "method": "PUT", "path": r"^/retailer/returns/", "status": 0, "after_handling": True})

    run_until(sandbox, store, lambda: handlings(sandbox, rma))
    assert [r["marketplace"] for r in ReturnStore(store).returns()] == ["submitted"]

    counts = sync_returns(after_lease(sandbox, store)).counts

    assert counts.get("handling_reconciled") == 1 and "handling_sent" not in counts
    assert handlings(sandbox, rma) == ["SUCCESS"]
    assert len(sandbox.shopify.get(shop["id"])["refunds"]) == 1
    assert [r["marketplace"] for r in ReturnStore(store).returns()] == ["done"]
