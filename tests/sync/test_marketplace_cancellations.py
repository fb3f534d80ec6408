"""Marketplace -> webshop cancellations on every marketplace x webshop pair, over the served
twins: a buyer cancels before shipping (webshop cancelled, stock back, bol.com's request
accepted), after shipping (manual with the reason), line by line, and a crash between the
webshop cancel and the commit (no second cancel, nothing lost)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from ordersync import order_loop as sync
from ordersync.connectors.capabilities import LineCanceller
from ordersync.order_loop.cancellations import cancel_from_marketplace
from ordersync.orders import OrderStatus
from ordersync.sandbox.merchant import CatalogItem
from ordersync.store.cancellations import CancelStore
from ordersync.store.tables import OrderRow
from tests.sync.test_platform_matrix import POSTNL, SKUS, Pair, matrix_stack  # noqa: F401

# The webshop requests that cancel an order (or lines), per registry webshop.
CANCEL_REQUESTS = {"shopify": "/cancel.json", "woocommerce": "PUT /wp-json/wc/v3/orders",
                   "shopware": "/state/cancel", "magento": "/cancel",
                   "prestashop": "POST /api/order_histories",
                   "lightspeed": "PUT /nl/orders/{id}.json",
                   "ccvshop": "PATCH /api/rest/v1/orders/{id}/"}

S = OrderStatus
STOCK = 20


def cycle(ctx) -> sync.StepResult:
    """One cycle as the order_sync flow runs it, the cancellations step included."""
    result = sync.StepResult()
    for step in (sync.import_orders, cancel_from_marketplace, sync.create_in_webshop,
                 sync.detect_webshop_changes, sync.sweep_waiting, sync.push_to_marketplace):
        result.merge(step(ctx))
    return result


class Shop(Pair):
    """The pair plus what the cancellation tests read and do on the twins."""

    def stock(self, sku: str) -> int | None:
        return self.stack.merchant.stock(sku)

    def cancelled_in_shop(self, order_id: str) -> bool:
        return self.stack.merchant.order_state(self.shop_id(order_id)) in ("cancelled",
                                                                           "canceled")

    def lines_cancellable(self) -> bool:
        connector = self.stack.webshop()
        try:
            return isinstance(connector, LineCanceller)
        finally:
            connector.close()

    def line_ids(self, order_id: str) -> list[str]:
        if self.marketplace == "amazon":
            return [i["OrderItemId"] for i in self.stack.amazon.state.orders[order_id].items]
        return [i["orderItemId"] for i in self.stack.bolcom.stored_order(order_id)["orderItems"]]

    # -- the buyer, on the marketplace ---------------------------------------------------
    def buyer_cancels(self, order_id: str, items: list[str] | None = None) -> None:
        """bol.com: a cancellation request; Amazon: the order is cancelled (whole) or the
        buyer requests it for some items."""
        if self.marketplace == "amazon":
            if items:
                self.stack.amazon.request_cancellation(order_id, items)
            else:
                self.stack.amazon.buyer_cancel(order_id)
        else:
            self.stack.bolcom.request_cancellation(order_id, items)

    def marketplace_cancels(self, order_id: str, items: list[str] | None = None) -> None:
        """The marketplace itself cancels (bol.com's customer service; Amazon: buyer cancel)."""
        if self.marketplace == "amazon":
            self.stack.amazon.buyer_cancel(order_id)
        else:
            self.stack.bolcom.cancel_by_bol(order_id, items)

    def cancel_calls(self) -> int:
        """Cancel requests the webshop got (Shopify cancel.json; WooCommerce status PUTs)."""
        what = CANCEL_REQUESTS[self.stack.shop_platform]
        return sum(n for key, n in self.stack.shop.controls.requests.items() if what in key)


@pytest.fixture(params=["bolcom", "amazon"])
def shop(request, matrix_stack):  # noqa: F811
    stack = matrix_stack
    for twin in (stack.bolcom, stack.amazon, stack.shop):
        twin.reset()
        twin.controls.clear()
    stack.merchant.stock_catalog(CatalogItem(sku, sku.title(), Decimal("10.00"), STOCK)
                                 for sku in SKUS)
    return Shop(stack, request.param)


def ctx_for(shop: Shop, store, **kw):
    return shop.stack.context(store, marketplace=shop.marketplace, **kw)


def test_buyer_cancels_before_shipping_cancels_in_the_webshop_with_stock_back(shop, store):
    ctx = ctx_for(shop, store)
    order_id = shop.place_order(quantity=2)
    cycle(ctx)
    assert shop.stock(SKUS[0]) == STOCK - 2 and shop.stock(SKUS[1]) == STOCK - 1

    shop.buyer_cancels(order_id)
    counts = cycle(ctx).counts
    cycle(ctx)  # nothing more

    assert counts.get("cancelled_in_webshop") == 1, counts
    assert shop.cancelled_in_shop(order_id)
    assert shop.stock(SKUS[0]) == STOCK and shop.stock(SKUS[1]) == STOCK
    assert shop.cancel_calls() == 1
    record = store.find(shop.marketplace, "sandbox", order_id)
    assert record.status == S.CANCELLED
    if shop.marketplace == "bolcom":  # the buyer's request accepted on bol.com
        reasons = shop.stack.bolcom.cancellation_reasons(order_id)
        assert set(reasons) == set(shop.line_ids(order_id))
        assert set(reasons.values()) == {"REQUESTED_BY_CUSTOMER"}
    else:  # Amazon cancelled it itself: nothing to answer
        assert shop.stack.amazon.status_of(order_id) == "Canceled"


def test_marketplace_cancellation_of_an_order_not_in_the_webshop_yet(shop, store):
    ctx = ctx_for(shop, store)
    order_id = shop.place_order()
    sync.import_orders(ctx)  # imported, not yet created in the webshop
    shop.marketplace_cancels(order_id)

    counts = cycle(ctx).counts

    assert counts.get("cancelled") == 1, counts
    assert shop.shop_orders(order_id) == []
    assert store.find(shop.marketplace, "sandbox", order_id).status == S.CANCELLED


def test_cancelled_after_shipping_becomes_manual_with_the_reason(shop, store):
    ctx = ctx_for(shop, store)
    order_id = shop.place_order()
    cycle(ctx)
    shop.complete(order_id, POSTNL)  # the merchant shipped; the hub has not seen it yet
    shop.marketplace_cancels(order_id)

    cycle(ctx)

    record = store.find(shop.marketplace, "sandbox", order_id)
    assert record.status == S.MANUAL
    events = store.events(record.id)
    assert any("already shipped" in e["message"] and "cannot undo" in e["message"]
               for e in events), events
    assert not shop.cancelled_in_shop(order_id)
    assert shop.shipments(order_id) == []  # no shipment pushed for a cancelled order


def test_one_line_cancelled_on_the_marketplace(shop, store):
    ctx = ctx_for(shop, store)
    order_id = shop.place_order(quantity=2)
    cycle(ctx)
    plate = shop.line_ids(order_id)[1]

    if shop.marketplace == "amazon":
        shop.buyer_cancels(order_id, [plate])  # Amazon: a request for one item
    else:
        shop.marketplace_cancels(order_id, [plate])  # bol.com cancelled the item itself
    cycle(ctx)

    record = store.find(shop.marketplace, "sandbox", order_id)
    if not shop.lines_cancellable():  # e.g. WooCommerce: no line cancel in its API
        assert record.status == S.MANUAL
        assert "cannot cancel single lines" in store.events(record.id)[-1]["message"]
        assert shop.stock(SKUS[1]) == STOCK - 1
        return
    assert shop.stock(SKUS[1]) == STOCK and shop.stock(SKUS[0]) == STOCK - 2, (
        record.status, store.events(record.id))
    assert not shop.cancelled_in_shop(order_id)
    if shop.marketplace == "amazon":  # no seller cancellation on Amazon: merchant's turn
        assert record.status == S.MANUAL
        assert "Seller Central" in (record_error(store, record.id) or "")
        return
    assert record.status == S.PARTIAL
    assert [(li.line_id, li.quantity) for li in record.lines] == [
        (shop.line_ids(order_id)[0], 2)]
    shop.complete(order_id, POSTNL)  # the rest ships as usual
    cycle(ctx)
    assert [row["orderItemId"] for row in shop.stack.bolcom.shipments_of(order_id)] == [
        shop.line_ids(order_id)[0]]
    assert store.find(shop.marketplace, "sandbox", order_id).status == S.SHIPPED


def record_error(store, order_id: int) -> str | None:
    with store.session() as s:
        return s.get(OrderRow, order_id).error_message


class Crash(BaseException):
    """Stands for the process dying (not an Exception: nothing may catch it)."""


def test_crash_between_webshop_cancel_and_commit_cancels_once(shop, store, monkeypatch):
    ctx = ctx_for(shop, store)
    order_id = shop.place_order()
    cycle(ctx)
    shop.marketplace_cancels(order_id)
    original = CancelStore.cancelled

    def die(self, *args, **kwargs):
        monkeypatch.setattr(CancelStore, "cancelled", original)
        raise Crash("killed after the webshop cancel, before the commit")

    monkeypatch.setattr(CancelStore, "cancelled", die)
    with pytest.raises(Crash):
        cycle(ctx)
    assert shop.cancelled_in_shop(order_id)  # the webshop did it; the hub does not know
    record = store.find(shop.marketplace, "sandbox", order_id)
    assert record.status == S.PENDING_CANCELLATION

    cycle(ctx_for(shop, store))  # a run inside the dead run's lease leaves it alone
    assert store.find(shop.marketplace, "sandbox", order_id).status == S.PENDING_CANCELLATION
    later = ctx_for(shop, store, clock=lambda: ctx.clock() + ctx.settings.lease
                    + timedelta(seconds=1))
    counts = cycle(later).counts

    assert counts.get("reconciled") == 1, counts
    assert store.find(shop.marketplace, "sandbox", order_id).status == S.CANCELLED
    assert shop.cancel_calls() == 1
    assert shop.stock(SKUS[0]) == STOCK and shop.stock(SKUS[1]) == STOCK
    intent = CancelStore(store).state(record.id)
    assert intent is not None and intent["state"] == "done"


def test_amazon_buyer_request_cancels_in_the_webshop_then_hands_over(shop, store):
    """Orders v0 has no seller cancellation: after the webshop cancel (stock back) the order
    is manual, with the note to cancel it in Seller Central."""
    if shop.marketplace != "amazon":
        pytest.skip("Amazon's buyer request (bol.com's is accepted: see above)")
    ctx = ctx_for(shop, store)
    order_id = shop.place_order()
    cycle(ctx)
    shop.stack.amazon.request_cancellation(order_id)

    cycle(ctx)

    assert shop.cancelled_in_shop(order_id) and shop.stock(SKUS[0]) == STOCK
    record = store.find("amazon", "sandbox", order_id)
    assert record.status == S.MANUAL and "Seller Central" in record_error(store, record.id)
    assert shop.stack.amazon.status_of(order_id) == "Unshipped"


def test_a_request_before_the_first_import_never_reaches_the_webshop(shop, store):
    if shop.marketplace != "bolcom":
        pytest.skip("bol.com's cancellation request (Amazon: covered by the listing's Canceled)")
    ctx = ctx_for(shop, store)
    order_id = shop.place_order()
    shop.buyer_cancels(order_id)

    cycle(ctx)
    cycle(ctx)

    assert shop.shop_orders(order_id) == []
    assert store.find("bolcom", "sandbox", order_id).status == S.CANCELLED
    reasons = shop.stack.bolcom.cancellation_reasons(order_id)
    assert set(reasons.values()) == {"REQUESTED_BY_CUSTOMER"} and len(reasons) == 2


def test_a_buyer_request_after_the_merchant_shipped_lapses_and_the_order_ships(shop, store):
    if shop.marketplace != "bolcom":
        pytest.skip("bol.com's cancellation request (Amazon's: manual either way)")
    ctx = ctx_for(shop, store)
    order_id = shop.place_order()
    cycle(ctx)
    shop.buyer_cancels(order_id)
    shop.complete(order_id, POSTNL)  # the merchant ships before the hub sees the request

    counts = cycle(ctx).counts
    cycle(ctx)

    assert counts.get("requests_lapsed") == 1, counts
    record = store.find("bolcom", "sandbox", order_id)
    assert record.status == S.SHIPPED and record.marketplace_confirmed_at is not None
    assert {code for code, _ in shop.shipments(order_id)} == {"TNT"}
    assert any(e["kind"] == "cancellation_request_lapsed" for e in store.events(record.id))
    assert not shop.cancelled_in_shop(order_id)
