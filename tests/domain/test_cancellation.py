"""What a marketplace cancellation does to an order (pure decisions)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ordersync.connectors.amazon.mapping import buyer_requests
from ordersync.connectors.bolcom.mapping import cancellations_of
from ordersync.orders import (
    MarketplaceCancellation,
    OrderLine,
    OrderStatus,
    Parcel,
    ParcelLine,
    Tracking,
    WebshopOrderState,
)
from ordersync.orders.cancellation import (
    cut_of,
    on_marketplace_cancellation,
    webshop_outcome,
)

S = OrderStatus
LINES = (OrderLine("a", 2, Decimal("5")), OrderLine("b", 1, Decimal("3")))
NOW = datetime(2026, 11, 26, tzinfo=UTC)


def state(**kw) -> WebshopOrderState:
    return WebshopOrderState(**{"webshop_id": "1", "reference": None, "updated_at": NOW,
                                "completed": False, "cancelled": False, **kw})


def test_the_cut_is_what_the_hub_holds_beyond_what_is_left():
    c = MarketplaceCancellation("1", (("a", 1), ("b", 1), ("zz", 0)))
    assert cut_of(LINES, c) == {"a": 1}  # b unchanged, zz unknown
    assert cut_of(LINES, MarketplaceCancellation("1", whole=True)) == {"a": 2, "b": 1}


@pytest.mark.parametrize("status", [S.NOT_SHIPPED, S.CANCELLATION_REQUEST, S.PARTIAL])
def test_an_open_order_goes_pending_cancellation(status):
    decision = on_marketplace_cancellation(status, LINES, MarketplaceCancellation(
        "1", (("a", 0), ("b", 0)), requested=True))
    assert decision.status == S.PENDING_CANCELLATION and decision.whole
    assert "the buyer asked" in decision.reason


@pytest.mark.parametrize("status", [S.WAITING, S.SHIPPED])
def test_a_shipped_order_goes_manual_with_the_reason(status):
    decision = on_marketplace_cancellation(status, LINES, MarketplaceCancellation(
        "1", whole=True))
    assert decision.status == S.MANUAL and "cannot undo a shipment" in decision.reason


@pytest.mark.parametrize("status", [S.PENDING, S.CANCELLED, S.MANUAL, S.ERROR])
def test_settled_or_pending_orders_are_left_alone(status):
    assert on_marketplace_cancellation(status, LINES, MarketplaceCancellation(
        "1", whole=True)) is None


def test_nothing_new_is_no_decision():
    assert on_marketplace_cancellation(S.NOT_SHIPPED, LINES, MarketplaceCancellation(
        "1", (("a", 2),))) is None


def test_webshop_outcome_whole_order():
    assert webshop_outcome(state(), {"a": 2}, True, None) == "cancel"
    assert webshop_outcome(state(cancelled=True), {"a": 2}, True, None) == "done"
    assert webshop_outcome(state(completed=True), {"a": 2}, True, None) == "shipped"
    assert webshop_outcome(state(tracking=(Tracking("X1"),)), {"a": 2}, True, None) == "shipped"


def test_webshop_outcome_lines_counts_from_the_baseline():
    cut = {"b": 1}
    assert webshop_outcome(state(), cut, False, None) == "cancel"
    earlier = state(cancelled_lines=(ParcelLine("b", 1),))
    assert webshop_outcome(earlier, cut, False, {"b": 1}) == "cancel"  # that was before
    assert webshop_outcome(earlier, cut, False, {"b": 0}) == "done"  # our write got through
    parcel = Parcel("f1", (ParcelLine("b", 1),))
    assert webshop_outcome(state(parcels=(parcel,)), cut, False, {}) == "shipped"
    other = Parcel("f2", (ParcelLine("a", 2),))
    assert webshop_outcome(state(parcels=(other,)), cut, False, {}) == "cancel"


def test_bolcom_cancelled_and_requested_items():
    order = {"orderId": "B1", "orderItems": [
        {"orderItemId": "1", "quantity": 3, "quantityCancelled": 1, "quantityShipped": 0,
         "cancellationRequest": False},
        {"orderItemId": "2", "quantity": 1, "quantityCancelled": 0, "quantityShipped": 0,
         "cancellationRequest": True},
        {"orderItemId": "3", "quantity": 1, "quantityCancelled": 0, "quantityShipped": 1,
         "cancellationRequest": True}]}  # shipped already: nothing left to ask for
    done, asked = cancellations_of(order)
    assert (done.remaining, done.requested) == ((("1", 2),), False)
    assert (asked.remaining, asked.requested) == ((("2", 0),), True)
    assert cancellations_of({"orderId": "B2", "orderItems": [
        {"orderItemId": "1", "quantity": 1, "quantityCancelled": 0}]}) == []


def test_amazon_buyer_requests():
    items = [{"OrderItemId": "i1", "BuyerRequestedCancel": {
                 "IsBuyerRequestedCancel": "true", "BuyerCancelReason": "Found it cheaper"}},
             {"OrderItemId": "i2", "BuyerRequestedCancel": {"IsBuyerRequestedCancel": "false"}},
             {"OrderItemId": "i3"}]
    (request,) = buyer_requests("A1", items)
    assert request.remaining == (("i1", 0),) and request.requested
    assert "Found it cheaper" in request.reason
    assert buyer_requests("A1", items[1:]) == []


@pytest.mark.parametrize("status", [S.WAITING, S.SHIPPED])
def test_a_buyer_request_after_shipping_lapses_without_a_status_change(status):
    decision = on_marketplace_cancellation(status, LINES, MarketplaceCancellation(
        "1", (("a", 0), ("b", 0)), requested=True))
    assert decision.lapsed and decision.status == status
    assert "the request lapses" in decision.reason
