"""The order loop against the served twins: bol.com -> Shopify -> bol.com, on both stores."""

from datetime import datetime, timedelta

from ordersync import order_loop as sync
from ordersync.order_loop import ConnectionSettings
from ordersync.orders import OrderStatus

S = OrderStatus


def cycle(ctx):
    """One 5-minute cycle, as the flow runs it."""
    result = sync.StepResult()
    for step in (sync.import_orders, sync.create_in_webshop, sync.detect_webshop_changes,
                 sync.sweep_waiting, sync.push_to_marketplace):
        result.merge(step(ctx))
    return result


def shop_order(sandbox, bol_id):
    found = sandbox.shopify.orders_with_reference(f"bolcom:{bol_id}")
    assert len(found) == 1, f"expected exactly one Shopify order for {bol_id}, got {len(found)}"
    return found[0]


def test_new_bolcom_order_reaches_shopify_within_one_cycle(sandbox, store):
    ctx = sandbox.context(store)
    bol_id = sandbox.bolcom.place_order(items=[
        {"ean": "8712345678906", "title": "Mug", "quantity": 2, "unitPrice": 12.5},
        {"ean": "8712345678913", "title": "Plate", "quantity": 1, "unitPrice": 7.25},
    ])
    counts = cycle(ctx).counts
    assert counts["imported"] == 1 and counts["created"] == 1
    order = shop_order(sandbox, bol_id)
    assert [(li["quantity"], li["price"]) for li in order["line_items"]] == [
        (2, "12.50"), (1, "7.25")]
    assert order["shipping_address"]["country_code"] == "NL"
    assert store.count_by_status() == {"not_shipped": 1}
    cycle(ctx)  # a second cycle creates nothing again
    shop_order(sandbox, bol_id)


def test_completed_with_postnl_code_ships_on_bolcom_as_tnt(sandbox, store):
    ctx = sandbox.context(store)
    bol_id = sandbox.bolcom.place_order()
    cycle(ctx)
    sandbox.shopify.complete(shop_order(sandbox, bol_id)["id"], "3SABCD1234567", None)
    counts = cycle(ctx).counts
    assert counts["shipped"] == 1 and counts["pushed"] == 1
    [shipment] = sandbox.bolcom.shipments_of(bol_id)
    assert (shipment["transporterCode"], shipment["trackAndTrace"]) == ("TNT", "3SABCD1234567")
    record = store.find("bolcom", "sandbox", bol_id)
    assert record.status == S.SHIPPED and record.carrier == "postnl"
    assert record.marketplace_confirmed_at is not None
    cycle(ctx)
    assert len(sandbox.bolcom.shipments_of(bol_id)) == 1  # confirmed once


def test_completed_without_code_waits_then_ships_without_tracking(sandbox, store):
    now = [None]
    base = sandbox.context(store).clock

    def clock():
        return now[0] or base()

    ctx = sandbox.context(store, ConnectionSettings(name="sandbox", tracking_wait=timedelta(
        minutes=30), process_poll_interval=0.05), clock=clock)
    bol_id = sandbox.bolcom.place_order()
    cycle(ctx)
    sandbox.shopify.complete(shop_order(sandbox, bol_id)["id"])
    counts = cycle(ctx).counts
    assert counts["waiting"] == 1 and "pushed" not in counts
    assert store.find("bolcom", "sandbox", bol_id).status == S.WAITING
    assert sandbox.bolcom.shipments_of(bol_id) == []
    cycle(ctx)  # still inside the wait: nothing happens
    assert store.find("bolcom", "sandbox", bol_id).status == S.WAITING
    now[0] = base() + timedelta(minutes=31)
    counts = cycle(ctx).counts
    assert counts["shipped_without_tracking"] == 1 and counts["pushed"] == 1
    [shipment] = sandbox.bolcom.shipments_of(bol_id)
    assert shipment.get("trackAndTrace") in (None, "")
    record = store.find("bolcom", "sandbox", bol_id)
    assert record.status == S.SHIPPED and record.tracking_number is None


def test_code_added_while_waiting_ships_with_it(sandbox, store):
    ctx = sandbox.context(store)
    bol_id = sandbox.bolcom.place_order()
    cycle(ctx)
    shop_id = shop_order(sandbox, bol_id)["id"]
    sandbox.shopify.complete(shop_id)
    cycle(ctx)
    sandbox.shopify.add_tracking(shop_id, "1Z999AA10123456784", "UPS")
    counts = cycle(ctx).counts
    assert counts["shipped"] == 1
    [shipment] = sandbox.bolcom.shipments_of(bol_id)
    assert (shipment["transporterCode"], shipment["trackAndTrace"]) == ("UPS",
                                                                       "1Z999AA10123456784")


def completed_without_tracking(sandbox, ctx) -> tuple[int, datetime]:
    """A new bol.com order, completed in Shopify without a code and detected: (hub id, since
    when it waits)."""
    bol_id = sandbox.bolcom.place_order()
    cycle(ctx)
    sandbox.shopify.complete(shop_order(sandbox, bol_id)["id"])
    result = sync.StepResult()
    for step in (sync.import_orders, sync.create_in_webshop, sync.detect_webshop_changes):
        result.merge(step(ctx))
    [(order_id, since)] = result.waiting
    return order_id, since


def test_tracking_timeout_subflow_work_is_a_noop_before_the_deadline(sandbox, store):
    ctx = sandbox.context(store)
    order_id, _since = completed_without_tracking(sandbox, ctx)
    assert sync.tracking_timeout(ctx, order_id).counts == {"skipped": 1}
    late = sandbox.context(store, clock=lambda: ctx.clock() + timedelta(hours=3, seconds=1))
    assert sync.tracking_timeout(late, order_id).counts == {"shipped_without_tracking": 1}


def test_cancelled_in_shopify_is_cancelled_on_bolcom(sandbox, store):
    ctx = sandbox.context(store)
    bol_id = sandbox.bolcom.place_order()
    cycle(ctx)
    sandbox.shopify.cancel(shop_order(sandbox, bol_id)["id"])
    counts = cycle(ctx).counts
    assert counts["cancelled"] == 1 and counts["pushed"] == 1
    assert store.find("bolcom", "sandbox", bol_id).status == S.CANCELLED
    items = sandbox.bolcom.stored_order(bol_id)["orderItems"]
    assert all(i["quantityCancelled"] == i["quantity"] for i in items)


def test_malformed_order_is_quarantined_and_the_rest_go_on(sandbox, store):
    ctx = sandbox.context(store)
    good = sandbox.bolcom.place_order()
    bad = sandbox.bolcom.place_order()
    sandbox.bolcom.stored_order(bad)["shipmentDetails"].pop("zipCode")
    counts = cycle(ctx).counts
    assert counts["imported"] == 1 and counts["quarantined"] == 1 and counts["created"] == 1
    record = store.find("bolcom", "sandbox", bad)
    assert record.status == S.ERROR and record.error_reason in ("address_parsing", "validation")
    assert sandbox.shopify.orders_with_reference(f"bolcom:{bad}") == []
    shop_order(sandbox, good)


def test_unclear_carrier_is_sent_as_other_with_a_warning(sandbox, store):
    ctx = sandbox.context(store)
    bol_id = sandbox.bolcom.place_order()
    cycle(ctx)
    sandbox.shopify.complete(shop_order(sandbox, bol_id)["id"], "12345678901234", None)
    cycle(ctx)
    [shipment] = sandbox.bolcom.shipments_of(bol_id)
    assert shipment["transporterCode"] == "OTHER"
    record = store.find("bolcom", "sandbox", bol_id)
    assert record.status == S.SHIPPED and record.carrier is None
    warning = [e for e in store.events(record.id) if e["kind"] == "shipped"][0]
    assert warning["level"] == "warning" and "unclear" in warning["message"]


def test_a_tracking_timeout_run_started_a_little_early_waits_for_its_deadline(sandbox, store):
    """Prefect's worker submits a scheduled run up to its prefetch (10 s) early: a delayed run
    that reached the order 11 ms before the deadline did nothing and left the order waiting
    until the next cycle's sweep (an end-to-end run saw it). It waits out the rest instead;
    a run started long before the deadline (by hand) still does nothing."""
    ctx = sandbox.context(store)
    order_id, since = completed_without_tracking(sandbox, ctx)
    deadline = since + ctx.settings.tracking_wait
    now = [deadline - timedelta(seconds=3)]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += timedelta(seconds=seconds)

    early = sandbox.context(store, clock=lambda: now[0], sleep=sleep)
    assert sync.tracking_timeout(early, order_id).counts == {"shipped_without_tracking": 1}
    assert slept[0] == 3.0 and now[0] >= deadline
    assert store.get(order_id).status == OrderStatus.SHIPPED

    other_id, other_since = completed_without_tracking(sandbox, ctx)
    now[0], slept[:] = other_since + ctx.settings.tracking_wait - timedelta(minutes=10), []
    assert sync.tracking_timeout(early, other_id).counts == {"skipped": 1}
    assert slept == [] and store.get(other_id).status == OrderStatus.WAITING
