"""Amazon pending orders through the order loop against the served twins, in both modes:
imported as pending (completed once paid, cancelled by Amazon's fraud check) or reserved."""

from __future__ import annotations

from ordersync.orders import OrderStatus
from ordersync.store.pending import PendingStore
from tests.pending.helpers import amazon_context, cycle, shop_orders

S = OrderStatus
MUG = {"sku": "MUG", "title": "Mug", "quantity": 2, "unitPrice": "12.50"}


def test_import_mode_pending_order_is_stored_without_address_and_never_sent(sandbox, store):
    ctx = amazon_context(sandbox, store, "import")
    order_id = sandbox.amazon.place_order([MUG], pending=True)
    counts = cycle(ctx)
    assert counts["pending"] == 1 and counts.get("created", 0) == 0
    record = store.find("amazon", "sandbox", order_id)
    assert record.status == S.PENDING
    assert record.shipping_address.city is None and record.lines[0].quantity == 2
    assert record.lines[0].unit_price == 0
    assert store.orders_needing_webshop("amazon", "sandbox", 100) == []
    before = sandbox.amazon.controls.stats()["by_path"]
    counts = cycle(ctx)  # still pending: nothing fetched again, nothing written anywhere
    assert counts.get("pending", 0) == 0 and counts.get("paid", 0) == 0
    after = sandbox.amazon.controls.stats()["by_path"]
    assert after.get("GET /orders/v0/orders/{id}/orderItems") == before.get(
        "GET /orders/v0/orders/{id}/orderItems")
    assert shop_orders(sandbox, order_id) == []
    assert [e["kind"] for e in store.events(record.id)] == ["imported"]


def test_import_mode_paid_order_is_completed_and_reaches_shopify_with_its_address(sandbox,
                                                                                   store):
    ctx = amazon_context(sandbox, store, "import")
    order_id = sandbox.amazon.place_order([MUG], pending=True)
    cycle(ctx)
    sandbox.amazon.pay(order_id)
    counts = cycle(ctx)
    assert counts["paid"] == 1 and counts["created"] == 1
    record = store.find("amazon", "sandbox", order_id)
    assert record.status == S.NOT_SHIPPED and record.webshop_order_id is not None
    assert record.shipping_address.city == "Utrecht" and str(record.lines[0].unit_price) == "12.50"
    [shop] = shop_orders(sandbox, order_id)
    assert shop["shipping_address"]["city"] == "Utrecht"
    assert [(li["quantity"], li["price"]) for li in shop["line_items"]] == [(2, "12.50")]
    assert [e["kind"] for e in store.events(record.id)][:2] == ["imported", "paid"]
    cycle(ctx)
    assert len(shop_orders(sandbox, order_id)) == 1


def test_import_mode_fraud_cancellation_cancels_in_the_hub(sandbox, store):
    ctx = amazon_context(sandbox, store, "import")
    order_id = sandbox.amazon.place_order([MUG], pending=True)
    cycle(ctx)
    sandbox.amazon.fraud_cancel(order_id)
    counts = cycle(ctx)
    assert counts["pending_cancelled"] == 1
    record = store.find("amazon", "sandbox", order_id)
    assert record.status == S.CANCELLED
    [event] = [e for e in store.events(record.id) if e["kind"] == "cancelled"]
    assert event["level"] == "warning" and "fraud check" in event["message"]
    assert shop_orders(sandbox, order_id) == []
    assert cycle(ctx).get("manual", 0) == 0  # never sent to Amazon as a seller cancellation


def test_paid_order_with_an_unusable_address_is_quarantined_then_repaired(sandbox, store):
    ctx = amazon_context(sandbox, store, "import")
    order_id = sandbox.amazon.place_order([MUG], pending=True, address={"AddressLine1": ""})
    cycle(ctx)
    sandbox.amazon.pay(order_id)
    counts = cycle(ctx)
    record = store.find("amazon", "sandbox", order_id)
    assert counts["quarantined"] == 1
    assert (record.status, record.error_reason) == (S.ERROR, "address_parsing")
    assert shop_orders(sandbox, order_id) == []
    sandbox.amazon.state.orders[order_id].address["AddressLine1"] = "Kerkstraat 12"
    sandbox.amazon.state.orders[order_id].updated = sandbox.amazon.now()
    cycle(ctx)
    assert store.find("amazon", "sandbox", order_id).status == S.NOT_SHIPPED
    assert len(shop_orders(sandbox, order_id)) == 1


def test_reserve_mode_reserves_instead_of_importing_and_releases_on_import(sandbox, store):
    ctx = amazon_context(sandbox, store, "reserve")
    reservations = PendingStore(store)
    order_id = sandbox.amazon.place_order([MUG], pending=True)
    counts = cycle(ctx)
    assert counts["reserved"] == 1 and counts.get("imported", 0) == 0
    assert store.find("amazon", "sandbox", order_id) is None
    [line] = reservations.reservations("amazon")
    assert (line["order"], line["sku"], line["quantity"]) == (order_id, "MUG", 2)
    items = "GET /orders/v0/orders/{id}/orderItems"
    fetched = sandbox.amazon.controls.stats()["by_path"][items]
    assert cycle(ctx).get("reserved", 0) == 0  # reserved once, items not fetched again
    assert sandbox.amazon.controls.stats()["by_path"][items] == fetched
    sandbox.amazon.pay(order_id)
    counts = cycle(ctx)
    assert counts["imported"] == 1 and counts["reservations_released"] == 1
    assert counts["created"] == 1
    assert reservations.reservations("amazon") == []
    [released] = reservations.reservations("amazon", state="released")
    assert "imported" in released["reason"]
    assert store.find("amazon", "sandbox", order_id).status == S.NOT_SHIPPED


def test_reserve_mode_fraud_cancellation_releases_the_reservation(sandbox, store):
    ctx = amazon_context(sandbox, store, "reserve")
    reservations = PendingStore(store)
    kept = sandbox.amazon.place_order([MUG], pending=True)
    cancelled = sandbox.amazon.place_order([dict(MUG, sku="PLATE")], pending=True)
    cycle(ctx)
    sandbox.amazon.fraud_cancel(cancelled)
    counts = cycle(ctx)
    assert counts["reservations_released"] == 1
    assert [r["order"] for r in reservations.reservations("amazon")] == [kept]
    [released] = reservations.reservations("amazon", state="released")
    assert released["order"] == cancelled and "cancelled" in released["reason"]
    assert store.find("amazon", "sandbox", cancelled) is None


def test_a_paid_order_is_imported_normally_in_both_modes(sandbox, store):
    for mode in ("import", "reserve"):
        ctx = amazon_context(sandbox, store, mode)
        order_id = sandbox.amazon.place_order([MUG])
        counts = cycle(ctx)
        assert counts["imported"] == 1 and counts["created"] == 1, mode
        assert counts.get("pending", 0) == counts.get("reserved", 0) == 0
        assert store.find("amazon", "sandbox", order_id).shipping_address.city == "Utrecht"


def test_cancelling_an_amazon_order_hands_it_over_to_the_merchant(sandbox, store):
    ctx = amazon_context(sandbox, store, "import")
    order_id = sandbox.amazon.place_order([MUG])
    cycle(ctx)
    [shop] = shop_orders(sandbox, order_id)
    sandbox.shopify.cancel(shop["id"])
    counts = cycle(ctx)
    assert counts["cancelled"] == 1 and counts["manual"] == 1
    record = store.find("amazon", "sandbox", order_id)
    assert (record.status, record.error_reason) == (S.MANUAL, "cancellation_failure")
    [warning] = [e for e in store.events(record.id) if e["level"] == "warning"]
    assert "Seller Central" in warning["message"]
    assert store.write_states("cancel_on_marketplace") == {"failed": 1}
    assert cycle(ctx).get("manual", 0) == 0
