"""Pure mapping: the create body, the webshop state from deliveries, stock, error texts."""

from __future__ import annotations

import httpx
import pytest

from ordersync.connectors.parsing import MappingError
from ordersync.connectors.shopware.criteria import changed_orders
from ordersync.connectors.shopware.mapping import (
    ShopContext,
    new_id,
    order_payload,
    order_state,
    stock_of,
)
from ordersync.http.client import _problem_detail
from ordersync.orders import Address, ParcelLine
from tests.shopware.helpers import order

CTX = ShopContext(sales_channel_id="s" * 32, language_id="l" * 32, payment_method_id="p" * 32,
                  shipping_method_id="m" * 32, order_state_id="o" * 32,
                  delivery_state_id="d" * 32, transaction_state_id="t" * 32,
                  currencies={"EUR": "e" * 32}, countries={"NL": "n" * 32, "BE": "b" * 32})
PRODUCTS = {"MUG-350": {"id": "1" * 32, "productNumber": "MUG-350"}}


def test_payload_is_deterministic_and_carries_the_reference():
    first = order_payload(order("X1"), CTX, PRODUCTS)
    again = order_payload(order("X1"), CTX, PRODUCTS)
    assert first["id"] == again["id"] == new_id("bolcom:X1")
    assert first["customFields"]["ordersync_reference"] == "bolcom:X1"
    assert first["deliveries"][0]["id"] == again["deliveries"][0]["id"]
    assert order_payload(order("X2"), CTX, PRODUCTS)["id"] != first["id"]


def test_payload_lines_positions_and_money():
    body = order_payload(order("X3", quantity=3), CTX, PRODUCTS)
    mug, plate = body["lineItems"]
    assert (mug["type"], mug["productId"], mug["quantity"]) == ("product", "1" * 32, 3)
    assert mug["price"] == {"unitPrice": 12.5, "totalPrice": 37.5, "quantity": 3,
                            "calculatedTaxes": [], "taxRules": []}
    assert plate["type"] == "custom" and "productId" not in plate
    assert mug["customFields"] == {"ordersync_line_id": "X3-1"}
    positions = body["deliveries"][0]["positions"]
    assert [(p["orderLineItemId"], p["quantity"]) for p in positions] == [
        (mug["id"], 3), (plate["id"], 1)]
    assert body["price"]["totalPrice"] == 44.75 == body["transactions"][0]["amount"]["totalPrice"]
    assert body["billingAddressId"] == body["deliveries"][0]["shippingOrderAddressId"]
    assert body["addresses"][0]["street"] == "Kerkstraat 12 B"
    assert "company" not in body["addresses"][0]  # None is left out, never sent as null


def test_separate_billing_address_and_bad_values():
    base = order("X4")
    billing = Address(first_name="Piet", last_name="P", street="Rue", city="Gent", country="BE")
    body = order_payload(type(base)(**{**{f: getattr(base, f) for f in base.__slots__},
                                       "billing_address": billing}), CTX, PRODUCTS)
    assert len(body["addresses"]) == 2
    assert body["billingAddressId"] != body["deliveries"][0]["shippingOrderAddressId"]
    with pytest.raises(MappingError, match="currency USD"):
        order_payload(order("X5", currency="USD"), CTX, PRODUCTS)
    with pytest.raises(MappingError, match="country DE"):
        order_payload(order("X6", country="DE"), CTX, PRODUCTS)


def state(name):
    return {"technicalName": name}


def delivery(did, status, codes=(), positions=(), updated="2026-11-26T10:00:00.000+00:00",
             method="PostNL", url=None):
    return {"id": did, "stateMachineState": state(status), "trackingCodes": list(codes),
            "shippingMethod": {"name": method, "trackingUrl": url}, "updatedAt": updated,
            "createdAt": "2026-11-26T09:00:00.000+00:00",
            "positions": [{"orderLineItemId": li, "quantity": q} for li, q in positions]}


def sw_order(status="open", deliveries=(), updated=None):
    return {"id": "a" * 32, "createdAt": "2026-11-26T08:00:00.000+00:00", "updatedAt": updated,
            "stateMachineState": state(status),
            "customFields": {"ordersync_reference": "bolcom:1"},
            "lineItems": [{"id": "li1", "customFields": {"ordersync_line_id": "L1"}},
                          {"id": "li2", "customFields": {"ordersync_line_id": "L2"}}],
            "deliveries": list(deliveries)}


def test_state_shipped_with_one_and_two_codes():
    one = order_state(sw_order(deliveries=[delivery("d1", "shipped", ["3S1"],
                                                    [("li1", 2), ("li2", 1)])]))
    assert one.completed and not one.cancelled and one.reference == "bolcom:1"
    assert [(t.number, t.company) for t in one.tracking] == [("3S1", "PostNL")]
    assert one.parcels[0].lines == (ParcelLine("L1", 2), ParcelLine("L2", 1))
    assert one.updated_at.isoformat() == "2026-11-26T10:00:00+00:00"
    two = order_state(sw_order(deliveries=[delivery("d1", "shipped", ["3S1", "3S2"],
                                                    url="https://t.example/%s")]))
    assert [t.url for t in two.tracking] == ["https://t.example/3S1", "https://t.example/3S2"]


def test_state_partial_and_cancelled():
    partial = order_state(sw_order(deliveries=[delivery("d1", "shipped", ["3S1"], [("li1", 1)]),
                                               delivery("d2", "open", (), [("li1", 1)])]))
    assert not partial.completed and len(partial.parcels) == 1
    core_partial = order_state(sw_order(deliveries=[delivery("d1", "shipped_partially", ["3S"])]))
    assert not core_partial.completed and core_partial.parcels == ()
    assert [t.number for t in core_partial.tracking] == ["3S"]
    lines = order_state(sw_order(deliveries=[delivery("d1", "shipped", (), [("li1", 2)]),
                                             delivery("d2", "cancelled", (), [("li2", 1)])]))
    assert lines.completed and lines.cancelled_lines == (ParcelLine("L2", 1),)
    assert order_state(sw_order("cancelled", [delivery("d1", "open")])).cancelled
    assert order_state(sw_order(deliveries=[delivery("d1", "cancelled")])).cancelled
    assert order_state(sw_order("completed")).completed


def test_unusable_tracking_marks_the_state_invalid():
    bad = order_state(sw_order(deliveries=[delivery("d1", "shipped", ["3S\x00"])]))
    assert bad.invalid and bad.tracking == () and bad.parcels == ()


def test_stock_of_products_and_variants():
    stock = stock_of([{"productNumber": "A", "stock": 5, "availableStock": 3, "childCount": 0},
                      {"productNumber": "P", "stock": 0, "childCount": 2},
                      {"productNumber": "A", "stock": 1},
                      {"productNumber": "B", "stock": 7}, {"productNumber": None, "stock": 1}])
    assert dict(stock.quantities) == {"A": 3, "B": 7}
    assert stock.untracked == {"P"} and stock.duplicates == {"A"}


def test_changed_orders_criteria_keyset():
    from datetime import UTC, datetime

    body = changed_orders(datetime(2026, 11, 26, tzinfo=UTC), 41, 100)
    assert body["filter"][1] == {"type": "range", "field": "autoIncrement",
                                 "parameters": {"gt": 41}}
    assert body["filter"][0]["operator"] == "or" and body["page"] == 1
    assert body["filter"][0]["queries"][0]["parameters"]["gte"] == \
        "2026-11-26T00:00:00.000+00:00"


def test_jsonapi_errors_read_as_code_and_detail():
    response = httpx.Response(400, json={"errors": [
        {"status": "400", "code": "SYSTEM__ILLEGAL_STATE_TRANSITION", "detail": "Illegal"},
        {"status": "400", "code": "c1051bb4", "detail": "This value should not be blank."}]})
    assert _problem_detail(response) == ("SYSTEM__ILLEGAL_STATE_TRANSITION: Illegal; "
                                         "c1051bb4: This value should not be blank.")
