"""The merchant's actions (retry, resolve, ship, cancel) against the served twins, on both
stores: each one leaves an event and writes exactly once, through the loop's intents."""

from datetime import timedelta

import pytest

from ordersync import order_loop as sync
from ordersync.order_loop import actions
from ordersync.orders import OrderStatus
from ordersync.store import Action
from ordersync.store.actions import ActionRefused, ActionStore
from tests.actions.conftest import fault

S = OrderStatus


def cycle(ctx):
    result = sync.StepResult()
    for step in (sync.import_orders, sync.create_in_webshop, sync.detect_webshop_changes,
                 sync.sweep_waiting, sync.push_to_marketplace):
        result.merge(step(ctx))
    return result


def shop_orders(sandbox, bol_id):
    return sandbox.shopify.orders_with_reference(f"bolcom:{bol_id}")


def kinds(store, record):
    return [e["kind"] for e in store.events(record.id)]


def test_retry_of_a_webshop_rejection_creates_the_order_once(sandbox, store):
    ctx = sandbox.context(store)
    bol_id = sandbox.bolcom.place_order()
    fault(sandbox.shopify_url, "POST", "/orders.json$", 422)
    cycle(ctx)
    record = store.find("bolcom", "sandbox", bol_id)
    assert (record.status, record.error_reason) == (S.ERROR, "webshop_rejected")
    assert shop_orders(sandbox, bol_id) == []

    outcome = actions.retry(ctx, bol_id, note="SKU fixed in Shopify")
    assert outcome.status == S.NOT_SHIPPED and outcome.counts.get("created") == 1
    [created] = shop_orders(sandbox, bol_id)
    record = store.find("bolcom", "sandbox", bol_id)
    assert record.webshop_order_id == str(created["id"]) and record.error_reason is None
    assert kinds(store, record)[-2:] == ["retry", "webshop_created"]
    assert "SKU fixed in Shopify" in store.events(record.id)[-2]["message"]
    cycle(ctx)
    assert len(shop_orders(sandbox, bol_id)) == 1
    with pytest.raises(ActionRefused, match="not error"):
        actions.retry(ctx, bol_id)


def test_retry_of_an_uncertain_create_looks_it_up_and_never_duplicates(sandbox, store):
    """Shopify created the order but answered 422: a retry finds it instead of creating it
    again (the intent keeps its attempts, so the claim-and-lookup protocol applies)."""
    ctx = sandbox.context(store)
    bol_id = sandbox.bolcom.place_order()
    fault(sandbox.shopify_url, "POST", "/orders.json$", 422, after_handling=True)
    cycle(ctx)
    assert store.find("bolcom", "sandbox", bol_id).status == S.ERROR
    [existing] = shop_orders(sandbox, bol_id)

    outcome = actions.retry(ctx, bol_id)
    assert outcome.counts == {"reconciled": 1}
    assert shop_orders(sandbox, bol_id) == [existing]
    assert outcome.webshop_order_id == str(existing["id"])


def test_retry_of_a_refused_shipment_pushes_it_once(sandbox, store):
    ctx = sandbox.context(store)
    bol_id = sandbox.bolcom.place_order()
    cycle(ctx)
    [order] = shop_orders(sandbox, bol_id)
    sandbox.shopify.complete(order["id"], "3SABCD1234567", None)
    fault(sandbox.bolcom_url, "POST", "^/retailer/shipments$", 400)
    cycle(ctx)
    record = store.find("bolcom", "sandbox", bol_id)
    assert (record.status, record.error_reason) == (S.ERROR, "shipment_failure")
    assert sandbox.bolcom.shipments_of(bol_id) == []

    outcome = actions.retry(ctx, str(record.id))  # the hub's row id works too
    assert outcome.status == S.SHIPPED and outcome.counts.get("pushed") == 1
    [shipment] = sandbox.bolcom.shipments_of(bol_id)
    assert shipment["trackAndTrace"] == "3SABCD1234567"
    cycle(ctx)
    assert len(sandbox.bolcom.shipments_of(bol_id)) == 1
    assert store.find("bolcom", "sandbox", bol_id).marketplace_confirmed_at is not None


def test_retry_refuses_an_order_quarantined_at_import(sandbox, store):
    ctx = sandbox.context(store)
    bad = sandbox.bolcom.place_order()
    sandbox.bolcom.stored_order(bad)["shipmentDetails"].pop("zipCode")
    cycle(ctx)
    assert store.find("bolcom", "sandbox", bad).status == S.ERROR
    with pytest.raises(ActionRefused, match="failed at import"):
        actions.retry(ctx, bad)


def test_ship_by_hand_confirms_on_the_marketplace_once(sandbox, store):
    ctx = sandbox.context(store)
    bol_id = sandbox.bolcom.place_order()
    cycle(ctx)
    outcome = actions.ship(ctx, bol_id, " 3SABCD1234567 ", note="sent from the warehouse")
    assert outcome.status == S.SHIPPED and outcome.counts.get("pushed") == 1
    [shipment] = sandbox.bolcom.shipments_of(bol_id)
    assert (shipment["transporterCode"], shipment["trackAndTrace"]) == ("TNT", "3SABCD1234567")
    record = store.find("bolcom", "sandbox", bol_id)
    assert record.carrier == "postnl" and record.tracking_number == "3SABCD1234567"
    assert "shipped_by_hand" in kinds(store, record)
    with pytest.raises(ActionRefused, match="already shipped"):
        actions.ship(ctx, bol_id, "3SABCD1234567")
    cycle(ctx)
    assert len(sandbox.bolcom.shipments_of(bol_id)) == 1


def test_ship_with_a_named_carrier(sandbox, store):
    ctx = sandbox.context(store)
    bol_id = sandbox.bolcom.place_order()
    cycle(ctx)
    actions.ship(ctx, bol_id, "1Z999AA10123456784", carrier="UPS")
    [shipment] = sandbox.bolcom.shipments_of(bol_id)
    assert shipment["transporterCode"] == "UPS"


def test_cancel_cancels_in_the_webshop_and_on_the_marketplace_once(sandbox, store):
    ctx = sandbox.context(store)
    bol_id = sandbox.bolcom.place_order()
    cycle(ctx)
    outcome = actions.cancel(ctx, bol_id, note="out of stock")
    assert outcome.status == S.CANCELLED
    assert outcome.counts.get("cancelled_in_webshop") == 1, outcome
    [order] = shop_orders(sandbox, bol_id)
    assert order["cancelled_at"] is not None
    items = sandbox.bolcom.stored_order(bol_id)["orderItems"]
    assert all(i["quantityCancelled"] == i["quantity"] for i in items)
    record = store.find("bolcom", "sandbox", bol_id)
    assert "cancelled_by_hand" in kinds(store, record)
    cycle(ctx)  # the loop sees the same intents done: nothing is sent again
    states = ActionStore(store)
    assert states.intent(record.id, Action.CANCEL_ON_MARKETPLACE)["state"] == "done"
    assert states.intent(record.id, Action.CANCEL_IN_WEBSHOP)["state"] == "done"
    with pytest.raises(ActionRefused, match="already cancelled"):
        actions.cancel(ctx, bol_id)


def test_cancel_before_the_webshop_tells_the_marketplace_and_creates_nothing(sandbox, store):
    ctx = sandbox.context(store)
    bol_id = sandbox.bolcom.place_order()
    sync.import_orders(ctx)
    actions.cancel(ctx, bol_id)
    cycle(ctx)
    assert shop_orders(sandbox, bol_id) == []
    items = sandbox.bolcom.stored_order(bol_id)["orderItems"]
    assert all(i["quantityCancelled"] == i["quantity"] for i in items)


def test_resolve_hands_the_order_over_and_the_loop_leaves_it(sandbox, store):
    ctx = sandbox.context(store)
    bol_id = sandbox.bolcom.place_order()
    fault(sandbox.shopify_url, "POST", "/orders.json$", 422)
    cycle(ctx)
    outcome = actions.resolve(ctx, bol_id, note="created by hand")
    assert outcome.status == S.MANUAL
    cycle(ctx)
    assert shop_orders(sandbox, bol_id) == []
    record = store.find("bolcom", "sandbox", bol_id)
    assert record.status == S.MANUAL and kinds(store, record)[-1] == "resolved"
    with pytest.raises(ActionRefused, match="cannot go from manual"):
        actions.resolve(ctx, bol_id)
    with pytest.raises(ActionRefused, match="cannot go from manual"):
        actions.ship(ctx, bol_id, "3SABCD1234567")


def test_resolve_abandons_an_open_write(sandbox, store):
    ctx = sandbox.context(store)
    bol_id = sandbox.bolcom.place_order()
    sync.import_orders(ctx)
    record = store.find("bolcom", "sandbox", bol_id)
    store.claim_writes(Action.CREATE_IN_WEBSHOP, [record.id], owner="gone",
                       now=ctx.clock() - timedelta(hours=1), lease=timedelta(minutes=15))
    actions.resolve(ctx, bol_id)
    assert ActionStore(store).intent(record.id, Action.CREATE_IN_WEBSHOP)["state"] == "abandoned"
    cycle(ctx)
    assert shop_orders(sandbox, bol_id) == []


def test_an_order_a_run_is_writing_is_refused(sandbox, store):
    ctx = sandbox.context(store)
    bol_id = sandbox.bolcom.place_order()
    sync.import_orders(ctx)
    record = store.find("bolcom", "sandbox", bol_id)
    store.claim_writes(Action.CREATE_IN_WEBSHOP, [record.id], owner="busy-run",
                       now=ctx.clock(), lease=timedelta(minutes=15))
    with pytest.raises(ActionRefused, match="a run is writing it now"):
        actions.cancel(ctx, bol_id)
    assert store.find("bolcom", "sandbox", bol_id).status == S.NOT_SHIPPED


def test_orders_are_found_by_marketplace_id_or_row_id_of_this_account_only(sandbox, store):
    ctx = sandbox.context(store)
    bol_id = sandbox.bolcom.place_order()
    sync.import_orders(ctx)
    record = store.find("bolcom", "sandbox", bol_id)
    assert actions.find(ctx, bol_id).id == record.id
    assert actions.find(ctx, str(record.id)).id == record.id
    with pytest.raises(ActionRefused, match="no bolcom order"):
        actions.find(ctx, "nope")
    other = ActionStore(store)
    with pytest.raises(ActionRefused, match="no amazon order"):
        other.lookup("amazon", "sandbox", str(record.id))
