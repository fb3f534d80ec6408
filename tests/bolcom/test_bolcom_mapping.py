"""Pure mapping: bol.com JSON -> domain, and domain -> request bodies."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ordersync.connectors.bolcom import mapping
from ordersync.orders import (
    ErrorReason,
    MarketplaceOrder,
    ProcessResult,
    Quarantined,
    Shipment,
    ShipmentLine,
)

ADDRESS = {"salutation": "MALE", "firstName": "Billie", "surname": "Jansen",
           "streetName": "Dorpstraat", "houseNumber": "1", "houseNumberExtension": "B",
           "zipCode": "1111ZZ", "city": "Utrecht", "countryCode": "NL"}


def order(**over) -> dict:
    base = {
        "orderId": "1043946570", "pickupPoint": False,
        "orderPlacedDateTime": "2024-03-01T10:15:00+01:00",
        "shipmentDetails": ADDRESS, "billingDetails": {**ADDRESS, "email": "b@x.nl"},
        "orderItems": [{"orderItemId": "6107434013", "quantity": 3, "quantityShipped": 0,
                        "quantityCancelled": 1, "unitPrice": 12.99, "cancellationRequest": False,
                        "product": {"ean": "8712345678906", "title": "Mug"},
                        "offer": {"offerId": "off-1", "reference": "SKU-1"}}],
    }
    base.update(over)
    return base


def test_maps_a_full_order() -> None:
    result = mapping.to_order(order(), "shop")
    assert result.placed_at == datetime(2024, 3, 1, 9, 15, tzinfo=UTC)
    line = result.lines[0]
    assert (line.line_id, line.quantity, line.unit_price) == ("6107434013", 2, Decimal("12.99"))
    assert (line.sku, line.offer_id, line.ean, line.title) == ("SKU-1", "off-1", "8712345678906",
                                                              "Mug")
    assert result.shipping_address.address1 == "Dorpstraat 1 B"
    assert result.billing_address is not None and result.billing_address.email == "b@x.nl"
    assert result.currency == "EUR" and result.platform == "bolcom"


@pytest.mark.parametrize(("over", "reason", "words"), [
    ({"shipmentDetails": {**ADDRESS, "zipCode": ""}}, ErrorReason.ADDRESS_PARSING, "zipCode"),
    ({"shipmentDetails": None}, ErrorReason.ADDRESS_PARSING, "shipmentDetails"),
    ({"orderItems": []}, ErrorReason.VALIDATION, "no orderItems"),
    ({"orderItems": [{"orderItemId": "1", "quantity": 1, "unitPrice": "abc"}]},
     ErrorReason.PRICING, "unitPrice"),
    ({"orderItems": [{"orderItemId": "1", "quantity": 1, "unitPrice": -1}]},
     ErrorReason.PRICING, "unitPrice"),
    ({"orderItems": [{"orderItemId": "1", "quantity": "x", "unitPrice": 1}]},
     ErrorReason.VALIDATION, "quantity"),
    ({"orderPlacedDateTime": "yesterday"}, ErrorReason.VALIDATION, "orderPlacedDateTime"),
])
def test_bad_payloads_are_quarantined(over, reason, words) -> None:
    result = mapping.order_or_quarantine(order(**over), "shop")
    assert isinstance(result, Quarantined)
    assert result.reason == reason and words in result.message
    assert result.external_id == "1043946570" and result.raw["orderId"] == "1043946570"


def test_non_object_payload_is_quarantined() -> None:
    result = mapping.order_or_quarantine(["nope"], "shop", order_id="42")
    assert isinstance(result, Quarantined) and result.external_id == "42"


def test_fully_cancelled_lines_are_dropped() -> None:
    items = order()["orderItems"] + [{"orderItemId": "2", "quantity": 1, "quantityCancelled": 1,
                                      "unitPrice": 5}]
    result = mapping.order_or_quarantine(order(orderItems=items), "shop")
    assert isinstance(result, MarketplaceOrder) and [li.line_id for li in result.lines] == [
        "6107434013"]


def test_shipment_body_with_and_without_tracking() -> None:
    lines = (ShipmentLine("1", 2),)
    now = datetime.now(UTC)
    assert mapping.shipment_bodies(Shipment(lines, now)) == [
        {"orderItems": [{"orderItemId": "1", "quantity": 2}]}]
    body = mapping.shipment_bodies(Shipment(lines, now, tracking_number="3S1"))[0]
    assert body["transport"] == {"transporterCode": "OTHER", "trackAndTrace": "3S1"}
    many = mapping.shipment_bodies(Shipment(tuple(ShipmentLine(str(i), 1) for i in range(150)),
                                            now, carrier_code="DHL"))
    assert [len(b["orderItems"]) for b in many] == [100, 50]
    assert many[1]["transport"] == {"transporterCode": "DHL"}


@pytest.mark.parametrize(("reason", "code"), [
    ("", "OUT_OF_STOCK"), ("out of stock", "OUT_OF_STOCK"),
    ("Customer asked to cancel", "REQUESTED_BY_CUSTOMER"), ("cancellation_request",
                                                            "REQUESTED_BY_CUSTOMER"),
    ("ordered_twice", "ORDERED_TWICE"), ("wrong price", "INCORRECT_PRICE"), ("xyz", "OTHER"),
])
def test_cancel_reason_codes(reason, code) -> None:
    assert mapping.cancel_reason_code(reason) == code


def test_combined_process_results() -> None:
    ok, wait, bad = ProcessResult("success"), ProcessResult("pending"), ProcessResult(
        "failure", "nope")
    assert mapping.combine_results([ok, ok]).state == "success"
    assert mapping.combine_results([ok, wait]).state == "pending"
    assert mapping.combine_results([wait, bad]) == ProcessResult("failure", "nope")
    assert mapping.process_result({"status": "TIMEOUT"}).state == "failure"
