"""Amazon JSON -> domain mapping, without HTTP."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ordersync.connectors.amazon import mapping
from ordersync.orders import Address, ErrorReason, MarketplaceOrder, Quarantined

ORDER = {"AmazonOrderId": "402-1234567-1234567", "PurchaseDate": "2024-05-01T10:00:00Z",
         "LastUpdateDate": "2024-05-01T10:05:00Z", "OrderStatus": "Unshipped",
         "MarketplaceId": "A1805IZSGTT6HS",
         "OrderTotal": {"CurrencyCode": "EUR", "Amount": "10.00"},
         "BuyerInfo": {"BuyerEmail": "x@marketplace.amazon.nl"},
         "ShippingAddress": {"Name": "Anna", "AddressLine1": "Hoofdweg 3-5",
                             "City": "Gent", "PostalCode": "9000", "CountryCode": "be"}}
ITEM = {"OrderItemId": "1", "ASIN": "B0", "SellerSKU": "S", "QuantityOrdered": 3,
        "ItemPrice": {"CurrencyCode": "EUR", "Amount": "10.00"}}


def test_unit_price_is_item_price_over_quantity() -> None:
    order = mapping.to_order(ORDER, [ITEM], "acc")
    assert order.lines[0].unit_price == Decimal("3.33") and order.lines[0].quantity == 3
    assert order.placed_at == datetime(2024, 5, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize(("line1", "street", "number", "ext"), [
    ("Kerkstraat 12", "Kerkstraat", "12", None),
    ("Kerkstraat 12 A", "Kerkstraat", "12", "A"),
    ("Hoofdweg 3-5", "Hoofdweg", "3", "5"),
    ("Postbus", "Postbus", None, None),
    ("1e Jan Steenstraat 4bis", "1e Jan Steenstraat", "4", "bis"),
])
def test_street_split(line1, street, number, ext) -> None:
    address = mapping.parse_address({**ORDER["ShippingAddress"], "AddressLine1": line1}, None)
    assert (address.street, address.house_number, address.house_number_extension) == (
        street, number, ext)


def test_single_name_and_country_case() -> None:
    address = mapping.to_order(ORDER, [ITEM], "acc").shipping_address
    assert (address.first_name, address.last_name, address.country) == (None, "Anna", "BE")
    assert address.email == "x@marketplace.amazon.nl"


def test_pending_order_needs_no_address_or_prices() -> None:
    pending = {k: v for k, v in ORDER.items() if k not in ("ShippingAddress", "OrderTotal")}
    pending["OrderStatus"] = "Pending"
    item = {k: v for k, v in ITEM.items() if k != "ItemPrice"}
    order = mapping.to_order(pending, [item], "acc")
    assert order.pending and order.shipping_address == Address() and order.currency == "EUR"
    assert order.lines[0].unit_price == Decimal("0") and order.total == Decimal("0")


@pytest.mark.parametrize(("order", "items", "reason"), [
    ({**ORDER, "ShippingAddress": None}, [ITEM], ErrorReason.ADDRESS_PARSING),
    ({**ORDER, "ShippingAddress": {**ORDER["ShippingAddress"], "CountryCode": "BEL"}}, [ITEM],
     ErrorReason.ADDRESS_PARSING),
    (ORDER, [{**ITEM, "ItemPrice": None}], ErrorReason.PRICING),
    (ORDER, [{**ITEM, "ItemPrice": {"CurrencyCode": "EUR", "Amount": "-1"}}],
     ErrorReason.PRICING),
    (ORDER, [{**ITEM, "ItemPrice": {"CurrencyCode": "GBP", "Amount": "1"}}],
     ErrorReason.CURRENCY_MISMATCH),
    (ORDER, [], ErrorReason.VALIDATION),
    (ORDER, [{**ITEM, "QuantityOrdered": "2"}], ErrorReason.VALIDATION),
    ({**ORDER, "PurchaseDate": "yesterday"}, [ITEM], ErrorReason.VALIDATION),
])
def test_quarantine_reasons(order, items, reason) -> None:
    result = mapping.order_or_quarantine(order, items, "acc")
    assert isinstance(result, Quarantined) and result.reason == reason
    assert result.external_id == ORDER["AmazonOrderId"] and result.raw["OrderItems"] == items


def test_not_an_object_is_quarantined() -> None:
    result = mapping.order_or_quarantine(["x"], [], "acc", "402-1")
    assert isinstance(result, Quarantined) and result.external_id == "402-1"


def test_zero_quantity_items_are_dropped() -> None:
    order = mapping.order_or_quarantine(
        ORDER, [ITEM, {**ITEM, "OrderItemId": "2", "QuantityOrdered": 0}], "acc")
    assert isinstance(order, MarketplaceOrder) and [ln.line_id for ln in order.lines] == ["1"]


def test_feed_results() -> None:
    states = {s: mapping.feed_result({"processingStatus": s}).state
              for s in ("IN_QUEUE", "IN_PROGRESS", "DONE", "CANCELLED", "FATAL")}
    assert states == {"IN_QUEUE": "pending", "IN_PROGRESS": "pending", "DONE": "success",
                      "CANCELLED": "failure", "FATAL": "failure"}
