"""The demo's returns: buyers return shipped bol.com orders, and the check sees on the twins
whether each return was handled once on bol.com, registered once in the shop and the hub's
order returned - here over a real sync of the hub (no Prefect), and on spoiled states."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from ordersync import demo_check as dc
from ordersync.demo_returns import buyer_returns, check_return_coverage, check_returns
from ordersync.demo_traffic import PRODUCTS, Traffic, stock_the_shop
from ordersync.order_loop import ConnectionSettings
from ordersync.order_loop.returns import sync_returns
from ordersync.sandbox.stack import SandboxStack
from tests.sync.test_order_loop import cycle

LIMITS = dc.Limits(grace=timedelta(seconds=100), tracking_wait=timedelta(minutes=10))


@pytest.fixture(scope="module")
def served():
    with SandboxStack(rate_limits=False, marketplaces=("bolcom",)) as stack:
        yield stack


@pytest.fixture
def synced(served, store):
    """Three bol.com orders shipped through the hub; scripted buyers return the first whole
    and one unit of the third; the hub syncs the returns with the demo's 'refund'."""
    for twin in (served.bolcom, served.shopify):
        twin.reset()
    stock_the_shop(served, 0, lambda message: None)
    traffic = Traffic(served, lambda message: None, rng=random.Random(7), scripted=True)
    settings = ConnectionSettings(name="sandbox", process_poll_interval=0.01, returns="refund")
    ctx = served.context(store, settings)
    for _ in range(3):
        sku, ean, title, price, _ = PRODUCTS[0]
        served.bolcom.place_order(items=[{"ean": ean, "title": title, "quantity": 2,
                                          "unitPrice": price, "offerReference": sku}])
    cycle(ctx)
    for order in served.shopify.all_orders():
        served.shopify.complete(order["id"], "3SABCD1234567", None)
    cycle(ctx)
    buyer_returns(traffic)
    sync_returns(ctx)
    return served, traffic.ledger, store


def test_scripted_buyers_return_all_one_unit_or_keep(synced):
    sandbox, ledger, _ = synced
    made = [made is not None for made in ledger.returns.values()]
    assert made == [True, False, True]
    quantities = [sum(i["expectedQuantity"] for i in sandbox.bolcom.stored_return(r[0])
                      ["returnItems"]) for r in ledger.returns.values() if r]
    assert quantities == [2, 1]
    assert check_return_coverage(sandbox, ledger).findings == []


def test_the_check_passes_a_synced_run(synced):
    sandbox, ledger, store = synced
    verdict = check_returns(sandbox, ledger, dc.read_hub(store), LIMITS,
                            datetime.now(UTC) + timedelta(hours=1))
    assert verdict.findings == [] and verdict.open == []
    assert verdict.figures["returns"] == {"orders": 2, "items": 2}


def test_the_check_fails_a_refund_twice_and_a_hub_not_returned(synced):
    sandbox, ledger, store = synced
    order_id, made = next((k, v) for k, v in ledger.returns.items() if v)
    [shop] = sandbox.shopify.orders_with_reference(f"bolcom:{order_id}")
    shop["refunds"].append(dict(shop["refunds"][0]))  # as if the hub refunded it again
    hub = [h if h.external_id != order_id else dc.HubOrder(
        h.platform, h.external_id, "shipped", None, None, h.updated_at)
        for h in dc.read_hub(store)]

    verdict = check_returns(sandbox, ledger, hub, LIMITS, datetime.now(UTC) + timedelta(hours=1))

    assert sorted(f.kind for f in verdict.findings) == ["hub_not_returned",
                                                        "return_registered_twice"]


def test_an_unhandled_return_is_open_until_its_deadline(served, store):
    served.bolcom.reset()
    served.shopify.reset()
    order_id = served.bolcom.place_order()
    served.bolcom.stored_order(order_id)["orderItems"][0]["quantityShipped"] = 1
    traffic = Traffic(served, lambda message: None, scripted=True)
    buyer_returns(traffic)
    now = datetime.now(UTC)

    early = check_returns(served, traffic.ledger, [], LIMITS, now)
    late = check_returns(served, traffic.ledger, [], LIMITS, now + timedelta(hours=1))

    assert early.findings == [] and len(early.open) == 3
    assert sorted(f.kind for f in late.findings) == ["hub_not_returned", "return_not_handled",
                                                     "return_not_in_shop"]
    never = check_return_coverage(traffic.sandbox, type(traffic.ledger)())
    assert never.findings[0].kind == "not_exercised"
