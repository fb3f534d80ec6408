"""No webshop change is skipped because of timing (issue 10.2): the shop created the order but
the answer was lost, the merchant shipped it at once, and the hub recognises the order only
later - the shipment still reaches bol.com, once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from ordersync.order_loop import ConnectionSettings, SyncContext, utcnow
from ordersync.sandbox.common import Fault
from tests.sync.test_exactly_once import Crash, crash_on_flush
from tests.sync.test_order_loop import cycle, shop_order

POSTNL = "3SABCD1234567"
ORDERS = re.compile(r"^/admin/api/[^/]+/orders\.json$")


def at(sandbox, store, minutes: float) -> SyncContext:
    """A run of the 5-minute loop ``minutes`` from now (the platforms keep real time)."""
    return SyncContext(
        store=store, marketplace=sandbox.marketplace(),
        webshop=sandbox.webshop(sleep=lambda _s: None),
        settings=ConnectionSettings(name="sandbox", process_poll_interval=0.05),
        clock=lambda: utcnow() + timedelta(minutes=minutes))


def test_lost_create_answer_then_immediate_shipment_while_the_shop_is_flaky(sandbox, store):
    bol_id = sandbox.bolcom.place_order()
    sandbox.shopify.controls.faults.append(
        Fault(method="POST", path=ORDERS, status=500, after_handling=True))
    assert cycle(at(sandbox, store, 0)).counts.get("deferred") == 1
    sandbox.shopify.complete(shop_order(sandbox, bol_id)["id"], POSTNL, None)  # ships at once

    # For half an hour every look-up of the uncertain create fails; the loop goes on.
    for minutes in (10, 20, 30):
        sandbox.shopify.controls.faults.append(Fault(method="GET", path=ORDERS, status=503,
                                                     count=5))
        counts = cycle(at(sandbox, store, minutes)).counts
        assert counts.get("deferred") == 1 and "shipped" not in counts

    counts = cycle(at(sandbox, store, 40)).counts  # found at last

    assert counts.get("reconciled") == 1 and counts.get("shipped") == 1
    assert [(r["transporterCode"], r["trackAndTrace"])
            for r in sandbox.bolcom.shipments_of(bol_id)] == [("TNT", POSTNL)]
    shop_order(sandbox, bol_id)  # still one order in the shop


def test_create_lost_in_a_crash_and_shipped_at_once_is_detected_after_the_lease(
        sandbox, store, monkeypatch):
    bol_id = sandbox.bolcom.place_order()
    crash_on_flush(monkeypatch)
    with pytest.raises(Crash):
        cycle(at(sandbox, store, 0))
    sandbox.shopify.complete(shop_order(sandbox, bol_id)["id"], POSTNL, None)

    assert cycle(at(sandbox, store, 14)).counts.get("busy") == 1  # the dead run's lease
    counts = cycle(at(sandbox, store, 16)).counts

    assert counts.get("reconciled") == 1 and counts.get("shipped") == 1
    assert len(sandbox.bolcom.shipments_of(bol_id)) == 1


def test_the_poll_overlap_follows_the_lease():
    assert ConnectionSettings(name="c").poll_overlap >= ConnectionSettings(name="c").lease
    long_lease = ConnectionSettings(name="c", lease=timedelta(hours=1))
    assert long_lease.poll_overlap >= timedelta(hours=1)
    assert ConnectionSettings(name="c", overlap=timedelta(minutes=30)).poll_overlap == \
        timedelta(minutes=30)
    with pytest.raises(ValueError, match="at least the lease"):
        ConnectionSettings(name="c", overlap=timedelta(minutes=10))
