"""The twin's own API behaviour: auth, versions, validation, statuses, fulfillments."""

from __future__ import annotations

import httpx
import pytest
from shopify_helpers import TOKEN

from ordersync.connectors.shopify import API_VERSION

API = f"/admin/api/{API_VERSION}"
ORDER = {"order": {"line_items": [
    {"title": "Mug", "quantity": 2, "price": "7.50", "sku": "MUG"},
    {"title": "Cup", "quantity": 1, "price": "3.00", "sku": "CUP"},
], "email": "a@example.nl", "source_identifier": "bolcom:1"}}


@pytest.fixture
def http(served):
    with httpx.Client(base_url=served.url, headers={"X-Shopify-Access-Token": TOKEN}) as client:
        yield client


def test_auth_and_versions(served, http):
    anonymous = httpx.get(f"{served.url}{API}/orders.json")
    assert anonymous.status_code == 401
    assert anonymous.json() == {"errors": "[API] Invalid API key or access token "
                                          "(unrecognized login or wrong password)"}
    assert http.get("/admin/api/1999-01/orders.json").status_code == 404
    ok = http.get(f"{API}/orders.json")
    assert ok.status_code == 200 and ok.json() == {"orders": []}
    assert ok.headers["X-Shopify-API-Version"] == API_VERSION
    assert "X-Shopify-Shop-Api-Call-Limit" in ok.headers


def test_create_validates_like_shopify(http):
    created = http.post(f"{API}/orders.json", json=ORDER)
    assert created.status_code == 201
    order = created.json()["order"]
    assert (order["name"], order["order_number"], order["number"]) == ("#1001", 1001, 1)
    assert order["subtotal_price"] == "18.00" and order["fulfillment_status"] is None
    assert order["financial_status"] == "paid"
    second = http.post(f"{API}/orders.json", json=ORDER).json()["order"]
    assert second["id"] > order["id"] and second["name"] == "#1002"
    no_lines = http.post(f"{API}/orders.json", json={"order": {"line_items": []}})
    assert no_lines.status_code == 422 and "line_items" in no_lines.json()["errors"]
    zero = http.post(f"{API}/orders.json",
                     json={"order": {"line_items": [{"title": "x", "quantity": 0}]}})
    assert zero.status_code == 422 and "line_items" in zero.json()["errors"]
    assert http.post(f"{API}/orders.json", json={"nope": 1}).status_code == 400


def test_status_filter(http, twin):
    ids = [http.post(f"{API}/orders.json", json=ORDER).json()["order"]["id"] for _ in range(3)]
    twin.cancel(ids[0])
    twin.complete(ids[1])

    def listed(**params):
        return [o["id"] for o in http.get(f"{API}/orders.json", params=params).json()["orders"]]

    assert listed() == [ids[2]]
    assert listed(status="cancelled") == [ids[0]]
    assert listed(status="closed") == ids[:2]
    assert listed(status="any") == ids
    assert http.get(f"{API}/orders.json", params={"status": "weird"}).status_code == 400
    only = http.get(f"{API}/orders.json", params={"status": "any", "fields": "id,name"}).json()
    assert set(only["orders"][0]) == {"id", "name"}


def test_fulfillment_flow(http, twin, clock):
    order = http.post(f"{API}/orders.json", json=ORDER).json()["order"]
    [fo] = http.get(f"{API}/orders/{order['id']}/fulfillment_orders.json").json()[
        "fulfillment_orders"]
    assert fo["status"] == "open" and fo["order_id"] == order["id"]
    mug = next(li for li in fo["line_items"] if li["quantity"] == 2)
    clock.advance(60)
    partial = http.post(f"{API}/fulfillments.json", json={"fulfillment": {
        "line_items_by_fulfillment_order": [{
            "fulfillment_order_id": fo["id"],
            "fulfillment_order_line_items": [{"id": mug["id"], "quantity": 2}],
        }],
        "tracking_info": {"number": "3SABCD1234567", "company": "PostNL", "url": None},
        "notify_customer": False,
    }})
    assert partial.status_code == 201
    first = partial.json()["fulfillment"]
    assert first["status"] == "success" and first["tracking_numbers"] == ["3SABCD1234567"]
    stored = http.get(f"{API}/orders/{order['id']}.json").json()["order"]
    assert stored["fulfillment_status"] == "partial" and stored["updated_at"] > order["updated_at"]
    assert stored["closed_at"] is None
    rest = http.post(f"{API}/fulfillments.json", json={"fulfillment": {
        "line_items_by_fulfillment_order": [{"fulfillment_order_id": fo["id"]}]}})
    assert rest.status_code == 201 and rest.json()["fulfillment"]["tracking_number"] is None
    stored = http.get(f"{API}/orders/{order['id']}.json").json()["order"]
    assert stored["fulfillment_status"] == "fulfilled" and len(stored["fulfillments"]) == 2
    again = http.post(f"{API}/fulfillments.json", json={"fulfillment": {
        "line_items_by_fulfillment_order": [{"fulfillment_order_id": fo["id"]}]}})
    assert again.status_code == 422
    clock.advance(60)
    fid = rest.json()["fulfillment"]["id"]
    updated = http.post(f"{API}/fulfillments/{fid}/update_tracking.json", json={"fulfillment": {
        "tracking_info": {"number": "1Z999AA10123456784", "company": "UPS"},
        "notify_customer": False}})
    assert updated.status_code == 200
    assert updated.json()["fulfillment"]["tracking_url"].endswith("1Z999AA10123456784")
    later = http.get(f"{API}/orders/{order['id']}.json").json()["order"]
    assert later["updated_at"] > stored["updated_at"]
    assert http.post(f"{API}/fulfillments/1/update_tracking.json",
                     json={"fulfillment": {}}).status_code == 404


def test_cancel_twice_and_control_errors(http, served, twin):
    order_id = http.post(f"{API}/orders.json", json=ORDER).json()["order"]["id"]
    first = http.post(f"{API}/orders/{order_id}/cancel.json", json={"reason": "customer"})
    assert first.status_code == 200 and first.json()["order"]["cancel_reason"] == "customer"
    again = http.post(f"{API}/orders/{order_id}/cancel.json", json={})
    assert again.status_code == 422 and "already" in again.json()["error"]
    complete = httpx.post(f"{served.url}/_sandbox/shopify/orders/{order_id}/complete", json={})
    assert complete.status_code == 422  # a cancelled order cannot be shipped
    missing = httpx.post(f"{served.url}/_sandbox/shopify/orders/42/tracking",
                         json={"tracking_number": "X"})
    assert missing.status_code == 404


def test_reset_and_stats_routes(http, served, twin):
    http.post(f"{API}/orders.json", json=ORDER)
    stats = httpx.get(f"{served.url}/_sandbox/stats").json()
    assert stats["requests"] == 1 and stats["throttled"] == 0
    assert httpx.post(f"{served.url}/_sandbox/reset").status_code == 204
    assert twin.all_orders() == []


def test_fulfillment_order_lines_name_the_inventory_item_not_the_variant(http, twin):
    """A fulfillment order line's ``inventory_item_id`` is the variant's inventory item (the
    id ``inventory_levels.json`` knows, as in the fixtures: item 808950810), not its variant
    id; a custom line (no variant) has none."""
    product = twin.catalog.add_product("Mug", [{"sku": "MUG-350", "quantity": 5}])
    [variant] = product["variants"]
    assert variant["inventory_item_id"] != variant["id"]
    order = http.post(f"{API}/orders.json", json={"order": {"line_items": [
        {"variant_id": variant["id"], "quantity": 2},
        {"title": "Gift wrap", "quantity": 1, "price": "2.00"},
    ]}}).json()["order"]
    [fo] = http.get(f"{API}/orders/{order['id']}/fulfillment_orders.json").json()[
        "fulfillment_orders"]
    by_variant = {line["variant_id"]: line for line in fo["line_items"]}
    assert by_variant[variant["id"]]["inventory_item_id"] == variant["inventory_item_id"]
    assert by_variant[None]["inventory_item_id"] is None
    levels = http.get(f"{API}/inventory_levels.json", params={
        "inventory_item_ids": by_variant[variant["id"]]["inventory_item_id"]}).json()
    assert [level["available"] for level in levels["inventory_levels"]] == [5]
