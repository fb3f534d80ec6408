"""A crash between a parcel's marketplace write and its commit never ships it twice: the next
run (after the dead run's lease) looks the parcel up on the marketplace before writing."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter

import httpx
import pytest

from ordersync.orders import OrderStatus
from ordersync.store.parcels import DONE, SUBMITTED, ParcelStore
from tests.sync.test_exactly_once import ROOT, Crash, after_lease
from tests.sync.test_order_loop import cycle, shop_order

CODE_1, CODE_2 = "3SABCD1234567", "3SABCD7654321"
ITEMS = [{"ean": "8712345678906", "title": "Mug", "quantity": 2, "unitPrice": 12.5},
         {"ean": "8712345678913", "title": "Plate", "quantity": 1, "unitPrice": 7.25}]


def mug_and_plate(sandbox, bol_id):
    shop = shop_order(sandbox, bol_id)
    return shop["id"], [li["id"] for li in shop["line_items"]]


def units(sandbox, bol_id) -> Counter:
    found: Counter = Counter()
    for row in sandbox.bolcom.shipments_of(bol_id):
        found[(row["orderItemId"], row["trackAndTrace"])] += row["quantity"]
    return found


def crash_when_parcel_written(monkeypatch):
    """The process dies right after the marketplace accepted a parcel, before the commit."""
    original = ParcelStore.finish

    def finish(self, parcel, state, **kw):
        if state in (DONE, SUBMITTED):
            monkeypatch.setattr(ParcelStore, "finish", original)
            raise Crash("parcel written, not committed")
        return original(self, parcel, state, **kw)

    monkeypatch.setattr(ParcelStore, "finish", finish)


def settle(sandbox, store, ctx, rounds=4) -> Counter:
    counts: Counter = Counter()
    for _ in range(rounds):
        counts.update(cycle(after_lease(sandbox, store, ctx)).counts)
    return counts


def test_crash_between_parcel_write_and_commit_ships_it_once(sandbox, store, monkeypatch):
    ctx = sandbox.context(store)
    bol_id = sandbox.bolcom.place_order(items=ITEMS)
    cycle(ctx)
    record = store.find("bolcom", "sandbox", bol_id)
    mug, plate = (line.line_id for line in record.lines)
    shop_id, (mug_item, plate_item) = mug_and_plate(sandbox, bol_id)
    sandbox.shopify.fulfill(shop_id, {mug_item: 2}, [CODE_1], "PostNL")
    crash_when_parcel_written(monkeypatch)
    with pytest.raises(Crash):
        cycle(ctx)
    assert cycle(sandbox.context(store)).counts.get("pushed") is None  # inside the lease

    counts = settle(sandbox, store, ctx)

    assert counts.get("reconciled") == 1 and "pushed" not in counts, counts
    assert units(sandbox, bol_id) == Counter({(mug, CODE_1): 2})
    assert [p.state for p in ParcelStore(store).of_order(record.id)] == [DONE]
    assert store.find("bolcom", "sandbox", bol_id).status == OrderStatus.PARTIAL

    sandbox.shopify.fulfill(shop_id, {plate_item: 1}, [CODE_2], "PostNL")
    settle(sandbox, store, ctx, rounds=2)
    assert units(sandbox, bol_id) == Counter({(mug, CODE_1): 2, (plate, CODE_2): 1})
    assert len({r["shipmentId"] for r in sandbox.bolcom.shipments_of(bol_id)}) == 2
    record = store.find("bolcom", "sandbox", bol_id)
    assert record.status == OrderStatus.SHIPPED and record.marketplace_confirmed_at


def test_killed_process_after_a_parcel_write_leaves_no_duplicate(sandbox, store):
    """SIGKILL a real process while bol.com has the parcel's shipment but never answered."""
    url = store.engine.url.render_as_string(hide_password=False)
    ctx = sandbox.context(store)
    bol_id = sandbox.bolcom.place_order(items=ITEMS)
    cycle(ctx)
    record = store.find("bolcom", "sandbox", bol_id)
    shop_id, items = mug_and_plate(sandbox, bol_id)
    sandbox.shopify.fulfill(shop_id, {items[0]: 1}, [CODE_1], "PostNL")  # part of line 1
    httpx.post(f"{sandbox.bolcom_url}/_sandbox/faults", json={
        "method": "POST", "path": "/retailer/shipments$", "status": 0, "after_handling": True})
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.sync.crashing_run", sandbox.bolcom_url,
         sandbox.shopify_url, url], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not sandbox.bolcom.shipments_of(bol_id):
            assert proc.poll() is None, "the run ended before it wrote"
            assert time.monotonic() < deadline, "the run never reached bol.com"
            time.sleep(0.05)
    finally:
        proc.kill()
        proc.wait()
    sandbox.bolcom.controls.faults.clear()
    assert [p.state for p in ParcelStore(store).of_order(record.id)] == ["pending"]

    counts = settle(sandbox, store, ctx)

    assert counts.get("reconciled") == 1 and "pushed" not in counts, counts
    assert units(sandbox, bol_id) == Counter({(record.lines[0].line_id, CODE_1): 1})
    assert store.find("bolcom", "sandbox", bol_id).status == OrderStatus.PARTIAL
