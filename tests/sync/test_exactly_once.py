"""Crashes, uncertain writes and overlapping runs leave every order exactly once everywhere."""

import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from ordersync.orders import OrderStatus
from ordersync.store import Action
from ordersync.store.page_writes import PageWrites
from tests.sync.test_order_loop import cycle, shop_order

ROOT = Path(__file__).resolve().parents[2]


class Crash(BaseException):
    """Stands for the process dying (not an Exception: nothing may catch it)."""


def crash_on_flush(monkeypatch):
    """The process dies while a page's outcomes are being committed (``PageWrites``): the
    remote writes happened, the hub recorded none of them."""
    original = PageWrites._write

    def die(self, outcomes):
        monkeypatch.setattr(PageWrites, "_write", original)
        raise Crash(f"committing {len(outcomes)} outcomes")

    monkeypatch.setattr(PageWrites, "_write", die)


def after_lease(sandbox, store, ctx):
    """A fresh run (another owner) once the dead run's lease has run out."""
    return sandbox.context(store, clock=lambda: ctx.clock() + ctx.settings.lease
                           + timedelta(seconds=1))


def test_crash_between_webshop_create_and_commit_creates_once(sandbox, store, monkeypatch):
    ctx = sandbox.context(store)
    bol_id = sandbox.bolcom.place_order()
    crash_on_flush(monkeypatch)
    with pytest.raises(Crash):
        cycle(ctx)
    shop_order(sandbox, bol_id)  # the webshop has it; the hub does not know yet
    assert store.find("bolcom", "sandbox", bol_id).webshop_order_id is None
    cycle(sandbox.context(store))  # a run inside the lease leaves it alone
    shop_order(sandbox, bol_id)
    counts = cycle(after_lease(sandbox, store, ctx)).counts
    assert counts.get("reconciled") == 1 and "created" not in counts
    assert store.find("bolcom", "sandbox", bol_id).webshop_order_id == str(
        shop_order(sandbox, bol_id)["id"])


def test_uncertain_webshop_write_is_reconciled_not_repeated(sandbox, store):
    ctx = sandbox.context(store)
    bol_id = sandbox.bolcom.place_order()
    httpx.post(f"{sandbox.shopify_url}/_sandbox/faults", json={
        "method": "POST", "path": "/orders.json$", "status": 503, "after_handling": True})
    counts = cycle(ctx).counts
    assert counts.get("deferred") == 1
    counts = cycle(ctx).counts  # released intent: reclaimed at once, looked up first
    assert counts.get("reconciled") == 1
    shop_order(sandbox, bol_id)


def test_webshop_down_defers_and_the_next_run_creates(sandbox, store):
    ctx = sandbox.context(store)
    bol_id = sandbox.bolcom.place_order()
    httpx.post(f"{sandbox.shopify_url}/_sandbox/faults", json={
        "method": "POST", "path": "/orders.json$", "status": 503})
    assert cycle(ctx).counts.get("deferred") == 1
    assert sandbox.shopify.orders_with_reference(f"bolcom:{bol_id}") == []
    assert cycle(ctx).counts.get("created") == 1
    shop_order(sandbox, bol_id)


def test_crash_after_shipment_confirmation_confirms_once(sandbox, store, monkeypatch):
    ctx = sandbox.context(store)
    bol_id = sandbox.bolcom.place_order()
    cycle(ctx)
    sandbox.shopify.complete(shop_order(sandbox, bol_id)["id"], "3SABCD1234567")
    crash_on_flush(monkeypatch)
    with pytest.raises(Crash):
        cycle(ctx)
    counts = cycle(after_lease(sandbox, store, ctx)).counts
    assert counts.get("reconciled") == 1, counts
    assert len(sandbox.bolcom.shipments_of(bol_id)) == 1
    record = store.find("bolcom", "sandbox", bol_id)
    assert record.status == OrderStatus.SHIPPED and record.marketplace_confirmed_at


def test_overlapping_runs_create_each_order_once(sandbox, store):
    ids = [sandbox.bolcom.place_order() for _ in range(12)]
    errors = []

    def run():
        try:
            cycle(sandbox.context(store))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for bol_id in ids:
        shop_order(sandbox, bol_id)
    assert store.count_by_status() == {"not_shipped": 12}
    assert store.write_states(Action.CREATE_IN_WEBSHOP) == {"done": 12}


def test_killed_process_mid_write_leaves_no_duplicate(sandbox, store, tmp_path):
    """SIGKILL a real process while Shopify has the order but never answered."""
    url = store.engine.url.render_as_string(hide_password=False)
    bol_id = sandbox.bolcom.place_order()
    httpx.post(f"{sandbox.shopify_url}/_sandbox/faults", json={
        "method": "POST", "path": "/orders.json$", "status": 0, "after_handling": True})
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.sync.crashing_run", sandbox.bolcom_url,
         sandbox.shopify_url, url], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not sandbox.shopify.orders_with_reference(f"bolcom:{bol_id}"):
            assert proc.poll() is None, "the run ended before it wrote"
            assert time.monotonic() < deadline, "the run never reached Shopify"
            time.sleep(0.05)
    finally:
        proc.kill()
        proc.wait()
    record = store.find("bolcom", "sandbox", bol_id)
    assert record.webshop_order_id is None  # it died before it could record the id
    ctx = sandbox.context(store)
    counts = cycle(after_lease(sandbox, store, ctx)).counts
    assert counts.get("reconciled") == 1
    shop_order(sandbox, bol_id)
