"""The order loop end to end, bol.com and Amazon into Magento over served twins: the tracking
wait, a code added while waiting, a cancellation in the shop, a crash between the webshop
write and its commit, and the requests each phase costs at the Magento twin."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from ordersync.order_loop import ConnectionSettings, actions
from ordersync.orders import OrderStatus
from ordersync.sandbox.common import Fault
from ordersync.sandbox.magento.merchant import MagentoMerchant
from ordersync.sandbox.stack import SandboxStack
from tests.sync.test_exactly_once import Crash, crash_on_flush
from tests.sync.test_order_loop import cycle

S = OrderStatus
ROOT = Path(__file__).resolve().parents[2]
SKUS = ("MUG-350", "PLATE-22")


@pytest.fixture(scope="module")
def stack():
    with SandboxStack(rate_limits=False, marketplaces=("bolcom", "amazon"),
                      shop_platform="magento") as served:
        yield served


@pytest.fixture(params=["bolcom", "amazon"])
def market(request, stack):
    for twin in (stack.bolcom, stack.amazon, stack.magento):
        twin.reset()
        twin.controls.clear()
    for sku in SKUS:
        stack.magento.add_product(sku, sku.title(), stock=50)
    return request.param


def place(stack, market: str) -> str:
    if market == "amazon":
        return stack.amazon.place_order(items=[
            {"sku": SKUS[0], "title": "Mug", "quantity": 2, "unitPrice": 12.5},
            {"sku": SKUS[1], "title": "Plate", "quantity": 1, "unitPrice": 7.25}])
    return stack.bolcom.place_order(items=[
        {"ean": "8712345678906", "title": "Mug", "quantity": 2, "unitPrice": 12.5,
         "offerReference": SKUS[0]},
        {"ean": "8712345678913", "title": "Plate", "quantity": 1, "unitPrice": 7.25,
         "offerReference": SKUS[1]}])


def shop_id(stack, market: str, order_id: str) -> str:
    found = MagentoMerchant(stack.magento).orders_for(f"{market}:{order_id}")
    assert len(found) == 1, f"expected one Magento order for {order_id}, got {found}"
    return found[0]


def shipments(stack, market: str, order_id: str) -> list[tuple[str, str | None]]:
    if market == "amazon":
        return [(r["carrierCode"], r.get("trackingNumber"))
                for r in stack.amazon.shipments_of(order_id)]
    return [(r["transporterCode"], r.get("trackAndTrace"))
            for r in stack.bolcom.shipments_of(order_id)]


def test_tracking_wait_then_shipped_without_code(stack, market, store):
    now = [None]
    base = stack.context(store, marketplace=market).clock
    ctx = stack.context(store, ConnectionSettings(
        name="sandbox", tracking_wait=timedelta(minutes=30), process_poll_interval=0.05),
        marketplace=market, clock=lambda: now[0] or base())
    order_id = place(stack, market)
    cycle(ctx)
    MagentoMerchant(stack.magento).ship(shop_id(stack, market, order_id))
    counts = cycle(ctx).counts
    assert counts["waiting"] == 1 and shipments(stack, market, order_id) == []
    cycle(ctx)
    assert store.find(market, "sandbox", order_id).status == S.WAITING
    now[0] = base() + timedelta(minutes=31)
    counts = cycle(ctx).counts
    assert counts["shipped_without_tracking"] == 1 and counts["pushed"] == 1
    assert [code for _, code in shipments(stack, market, order_id)] in ([None], [""], [None, None])
    assert store.find(market, "sandbox", order_id).status == S.SHIPPED


def test_code_added_while_waiting_ships_with_it(stack, market, store):
    ctx = stack.context(store, marketplace=market)
    order_id = place(stack, market)
    cycle(ctx)
    merchant = MagentoMerchant(stack.magento)
    webshop_id = shop_id(stack, market, order_id)
    merchant.ship(webshop_id)
    assert cycle(ctx).counts["waiting"] == 1
    merchant.add_tracking(webshop_id, "1Z999AA10123456784", "UPS")
    counts = cycle(ctx).counts
    assert counts["shipped"] == 1
    assert {s for s in shipments(stack, market, order_id)} == {("UPS", "1Z999AA10123456784")}
    assert store.find(market, "sandbox", order_id).carrier == "ups"


def test_cancelled_in_magento_is_cancelled_in_the_hub(stack, market, store):
    ctx = stack.context(store, marketplace=market)
    order_id = place(stack, market)
    cycle(ctx)
    MagentoMerchant(stack.magento).cancel(shop_id(stack, market, order_id))
    cycle(ctx)
    record = store.find(market, "sandbox", order_id)
    # Amazon has no seller cancellation API: the hub hands such orders to the merchant
    assert record.status == (S.CANCELLED if market == "bolcom" else S.MANUAL)
    if market == "bolcom":
        items = stack.bolcom.stored_order(order_id)["orderItems"]
        assert all(i["quantityCancelled"] == i["quantity"] for i in items)


def test_crash_between_magento_create_and_commit_creates_once(stack, market, store,
                                                              monkeypatch):
    ctx = stack.context(store, marketplace=market)
    order_id = place(stack, market)
    crash_on_flush(monkeypatch)
    with pytest.raises(Crash):
        cycle(ctx)
    webshop_id = shop_id(stack, market, order_id)
    assert store.find(market, "sandbox", order_id).webshop_order_id is None
    cycle(stack.context(store, marketplace=market))  # inside the lease: left alone
    later = stack.context(store, marketplace=market, clock=lambda: ctx.clock()
                          + ctx.settings.lease + timedelta(seconds=1))
    counts = cycle(later).counts
    assert counts.get("reconciled") == 1 and "created" not in counts
    assert shop_id(stack, market, order_id) == webshop_id
    assert store.find(market, "sandbox", order_id).webshop_order_id == webshop_id


def test_killed_process_mid_create_leaves_no_duplicate(stack, market, store):
    """SIGKILL a real process while Magento has the order but never answered."""
    url = store.engine.url.render_as_string(hide_password=False)
    order_id = place(stack, market)
    stack.magento.controls.faults.append(Fault("POST", re.compile(r"/V1/orders$"), 0,
                                               after_handling=True))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.magento.crashing_run", market, stack.url(market),
         stack.url("magento"), url], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    merchant = MagentoMerchant(stack.magento)
    try:
        deadline = time.monotonic() + 60
        while not merchant.orders_for(f"{market}:{order_id}"):
            assert proc.poll() is None, "the run ended before it wrote"
            assert time.monotonic() < deadline, "the run never reached Magento"
            time.sleep(0.05)
    finally:
        proc.kill()
        proc.wait()
    assert store.find(market, "sandbox", order_id).webshop_order_id is None
    ctx = stack.context(store, marketplace=market)
    later = stack.context(store, marketplace=market, clock=lambda: ctx.clock()
                          + ctx.settings.lease + timedelta(seconds=1))
    assert cycle(later).counts.get("reconciled") == 1
    assert store.find(market, "sandbox", order_id).webshop_order_id == shop_id(
        stack, market, order_id)


def test_requests_per_order_and_per_cycle(stack, market, store, capsys):
    """Requests at the Magento twin: idle cycle, a cycle creating N orders, a cycle reading
    N shipped orders. Exact counts: a change in them is a change in cost."""
    ctx = stack.context(store, marketplace=market)
    cycle(ctx)
    magento = stack.magento.controls
    magento.requests.clear()
    cycle(ctx)
    idle = sum(magento.requests.values())
    orders = [place(stack, market) for _ in range(5)]
    magento.requests.clear()
    cycle(ctx)
    create = sum(magento.requests.values())
    merchant = MagentoMerchant(stack.magento)
    for n, order_id in enumerate(orders):
        merchant.ship(shop_id(stack, market, order_id), f"3SABCD12345{n:02d}", "PostNL")
    magento.requests.clear()
    cycle(ctx)
    busy = sum(magento.requests.values())
    with capsys.disabled():
        print(f"\nmagento<-{market}: idle cycle {idle}, cycle creating 5 orders {create}, "
              f"cycle reading 5 shipped {busy} requests")
    assert idle == 2  # changed orders (empty) + shipments changed since the watermark
    assert create == 2 + 5 * 2  # + product lookup and POST /V1/orders per order
    assert busy == 3  # orders page + their shipments in one search + shipments since


def test_cancel_action_cancels_in_magento_and_on_bolcom_once(stack, store):
    for twin in (stack.bolcom, stack.magento):
        twin.reset()
        twin.controls.clear()
    for sku in SKUS:
        stack.magento.add_product(sku, sku.title())
    ctx = stack.context(store, marketplace="bolcom")
    bol_id = place(stack, "bolcom")
    cycle(ctx)
    outcome = actions.cancel(ctx, bol_id, note="out of stock")
    assert outcome.status == S.CANCELLED and outcome.counts.get("cancelled_in_webshop") == 1
    assert MagentoMerchant(stack.magento).order_state(shop_id(stack, "bolcom", bol_id)) == \
        "canceled"
    items = stack.bolcom.stored_order(bol_id)["orderItems"]
    assert all(i["quantityCancelled"] == i["quantity"] for i in items)
    cycle(ctx)  # nothing sent again
    assert stack.magento.controls.requests["POST /rest/V1/orders/{id}/cancel"] == 1
