"""The value limits the domain owns: what the store can hold, checked where values enter."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ordersync.connectors.amazon import mapping as amazon
from ordersync.connectors.bolcom import mapping as bolcom
from ordersync.connectors.shopify.mapping import order_state as shopify_state
from ordersync.connectors.woocommerce.mapping import order_state as woo_state
from ordersync.orders import (
    Address,
    ErrorReason,
    MarketplaceOrder,
    OrderLine,
    OrderStatus,
    Quarantined,
    Tracking,
    WebshopOrderState,
)
from ordersync.orders import limits as L
from ordersync.orders.lifecycle import on_webshop_state
from ordersync.store.tables import OrderLineRow, OrderRow

NOW = datetime(2026, 1, 1, tzinfo=UTC)
ORDER = MarketplaceOrder(
    platform="bolcom", account="acc", external_id="1", placed_at=NOW, currency="EUR",
    lines=(OrderLine("1", 2, Decimal("10.00")),), shipping_address=Address(city="Utrecht"),
)


def test_tables_use_the_domain_limits():
    assert OrderRow.__table__.c.external_id.type.length == L.MAX_EXTERNAL_ID
    assert OrderRow.__table__.c.tracking_number.type.length == L.MAX_TRACKING_NUMBER
    assert OrderRow.__table__.c.carrier_name.type.length == L.MAX_CARRIER_NAME
    lines = OrderLineRow.__table__.c
    assert (lines.line_id.type.length, lines.ean.type.length, lines.sku.type.length) == (
        L.MAX_LINE_ID, L.MAX_EAN, L.MAX_SKU)
    assert (lines.unit_price.type.precision, lines.unit_price.type.scale) == (
        L.MONEY_PRECISION, L.MONEY_SCALE)


def test_boundaries_are_inside_and_one_past_is_out():
    line = ORDER.lines[0]
    ok = replace(ORDER, external_id="9" * L.MAX_EXTERNAL_ID,
                 placed_at=L.EARLIEST, lines=(replace(line, line_id="1" * L.MAX_LINE_ID,
                                                       quantity=1, unit_price=L.MAX_MONEY),))
    assert L.check_order(ok) is ok
    for bad in (
        replace(ORDER, external_id="9" * (L.MAX_EXTERNAL_ID + 1)),
        replace(ORDER, placed_at=L.LATEST),
        replace(ORDER, lines=(replace(line, quantity=L.MAX_QUANTITY + 1),)),
        replace(ORDER, lines=(replace(line, unit_price=L.MAX_MONEY + Decimal("0.01")),)),
        replace(ORDER, lines=(replace(line, unit_price=L.MAX_MONEY),)),  # total too big
        replace(ORDER, lines=(replace(line, title="a\x00b"),)),
        replace(ORDER, lines=(replace(line, sku="\ud800"),)),
        replace(ORDER, shipping_address=Address(city="U" * (L.MAX_ADDRESS_FIELD + 1))),
    ):
        with pytest.raises(L.LimitError) as caught:
            L.check_order(bad)
        assert caught.value.reason == ErrorReason.VALUE_LIMIT
    with pytest.raises(L.LimitError) as caught:
        L.check_order(replace(ORDER, lines=(line, line)))
    assert caught.value.reason == ErrorReason.VALIDATION


def test_storable_unicode_passes():
    title = "\u202e\u0301\ufeff\U0001f4a9\uffff mug\twith\ttabs"
    assert L.check_order(replace(ORDER, lines=(replace(ORDER.lines[0], title=title),)))


def test_printable_and_storage_key_and_clean_json():
    assert L.printable("a\x00b\ud800c") == "a\\x00b\\ud800c"
    assert len(L.printable("x" * 5000, 100)) == 100
    long_id = "1" * 200
    assert L.storage_key(long_id) == L.storage_key(long_id) != long_id
    assert len(L.storage_key(long_id)) <= L.MAX_EXTERNAL_ID
    assert L.storage_key("a\x00") .startswith("invalid-id-")
    assert L.storage_key("123") == "123"
    assert L.clean_json({"a\x00": ["\x00", float("inf"), 1e30, 10**30]}) == {
        "a\\x00": ["\\x00", None, 1e30, 10**30]}


def bol_order(**item):
    return {"orderId": "1", "orderPlacedDateTime": "2026-01-01T10:00:00+01:00",
            "shipmentDetails": {"surname": "V", "streetName": "K", "houseNumber": "1",
                                "zipCode": "1", "city": "U", "countryCode": "NL"},
            "orderItems": [{"orderItemId": "1", "quantity": 1, "unitPrice": 1.0, **item}]}


@pytest.mark.parametrize("item, reason", [
    ({"unitPrice": 1e30}, ErrorReason.VALUE_LIMIT),
    ({"unitPrice": "1e400"}, ErrorReason.VALUE_LIMIT),
    ({"unitPrice": -1}, ErrorReason.PRICING),
    ({"quantity": 10**12}, ErrorReason.VALUE_LIMIT),
    ({"product": {"title": "surrogate \ud800"}}, ErrorReason.VALUE_LIMIT),
    ({"product": ["not", "an", "object"], "offer": 5}, None),  # ignored, not a crash
])
def test_bolcom_mapping_never_raises(item, reason):
    result = bolcom.order_or_quarantine(bol_order(**item), "acc")
    if reason is None:
        assert isinstance(result, MarketplaceOrder)
    else:
        assert isinstance(result, Quarantined) and result.reason == reason


def test_mapping_turns_unexpected_errors_into_quarantine():
    class Odd(dict):
        def get(self, key, default=None):  # a payload that breaks the mapping oddly
            if key in ("orderId", "AmazonOrderId"):
                return super().get(key, default)
            raise RuntimeError("boom")

    result = bolcom.order_or_quarantine(Odd(orderId="7"), "acc")
    assert isinstance(result, Quarantined) and result.reason == ErrorReason.VALIDATION
    result = amazon.order_or_quarantine(Odd(AmazonOrderId="7"), [], "acc")
    assert isinstance(result, Quarantined) and "RuntimeError" in result.message


def test_amazon_year_one_and_huge_amount_are_quarantined():
    order = {"AmazonOrderId": "1", "PurchaseDate": "0001-01-01T00:30:00+01:00",
             "OrderStatus": "Unshipped",
             "ShippingAddress": {"Name": "J V", "AddressLine1": "K 1", "PostalCode": "1",
                                 "City": "U", "CountryCode": "NL"}}
    items = [{"OrderItemId": "1", "QuantityOrdered": 1,
              "ItemPrice": {"CurrencyCode": "EUR", "Amount": "1.00"}}]
    assert amazon.order_or_quarantine(order, items, "acc").reason == ErrorReason.VALUE_LIMIT
    order["PurchaseDate"] = "2026-01-01T00:00:00Z"
    items[0]["ItemPrice"]["Amount"] = "1e30"
    assert amazon.order_or_quarantine(order, items, "acc").reason == ErrorReason.VALUE_LIMIT


def test_webshop_states_with_unusable_tracking_are_invalid():
    shop = {"id": 1, "updated_at": "2026-01-01T10:00:00Z", "fulfillment_status": "fulfilled",
            "fulfillments": [{"status": "success", "tracking_numbers": ["3S\x00X"]}]}
    state = shopify_state(shop)
    assert state.invalid and state.tracking == ()
    shop["fulfillments"] = [{"status": "success", "tracking_numbers": [{"odd": 1}]}]
    assert shopify_state(shop).invalid
    woo = {"id": 2, "status": "completed", "date_modified_gmt": "2026-01-01T10:00:00"}
    state = woo_state(woo, [{"tracking_number": "3SABC", "tracking_provider": "C" * 200}])
    assert state.invalid and "carrier name" in state.invalid
    assert not woo_state(woo, [{"tracking_number": "3SABC"}]).invalid


def test_an_invalid_state_errors_open_orders_but_a_cancellation_still_counts():
    bad = WebshopOrderState("1", "r", NOW, completed=True, cancelled=False, invalid="too long")
    assert on_webshop_state(OrderStatus.NOT_SHIPPED, bad).status == OrderStatus.ERROR
    assert on_webshop_state(OrderStatus.WAITING, bad).status == OrderStatus.ERROR
    assert on_webshop_state(OrderStatus.SHIPPED, bad) is None
    cancelled = replace(bad, cancelled=True)
    assert on_webshop_state(OrderStatus.NOT_SHIPPED, cancelled).status == OrderStatus.CANCELLED
    assert L.tracking_problem([Tracking("3SABC", "PostNL")]) is None
