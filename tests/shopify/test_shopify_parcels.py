"""A Shopify order's fulfillments as parcels and its refunded-before-shipping lines as
cancellations: the mapping on the real fixture's shapes, and the connector over the twin."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from shopify_helpers import make_order

from ordersync.connectors.shopify.mapping import order_state
from ordersync.connectors.shopify.parcels import cancelled_lines_of, parcels_of
from ordersync.orders import ParcelLine, Tracking
from ordersync.sandbox.shopify.parcels import line_items

SPECS = Path(os.environ.get("ORDERSYNC_SPECS")
             or Path(__file__).resolve().parents[2].parent / "shared" / "specs")
FIXTURE = SPECS / "shopify-fixtures" / "order.json"


def test_fixture_fulfillments_become_parcels_with_their_codes():
    if not FIXTURE.is_file():
        pytest.skip(f"Shopify fixtures not found at {FIXTURE} (set ORDERSYNC_SPECS)")
    order = json.loads(FIXTURE.read_text())["order"]
    fulfillment = json.loads((FIXTURE.parent / "fulfillment.json").read_text())["fulfillment"]
    assert parcels_of(order) == ()  # the fixture's only fulfillment failed
    ours = [{"name": "_marketplace_line_id", "value": "bol-1"}]
    order["line_items"][0]["properties"] = ours
    fulfillment["status"] = "success"  # the fixture's is still pending
    order["fulfillments"] = [fulfillment]
    (parcel,) = parcels_of(order)
    assert parcel.parcel_id == str(fulfillment["id"])
    assert [t.number for t in parcel.tracking] == fulfillment["tracking_numbers"]
    assert parcel.lines == (ParcelLine("bol-1", fulfillment["line_items"][0]["quantity"]),)
    order["line_items"][0]["properties"] = []  # only lines the hub did not create: no parcel
    assert parcels_of(order) == ()


def _order() -> dict:
    item = {"id": 11, "quantity": 3, "properties": [
        {"name": "_marketplace_line_id", "value": "A"}]}
    other = {"id": 12, "quantity": 1, "properties": [
        {"name": "_marketplace_line_id", "value": "B"}]}
    return {
        "id": 1, "source_identifier": "bolcom:1", "updated_at": "2026-11-26T10:00:00+01:00",
        "fulfillment_status": "partial", "cancelled_at": None, "line_items": [item, other],
        "fulfillments": [
            {"id": 101, "status": "success", "tracking_company": "PostNL",
             "tracking_numbers": ["3SABCD1234567"], "tracking_urls": [],
             "line_items": [dict(item, quantity=2)]},
            {"id": 102, "status": "cancelled", "tracking_numbers": ["X"],
             "line_items": [dict(item, quantity=1)]},
        ],
        "refunds": [{"id": 7, "refund_line_items": [
            {"line_item_id": 12, "quantity": 1, "restock_type": "cancel"},
            {"line_item_id": 11, "quantity": 1, "restock_type": "return"}]}],
    }


def test_partial_order_state_has_its_parcels_and_cancelled_lines():
    state = order_state(_order())
    assert not state.completed
    assert [(p.parcel_id, p.lines) for p in state.parcels] == [("101", (ParcelLine("A", 2),))]
    assert state.parcels[0].tracking == (Tracking("3SABCD1234567", "PostNL", None),)
    assert state.cancelled_lines == (ParcelLine("B", 1),)  # a return is no cancellation
    assert cancelled_lines_of({"line_items": [], "refunds": []}) == ()


def test_connector_reads_two_parcels_and_a_cancelled_line_from_the_twin(connector, twin):
    order = make_order("2001", lines=3)  # quantities 1, 2, 3
    shop_id = connector.create_order(order)
    items = {li["sku"]: li["id"] for li in twin.get(shop_id)["line_items"]}
    assert line_items(twin.get(shop_id), {"2001-1": 2}) == {items["SKU-1"]: 2}
    twin.cancel_lines(shop_id, {items["SKU-0"]: 1})
    twin.fulfill(shop_id, {items["SKU-1"]: 2}, ["3SABCD1234567", "3SABCD7654321"], "PostNL")
    state = connector.get_order(shop_id)
    assert not state.completed and state.cancelled_lines == (ParcelLine("2001-0", 1),)
    assert [p.lines for p in state.parcels] == [(ParcelLine("2001-1", 2),)]
    assert [t.number for t in state.parcels[0].tracking] == ["3SABCD1234567", "3SABCD7654321"]
    twin.fulfill(shop_id, None, [], None)
    state = connector.get_order(shop_id)
    assert state.completed and [p.lines for p in state.parcels][1] == (ParcelLine("2001-2", 3),)
    assert state.parcels[1].tracking == ()


def test_twin_refuses_to_cancel_more_than_is_open(twin, connector):
    shop_id = connector.create_order(make_order("2002", lines=1))
    item = twin.get(shop_id)["line_items"][0]["id"]
    twin.fulfill(shop_id, None, ["3SABCD1234567"], "PostNL")
    with pytest.raises(Exception, match="refund"):
        twin.cancel_lines(shop_id, {item: 1})
