"""One order never stops the others (issue 9.4, 10.1, 10.5), against the served twins.

An unexpected exception while handling one order puts that order in error (internal_error) and
the rest go on; a half-done bol.com cancellation is resumed item by item; a refused write of a
cancelled order is handed over (manual) instead of failing every later cycle; credentials the
platform refuses stop the run loudly without touching any order."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import text

from ordersync import order_loop as sync
from ordersync.connectors.bolcom import BolcomConnector
from ordersync.connectors.shopify import ShopifyConnector
from ordersync.order_loop import ConnectionSettings, SyncContext
from ordersync.order_loop.guard import ConnectionAuthFailed, safe_message
from ordersync.orders import OrderStatus
from ordersync.sandbox.stack import BOL_CLIENT_ID, SHOP
from ordersync.store import Action
from tests.sync.test_order_loop import cycle, shop_order

S = OrderStatus
POSTNL = "3SABCD1234567"
TWO_ITEMS = [
    {"ean": "8712345678906", "title": "Mug", "quantity": 1, "unitPrice": 12.5},
    {"ean": "8712345678913", "title": "Plate", "quantity": 2, "unitPrice": 7.25},
]


def sql(store, statement: str, **params) -> None:
    with store.engine.begin() as conn:
        conn.execute(text(statement), params)


def fault(url: str, method: str, path: str, status: int, **kw) -> None:
    httpx.post(f"{url}/_sandbox/faults",
               json={"method": method, "path": path, "status": status, **kw}).raise_for_status()


def write_state(store, order_id: int, action: str) -> tuple[str, int, str | None]:
    with store.engine.begin() as conn:
        return tuple(conn.execute(text(
            "SELECT state, attempts, owner FROM remote_writes WHERE order_id = :o AND action = :a"
        ), {"o": order_id, "a": action}).one())


# ---- issue 9.4: an unexpected exception fails that order only ------------------------------


def test_an_order_that_cannot_be_created_fails_alone(sandbox, store):
    ctx = sandbox.context(store)
    ids = [sandbox.bolcom.place_order() for _ in range(3)]
    sync.import_orders(ctx)  # imported; the middle one is broken before its create
    broken = store.find("bolcom", "sandbox", ids[1])
    sql(store, "UPDATE orders SET shipping_address = NULL WHERE id = :i", i=broken.id)

    counts = cycle(ctx).counts  # a ValueError for that order, no exception here

    assert counts["created"] == 2 and counts["errors"] == 1
    shop_order(sandbox, ids[0])
    shop_order(sandbox, ids[2])
    assert sandbox.shopify.orders_with_reference(f"bolcom:{ids[1]}") == []
    record = store.get(broken.id)
    assert record.status == S.ERROR and record.error_reason == "internal_error"
    assert "incomplete" in store.events(broken.id)[-1]["message"]


def test_a_shipment_that_cannot_be_built_fails_alone_and_keeps_its_intent(sandbox, store):
    ctx = sandbox.context(store)
    bad, good = sandbox.bolcom.place_order(), sandbox.bolcom.place_order()
    cycle(ctx)
    for bol_id in (bad, good):
        sandbox.shopify.complete(shop_order(sandbox, bol_id)["id"], POSTNL, None)
    broken = store.find("bolcom", "sandbox", bad)
    sql(store, "DELETE FROM order_lines WHERE order_id = :i", i=broken.id)

    counts = cycle(ctx).counts  # bol.com's connector raises ValueError for that order

    assert counts["pushed"] == 1 and counts["errors"] == 1
    assert [r["transporterCode"] for r in sandbox.bolcom.shipments_of(good)] == ["TNT"]
    assert sandbox.bolcom.shipments_of(bad) == []
    record = store.get(broken.id)
    assert record.status == S.ERROR and record.error_reason == "internal_error"
    # the intent stays (released, not failed): a resend looks on bol.com before writing
    assert write_state(store, broken.id, Action.CONFIRM_SHIPMENT) == ("pending", 1, None)


def test_a_waiting_order_whose_webshop_order_vanished_does_not_stall_the_sweep(sandbox, store):
    late = [None]
    base = sandbox.context(store).clock
    ctx = sandbox.context(store, clock=lambda: late[0] or base())
    gone, fine = sandbox.bolcom.place_order(), sandbox.bolcom.place_order()
    cycle(ctx)
    for bol_id in (gone, fine):
        sandbox.shopify.complete(shop_order(sandbox, bol_id)["id"], None, None)
    assert cycle(ctx).counts["waiting"] == 2
    record = store.find("bolcom", "sandbox", gone)
    sql(store, "UPDATE orders SET webshop_order_id = '999999999' WHERE id = :i", i=record.id)
    late[0] = base() + ctx.settings.tracking_wait + ctx.settings.lease

    counts = cycle(ctx).counts  # Shopify answers 404 for that one

    assert counts["shipped_without_tracking"] == 1 and counts["errors"] == 1
    assert len(sandbox.bolcom.shipments_of(fine)) == 1
    assert store.get(record.id).error_reason == "internal_error"


def test_a_tracking_code_the_store_cannot_hold_fails_that_order_only(sandbox, store):
    """Validated where it enters (the webshop mapping), on every store: only that order goes
    to error (webshop_invalid), the other order's shipment goes on."""
    ctx = sandbox.context(store)
    odd, fine = sandbox.bolcom.place_order(), sandbox.bolcom.place_order()
    cycle(ctx)
    sandbox.shopify.complete(shop_order(sandbox, odd)["id"], "3S" + "X" * 80, None)
    sandbox.shopify.complete(shop_order(sandbox, fine)["id"], POSTNL, None)

    counts = cycle(ctx).counts

    assert counts["shipped"] == 1 and counts["errors"] == 1 and counts["pushed"] == 1
    assert store.find("bolcom", "sandbox", odd).error_reason == "webshop_invalid"
    assert store.watermark("sandbox", "webshop_orders") is not None


# ---- issue 10.1: a half-done bol.com cancellation ----------------------------------------


def test_half_done_bolcom_cancellation_is_resumed_and_stalls_nothing(sandbox, store):
    ctx = sandbox.context(store)
    bol_id = sandbox.bolcom.place_order(items=TWO_ITEMS)
    cycle(ctx)
    sandbox.shopify.cancel(shop_order(sandbox, bol_id)["id"])
    # the first item's cancellation is processed, but its answer is a 503
    fault(sandbox.bolcom_url, "PUT", "^/retailer/orders/cancellation$", 503,
          after_handling=True)
    assert cycle(ctx).counts.get("deferred") == 1

    later = sandbox.bolcom.place_order()
    cycle(ctx)  # the retry: only the item bol.com has not cancelled yet is sent
    sandbox.shopify.complete(shop_order(sandbox, later)["id"], POSTNL, None)
    cycle(ctx)
    cycle(ctx)

    items = sandbox.bolcom.stored_order(bol_id)["orderItems"]
    assert all(i["quantityCancelled"] == i["quantity"] for i in items)
    refused = [p for p in sandbox.bolcom.state.processes.values()
               if p.event_type == "CANCEL_ORDER" and p.status != "SUCCESS"]
    assert refused == []  # nothing was cancelled twice
    record = store.find("bolcom", "sandbox", bol_id)
    assert record.status == S.CANCELLED and record.error_reason is None
    assert store.write_states(Action.CANCEL_ON_MARKETPLACE) == {"done": 1}
    assert [r["transporterCode"] for r in sandbox.bolcom.shipments_of(later)] == ["TNT"]


def test_cancellation_refused_by_bolcom_hands_the_order_over_and_the_rest_go_on(sandbox,
                                                                              store):
    ctx = sandbox.context(store)
    refused, shipped = sandbox.bolcom.place_order(), sandbox.bolcom.place_order()
    cycle(ctx)
    sandbox.shopify.cancel(shop_order(sandbox, refused)["id"])
    sandbox.shopify.complete(shop_order(sandbox, shipped)["id"], POSTNL, None)
    fault(sandbox.bolcom_url, "PUT", "^/retailer/orders/cancellation$", 400)

    counts = cycle(ctx).counts  # a cancelled order may not go to error: no exception

    assert counts["pushed"] == 1 and counts["errors"] == 1
    record = store.find("bolcom", "sandbox", refused)
    assert record.status == S.MANUAL and record.error_reason == "cancellation_failure"
    assert [r["transporterCode"] for r in sandbox.bolcom.shipments_of(shipped)] == ["TNT"]
    next_one = sandbox.bolcom.place_order()
    cycle(ctx)  # later cycles run as usual
    shop_order(sandbox, next_one)


# ---- issue 10.5: refused credentials stop the run, never reject an order ----------------


def test_webshop_credentials_refused_stop_the_run_and_leave_the_order(sandbox, store):
    token = "shpat_revoked_0123456789"
    broken = SyncContext(
        store=store, marketplace=sandbox.marketplace(),
        webshop=ShopifyConnector(shop=SHOP, access_token=token, base_url=sandbox.shopify_url,
                                 rate_limits=False),
        settings=ConnectionSettings(name="bol-into-shop", process_poll_interval=0.05))
    bol_id = sandbox.bolcom.place_order()

    with pytest.raises(ConnectionAuthFailed) as failed:
        cycle(broken)

    message = str(failed.value)
    assert "bol-into-shop" in message and "shopify" in message and "credentials" in message
    assert token not in message
    record = store.find("bolcom", "sandbox", bol_id)
    assert record.status == S.NOT_SHIPPED and record.error_reason is None
    assert write_state(store, record.id, Action.CREATE_IN_WEBSHOP)[2] is None  # released
    assert cycle(sandbox.context(store)).counts.get("created") == 1  # fixed: created
    shop_order(sandbox, bol_id)


def test_marketplace_credentials_refused_in_push_stop_the_run_and_leave_the_order(sandbox,
                                                                                   store):
    ctx = sandbox.context(store)
    bol_id = sandbox.bolcom.place_order()
    cycle(ctx)
    sandbox.shopify.complete(shop_order(sandbox, bol_id)["id"], POSTNL, None)
    sync.detect_webshop_changes(ctx)
    secret = "wrong-secret-0123456789"
    broken = SyncContext(
        store=store, webshop=sandbox.webshop(),
        marketplace=BolcomConnector(client_id=BOL_CLIENT_ID, client_secret=secret,
                                    account="sandbox", api_url=sandbox.bolcom_url,
                                    login_url=sandbox.bolcom_url, rate_limits=False),
        settings=ConnectionSettings(name="sandbox", process_poll_interval=0.05))

    with pytest.raises(ConnectionAuthFailed, match=re.escape("'sandbox'")) as failed:
        sync.push_to_marketplace(broken)

    assert secret not in str(failed.value)
    record = store.find("bolcom", "sandbox", bol_id)
    assert record.status == S.SHIPPED and record.error_reason is None
    assert sandbox.bolcom.shipments_of(bol_id) == []
    assert cycle(ctx).counts.get("pushed") == 1
    assert len(sandbox.bolcom.shipments_of(bol_id)) == 1


def test_error_messages_carry_no_secrets():
    exc = ValueError("POST https://shop.test/x.json?access_token=abc123secret failed; "
                     "client_secret=s3cr3t, 'Authorization': 'Bearer eyJhbGciOi.x.y', "
                     "token shpat_0123456789abcdef, key ck_0123456789 refresh Atzr|IwEBIexample")
    message = safe_message(exc)
    for secret in ("abc123secret", "s3cr3t", "eyJhbGciOi", "shpat_0123", "ck_0123",
                   "Atzr|IwEB"):
        assert secret not in message
    assert message.startswith("ValueError: POST https://shop.test/x.json?... failed")
    assert safe_message(ValueError("an access token was refused (check scopes)")) == \
        "ValueError: an access token was refused (check scopes)"


def test_bolcom_twin_refuses_a_second_cancellation_of_an_item_like_bolcom(sandbox):
    """The twin behaviour the resumable cancellation relies on: 202 for every well-formed
    request, and the repeat's process status ends in FAILURE with bol.com's message."""
    bol_id = sandbox.bolcom.place_order()
    [item] = sandbox.bolcom.stored_order(bol_id)["orderItems"]
    mp = sandbox.marketplace(rate_limits=False)
    body = {"orderItems": [{"orderItemId": item["orderItemId"], "reasonCode": "OUT_OF_STOCK"}]}
    first, again = (mp._call("PUT", "/retailer/orders/cancellation", body=body,
                             idempotent=False)["processStatusId"] for _ in range(2))

    def settled(ref):
        return next(r for r in (mp.process_status(ref) for _ in range(5)) if r.state != "pending")

    assert settled(first).state == "success"
    refused = settled(again)
    assert refused.state == "failure" and "no open quantity" in (refused.message or "")
    assert mp.is_cancelled(bol_id)
    mp.close()
