"""The twin's JSON has the shapes of real Shopify responses (shared/specs/shopify-fixtures)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from shopify_helpers import TOKEN, make_order

from ordersync.connectors.shopify import API_VERSION
from ordersync.connectors.shopify.mapping import order_payload, order_state, tracking_of

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "specs" / "shopify-fixtures"
pytestmark = pytest.mark.skipif(
    not FIXTURES.is_dir(), reason=f"Shopify fixtures not found at {FIXTURES} (shared/ absent)"
)
API = f"/admin/api/{API_VERSION}"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")

# Keys the twin renders that these particular fixtures happen not to show (all real fields).
EXTRA_KEYS = {
    "order": {"refunds"},
    "line_item": {"admin_graphql_api_id", "fulfillable_quantity", "gift_card", "price_set",
                  "taxable", "total_discount", "tax_lines"},
    "fulfillment": {"admin_graphql_api_id", "location_id", "name", "origin_address",
                    "shipment_status"},
    "inventory_level": {"admin_graphql_api_id"},
    "location": {"legacy", "active", "admin_graphql_api_id"},
}
# What the twin must render, with the fixture's types (the fields ordersync relies on).
REQUIRED = {
    "order": {"id", "admin_graphql_api_id", "name", "number", "order_number", "email",
              "created_at", "updated_at", "processed_at", "cancelled_at", "cancel_reason",
              "closed_at", "currency", "financial_status", "fulfillment_status", "source_name",
              "source_identifier", "tags", "note", "note_attributes", "test", "total_price",
              "subtotal_price", "total_tax", "taxes_included", "line_items", "shipping_address",
              "billing_address", "customer", "fulfillments", "token", "total_price_set"},
    "fulfillment": {"id", "order_id", "status", "created_at", "updated_at", "tracking_company",
                    "tracking_number", "tracking_numbers", "tracking_url", "tracking_urls",
                    "line_items", "service"},
}


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def merged(*objects: dict) -> dict:
    """Union of keys, keeping the first non-null example of each."""
    out: dict = {}
    for obj in objects:
        for key, value in obj.items():
            if out.get(key) is None:
                out[key] = value
    return out


def kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def assert_shape(actual: dict, reference: dict, what: str, problems: list[str]) -> None:
    """Same JSON type for every shared non-null key, timestamps with an offset, recursing."""
    for key, value in actual.items():
        if key not in reference or value is None or reference[key] is None:
            continue
        where = f"{what}.{key}"
        if kind(value) != kind(reference[key]):
            problems.append(f"{where}: {kind(value)} != fixture {kind(reference[key])}")
        elif isinstance(value, dict):
            assert_shape(value, reference[key], where, problems)
        elif isinstance(value, list) and value and reference[key]:
            if isinstance(value[0], dict) and isinstance(reference[key][0], dict):
                assert_shape(value[0], merged(*reference[key]), f"{where}[0]", problems)
            elif kind(value[0]) != kind(reference[key][0]):
                problems.append(f"{where}[0]: {kind(value[0])} != {kind(reference[key][0])}")
        if key.endswith("_at") and isinstance(value, str) and not TIMESTAMP.match(value):
            problems.append(f"{where}: {value!r} is not a timestamp with offset")


def unknown_keys(actual: dict, reference: dict, allowed: set[str]) -> set[str]:
    return set(actual) - set(reference) - allowed


@pytest.fixture
def shipped_order(served, twin, connector) -> tuple[dict, dict]:
    webshop_id = connector.create_order(make_order("SHAPE-1"))
    twin.complete(webshop_id, "3SABCD1234567", "PostNL")
    headers = {"X-Shopify-Access-Token": TOKEN}
    with httpx.Client(base_url=served.url, headers=headers) as http:
        order = http.get(f"{API}/orders/{webshop_id}.json").json()["order"]
        listed = http.get(f"{API}/orders.json", params={"status": "any"}).json()["orders"][0]
    assert listed == order
    return order, order["fulfillments"][0]


def test_order_has_the_fixture_shape(shipped_order):
    order, _ = shipped_order
    reference = merged(load("order.json")["order"], load("orders.json")["orders"][0])
    problems: list[str] = []
    assert_shape(order, reference, "order", problems)
    assert problems == []
    assert REQUIRED["order"] <= set(order) & set(reference)
    assert unknown_keys(order, reference, EXTRA_KEYS["order"]) == set()
    line_ref = merged(*reference["line_items"])
    assert unknown_keys(order["line_items"][0], line_ref, EXTRA_KEYS["line_item"]) == set()
    assert unknown_keys(order["shipping_address"], reference["shipping_address"], set()) == set()
    assert isinstance(order["id"], int) and order["id"] > 2**32  # large ids, like Shopify's
    assert order["admin_graphql_api_id"] == f"gid://shopify/Order/{order['id']}"
    assert re.fullmatch(r"\d+\.\d\d", order["total_price"])


def test_fulfillment_has_the_fixture_shape(shipped_order, served):
    order, fulfillment = shipped_order
    reference = load("fulfillment.json")["fulfillment"]
    problems: list[str] = []
    assert_shape(fulfillment, reference, "fulfillment", problems)
    assert problems == []
    assert REQUIRED["fulfillment"] <= set(fulfillment)
    assert unknown_keys(fulfillment, reference, EXTRA_KEYS["fulfillment"]) == set()
    with httpx.Client(base_url=served.url, headers={"X-Shopify-Access-Token": TOKEN}) as http:
        listed = http.get(f"{API}/orders/{order['id']}/fulfillments.json").json()
    assert listed == {"fulfillments": [fulfillment]}


def test_locations_and_inventory_have_the_fixture_shape(served, twin):
    headers = {"X-Shopify-Access-Token": TOKEN}
    problems: list[str] = []
    with httpx.Client(base_url=served.url, headers=headers) as http:
        [location] = http.get(f"{API}/locations.json").json()["locations"]
        ref = load("locations.json")["locations"][0]
        assert_shape(location, ref, "location", problems)
        assert unknown_keys(location, ref, EXTRA_KEYS["location"]) == set()
        body = {"location_id": location["id"], "inventory_item_id": 808950810, "available": 6}
        level = http.post(f"{API}/inventory_levels/set.json", json=body)
        assert level.status_code == 200
        ref = load("inventory_level.json")["inventory_level"]
        assert_shape(level.json()["inventory_level"], ref, "inventory_level", problems)
        assert unknown_keys(level.json()["inventory_level"], ref,
                            EXTRA_KEYS["inventory_level"]) == set()
        levels = http.get(f"{API}/inventory_levels.json",
                          params={"location_ids": location["id"]}).json()["inventory_levels"]
        assert [lv["available"] for lv in levels] == [6]
        assert http.get(f"{API}/inventory_levels.json").status_code == 422
        body["location_id"] = 1
        assert http.post(f"{API}/inventory_levels/set.json", json=body).status_code == 422
    assert problems == []


def test_mapping_reads_the_real_fixtures():
    """The connector's mapping on Shopify's own bodies: a failed fulfillment has no tracking."""
    order = load("order.json")["order"]
    assert order["fulfillments"][0]["status"] == "failure"
    state = order_state(order)
    assert state.webshop_id == "450789469" and state.tracking == ()
    assert state.updated_at.isoformat() == "2008-01-10T16:00:00+00:00"
    listed = order_state(load("orders.json")["orders"][0])
    assert listed.reference == "fhwdgads" and not listed.completed and not listed.cancelled
    fulfillment = dict(load("fulfillment.json")["fulfillment"], status="success")
    [tracking] = tracking_of({"fulfillments": [fulfillment]})
    assert (tracking.number, tracking.url) == ("1Z2345", "http://www.google.com/search?q=1Z2345")


def test_twin_accepts_the_connector_payload_only():
    """The payload keys the connector sends are real order fields or documented create options."""
    body = order_payload(make_order("KEYS"))["order"]
    reference = merged(load("order.json")["order"], load("orders.json")["orders"][0])
    create_options = {"inventory_behaviour", "send_receipt", "send_fulfillment_receipt"}
    assert set(body) - set(reference) - create_options == set()
    address_keys = set(load("order.json")["order"]["shipping_address"])
    assert set(body["shipping_address"]) <= address_keys
