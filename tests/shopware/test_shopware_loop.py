"""The order loop end to end, bol.com and Amazon into Shopware over served twins: the tracking
wait (a code added later, or none at all), a crash between the webshop write and the commit,
a cancellation in the shop, and a partial shipment that completes later."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from ordersync.order_loop import ConnectionSettings
from ordersync.orders import OrderStatus
from ordersync.sandbox.shopware.merchant import ShopwareMerchant
from ordersync.sandbox.stack import SandboxStack
from tests.sync.test_exactly_once import Crash, crash_on_flush
from tests.sync.test_order_loop import cycle
from tests.sync.test_platform_matrix import SKUS, Pair

S = OrderStatus
ROOT = Path(__file__).resolve().parents[2]
POSTNL = "3SABCD1234567"


@pytest.fixture(scope="module")
def stack():
    with SandboxStack(rate_limits=False, marketplaces=("bolcom", "amazon"),
                      shop_platform="shopware") as served:
        yield served


@pytest.fixture(params=["bolcom", "amazon"])
def pair(request, stack):
    for twin in (stack.bolcom, stack.amazon, stack.shopware):
        twin.reset()
        twin.controls.clear()
    for sku in SKUS:
        stack.shopware.store.add_product(sku, sku.title())
    return Pair(stack, request.param)


@pytest.fixture
def merchant(stack):
    return ShopwareMerchant(stack.shopware)


def waiting_ctx(pair, store, now):
    base = pair.stack.context(store).clock
    settings = ConnectionSettings(name="sandbox", tracking_wait=timedelta(minutes=30),
                                  process_poll_interval=0.05)
    return pair.stack.context(store, settings, marketplace=pair.marketplace,
                              clock=lambda: now[0] or base()), base


def test_completed_without_code_waits_and_ships_with_the_code_added_later(pair, store,
                                                                         merchant):
    now: list = [None]
    ctx, base = waiting_ctx(pair, store, now)
    order_id = pair.place_order()
    cycle(ctx)
    shop_id = pair.shop_id(order_id)
    merchant.ship(shop_id)
    assert cycle(ctx).counts["waiting"] == 1
    assert pair.shipments(order_id) == []
    merchant.add_tracking(shop_id, POSTNL, "PostNL")
    counts = cycle(ctx).counts
    assert counts["shipped"] == 1 and counts["pushed"] == 1
    expected = "TNT" if pair.marketplace == "bolcom" else "PostNL"
    assert set(pair.shipments(order_id)) == {(expected, POSTNL)}
    assert store.find(pair.marketplace, "sandbox", order_id).status == S.SHIPPED


def test_completed_without_code_ships_without_tracking_when_the_wait_is_over(pair, store,
                                                                            merchant):
    now: list = [None]
    ctx, base = waiting_ctx(pair, store, now)
    order_id = pair.place_order()
    cycle(ctx)
    merchant.ship(pair.shop_id(order_id))
    assert cycle(ctx).counts["waiting"] == 1
    now[0] = base() + timedelta(minutes=31)
    counts = cycle(ctx).counts
    assert counts["shipped_without_tracking"] == 1 and counts["pushed"] == 1
    shipments = pair.shipments(order_id)
    assert shipments and all(not code for _, code in shipments), shipments
    assert store.find(pair.marketplace, "sandbox", order_id).status == S.SHIPPED


def test_crash_between_webshop_create_and_commit_creates_once(pair, store, monkeypatch,
                                                             merchant):
    ctx = pair.stack.context(store, marketplace=pair.marketplace)
    order_id = pair.place_order()
    crash_on_flush(monkeypatch)
    with pytest.raises(Crash):
        cycle(ctx)
    pair.shop_id(order_id)  # in the shop; the hub does not know
    assert store.find(pair.marketplace, "sandbox", order_id).webshop_order_id is None
    later = pair.stack.context(store, marketplace=pair.marketplace,
                               clock=lambda: ctx.clock() + ctx.settings.lease
                               + timedelta(seconds=1))
    counts = cycle(later).counts
    assert counts.get("reconciled") == 1 and "created" not in counts
    shop_id = pair.shop_id(order_id)  # still exactly one
    assert store.find(pair.marketplace, "sandbox", order_id).webshop_order_id == shop_id


def test_partial_shipment_ships_once_the_rest_leaves(pair, store, merchant):
    ctx = pair.stack.context(store, marketplace=pair.marketplace)
    order_id = pair.place_order(quantity=2)
    cycle(ctx)
    shop_id = pair.shop_id(order_id)
    first_line = next(iter(merchant.store.orders[shop_id]["lineItems"]))
    line = first_line["customFields"]["ordersync_line_id"]
    merchant.ship(shop_id, POSTNL, "PostNL", lines={line: 1})
    assert "shipped" not in cycle(ctx).counts  # not complete yet
    merchant.ship(shop_id, POSTNL, "PostNL")
    assert cycle(ctx).counts["shipped"] == 1
    assert store.find(pair.marketplace, "sandbox", order_id).status == S.SHIPPED


def test_cancelled_in_the_shop_is_cancelled_in_the_hub(pair, store, merchant):
    ctx = pair.stack.context(store, marketplace=pair.marketplace)
    order_id = pair.place_order()
    cycle(ctx)
    merchant.cancel(pair.shop_id(order_id))
    counts = cycle(ctx).counts
    assert counts["cancelled"] == 1
    status = store.find(pair.marketplace, "sandbox", order_id).status
    # bol.com is told; Amazon has no seller cancellation API: the merchant does it by hand
    assert status == (S.CANCELLED if pair.marketplace == "bolcom" else S.MANUAL)


def test_killed_process_mid_write_leaves_no_duplicate(stack, store, merchant):
    """SIGKILL a real process while Shopware has the order but never answered."""
    for twin in (stack.bolcom, stack.amazon, stack.shopware):
        twin.reset()
        twin.controls.clear()
    url = store.engine.url.render_as_string(hide_password=False)
    bol_id = stack.bolcom.place_order()
    httpx.post(f"{stack.url('shopware')}/_sandbox/faults", json={
        "method": "POST", "path": "^/api/order$", "status": 0, "after_handling": True})
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.shopware.crashing_run", stack.bolcom_url,
         stack.url("shopware"), url], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not merchant.orders_for(f"bolcom:{bol_id}"):
            assert proc.poll() is None, "the run ended before it wrote"
            assert time.monotonic() < deadline, "the run never reached Shopware"
            time.sleep(0.05)
    finally:
        proc.kill()
        proc.wait()
    assert store.find("bolcom", "sandbox", bol_id).webshop_order_id is None
    ctx = stack.context(store, marketplace="bolcom")
    later = stack.context(store, marketplace="bolcom",
                          clock=lambda: ctx.clock() + ctx.settings.lease + timedelta(seconds=1))
    assert cycle(later).counts.get("reconciled") == 1
    assert store.find("bolcom", "sandbox", bol_id).webshop_order_id == \
        merchant.orders_for(f"bolcom:{bol_id}")[0]
    assert len(merchant.orders_for(f"bolcom:{bol_id}")) == 1
