"""Amazon -> Shopify: the merchant ships without a track & trace code, the wait runs out, and
the order is confirmed on Amazon exactly once with an order fulfillment feed (confirmShipment
needs a tracking number), also when the run dies between submitting the feed and recording
it (issue 9, defect 4)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ordersync.order_loop import ConnectionSettings
from ordersync.orders import OrderStatus
from tests.pending.helpers import cycle, shop_orders
from tests.sync.test_exactly_once import Crash, crash_on_flush

S = OrderStatus
MUG = {"sku": "MUG", "title": "Mug", "quantity": 2, "unitPrice": "12.50"}
PLATE = {"sku": "PLATE", "title": "Plate", "quantity": 1, "unitPrice": "7.25"}
FEED = "POST_ORDER_FULFILLMENT_DATA"
WAIT = timedelta(minutes=30)


class Clock:
    """The hub's clock, moved on by the test (the tracking wait, a dead run's lease)."""

    def __init__(self, base) -> None:
        self.base, self.ahead = base, timedelta(0)

    def __call__(self):
        return self.base() + self.ahead


def context(sandbox, store, clock):
    settings = ConnectionSettings(name="amazon-import", pending_orders="import",
                                  tracking_wait=WAIT, process_poll_interval=0.01)
    return sandbox.context(store, settings, marketplace="amazon", clock=clock)


def shipped_without_code(sandbox, store):
    """An order in Shopify, completed there without a code; the wait has just run out."""
    clock = Clock(sandbox.context(store).clock)
    ctx = context(sandbox, store, clock)
    order_id = sandbox.amazon.place_order([MUG, PLATE])
    cycle(ctx)
    (shop,) = shop_orders(sandbox, order_id)
    sandbox.shopify.complete(shop["id"])
    assert cycle(ctx)["waiting"] == 1
    clock.ahead = WAIT + timedelta(minutes=1)
    return ctx, clock, order_id


def feeds(sandbox) -> list:
    return [f for f in sandbox.amazon.state.feeds.values() if f.feed_type == FEED]


def test_shipped_without_code_is_confirmed_on_amazon_once_by_a_fulfillment_feed(sandbox, store):
    ctx, _, order_id = shipped_without_code(sandbox, store)

    counts = cycle(ctx)  # the wait is over: shipped without tracking, feed sent and followed

    assert counts["shipped_without_tracking"] == 1 and counts["pushed"] == 1, counts
    assert "errors" not in counts
    (confirmation,) = sandbox.amazon.confirmations_of(order_id)
    assert confirmation["via"] == FEED and confirmation["trackingNumber"] is None
    assert sorted(line["quantity"] for line in confirmation["orderItems"]) == [1, 2]
    assert sandbox.amazon.status_of(order_id) == "Shipped"
    record = store.find("amazon", "sandbox", order_id)
    assert record.status == S.SHIPPED and record.tracking_number is None
    assert record.marketplace_confirmed_at is not None
    cycle(ctx)
    assert len(sandbox.amazon.confirmations_of(order_id)) == 1 and len(feeds(sandbox)) == 1


def test_crash_between_feed_submission_and_commit_confirms_once(sandbox, store, monkeypatch):
    ctx, clock, order_id = shipped_without_code(sandbox, store)
    crash_on_flush(monkeypatch)  # the feed id is in the page's outcomes, not committed
    with pytest.raises(Crash):
        cycle(ctx)  # createFeed answered; the run dies before recording the feed id
    assert len(feeds(sandbox)) == 1 and sandbox.amazon.confirmations_of(order_id) == []

    later = Clock(clock)
    later.ahead = ctx.settings.lease + timedelta(seconds=1)
    ctx = context(sandbox, store, later)  # a new process, once the dead run's lease ran out
    counts = [cycle(ctx) for _ in range(3)]

    assert counts[0].get("deferred") == 1, counts  # the feed is still queued: wait for it
    assert counts[1].get("reconciled") == 1, counts  # done: Amazon has the order shipped
    assert not any(c.get("pushed") or c.get("errors") for c in counts), counts
    assert len(feeds(sandbox)) == 1
    (confirmation,) = sandbox.amazon.confirmations_of(order_id)
    assert confirmation["via"] == FEED
    record = store.find("amazon", "sandbox", order_id)
    assert record.status == S.SHIPPED and record.marketplace_confirmed_at is not None


def test_feed_refused_by_amazon_puts_the_order_in_error_with_the_reason(sandbox, store):
    ctx, _, order_id = shipped_without_code(sandbox, store)
    # Amazon cancels it while the feed is on its way (after this run's import; an earlier
    # cancellation is seen by the import: see tests/sync/test_marketplace_cancellations.py)
    push = ctx.marketplace.confirm_shipment

    def cancel_then_push(*args, **kwargs):
        sandbox.amazon.state.orders[order_id].status = "Canceled"
        return push(*args, **kwargs)

    ctx.marketplace.confirm_shipment = cancel_then_push
    counts = cycle(ctx)

    assert counts.get("errors") == 1 and "pushed" not in counts, counts
    record = store.find("amazon", "sandbox", order_id)
    assert record.status == S.ERROR and record.error_reason == "shipment_failure"
    assert any("is Canceled; it cannot be shipped" in (e["message"] or "")
               for e in store.events(record.id))
    assert sandbox.amazon.confirmations_of(order_id) == []
