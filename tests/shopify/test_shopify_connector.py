"""ShopifyConnector against the twin served on a real socket."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from shopify_helpers import TOKEN, make_order

from ordersync.connectors.base import WebshopConnector
from ordersync.connectors.shopify import API_VERSION, ShopifyConnector
from ordersync.connectors.shopify.mapping import order_payload
from ordersync.http import AuthError, NotFound, ValidationError
from ordersync.orders import Tracking

API = f"/admin/api/{API_VERSION}"


def test_implements_the_webshop_protocol(connector):
    assert isinstance(connector, WebshopConnector)
    assert (connector.platform, connector.account) == ("shopify", "sandbox")
    assert TOKEN not in repr(connector)


def test_wrong_token_is_an_auth_error_without_the_token(served, twin):
    bad = "shpat_wrong_but_secret"
    conn = ShopifyConnector(shop="sandbox", access_token=bad, base_url=served.url,
                            rate_limits=False)
    with pytest.raises(AuthError) as err:
        conn.get_order("1")
    assert err.value.status == 401
    assert "Invalid API key or access token" in str(err.value)
    assert bad not in str(err.value) and bad not in repr(err.value)
    conn.close()


def test_create_order_maps_every_field(connector, twin, clock):
    order = make_order("A-1")
    webshop_id = connector.create_order(order)
    stored = twin.get(webshop_id)
    assert stored["id"] == int(webshop_id) and stored["name"] == "#1001"
    assert stored["source_identifier"] == "bolcom:A-1"
    assert stored["source_name"] == "ordersync-bolcom"
    assert set(stored["tags"].split(", ")) >= {"ordersync", "bolcom", "bolcom:A-1"}
    assert {"name": "marketplace_order_id", "value": "A-1"} in stored["note_attributes"]
    assert stored["financial_status"] == "paid" and stored["currency"] == "EUR"
    assert stored["test"] is False and stored["fulfillment_status"] is None
    assert stored["email"] == "anna@example.nl"
    assert stored["customer"]["email"] == "anna@example.nl"
    ship = stored["shipping_address"]
    assert (ship["first_name"], ship["last_name"], ship["company"]) == (
        "Anna", "de Vries", "Vries BV")
    assert (ship["address1"], ship["address2"]) == ("Kerkstraat 12 B", "3rd floor")
    assert (ship["zip"], ship["city"], ship["country_code"], ship["country"]) == (
        "1017 GA", "Amsterdam", "NL", "Netherlands")
    assert ship["phone"] == "+31612345678"
    bill = stored["billing_address"]
    assert (bill["first_name"], bill["address1"], bill["city"]) == ("Piet", "Dorpsweg 3", "Utrecht")
    lines = stored["line_items"]
    assert [(li["title"], li["sku"], li["quantity"], li["price"]) for li in lines] == [
        ("Item 0", "SKU-0", 1, "9.95"), ("Item 1", "SKU-1", 2, "9.95")]
    assert lines[1]["properties"] == [{"name": "_marketplace_line_id", "value": "A-1-1"}]
    assert stored["total_price"] == "29.85"


def test_create_order_payload_flags():
    body = order_payload(make_order("T-1", test=True))["order"]
    assert body["test"] is True and "test" in body["tags"]
    assert body["send_receipt"] is False and body["send_fulfillment_receipt"] is False
    assert body["inventory_behaviour"] == "bypass"  # a test order takes no stock
    assert order_payload(make_order("T-0"))["order"]["inventory_behaviour"] \
        == "decrement_ignoring_policy"
    assert body["source_identifier"] == "bolcom:T-1"
    no_billing = order_payload(make_order("T-2", billing_address=None))["order"]
    assert no_billing["billing_address"] == no_billing["shipping_address"]
    linked = order_payload(make_order("T-3"), variants={"SKU-1": 4242})["order"]
    assert [li.get("variant_id") for li in linked["line_items"]] == [None, 4242]


def test_test_orders_are_created_as_test(connector, twin):
    webshop_id = connector.create_order(make_order("T-9", test=True))
    assert twin.get(webshop_id)["test"] is True


def test_rejected_order_is_a_validation_error(connector, twin):
    with pytest.raises(ValidationError) as err:
        connector.create_order(make_order("EMPTY", lines=0))
    assert err.value.status == 422 and "line item" in str(err.value)
    assert twin.all_orders() == []


def test_find_order_by_reference(connector, twin, clock):
    created_after = clock.datetime()
    wanted = make_order("F-1")
    connector.create_order(make_order("F-0"))
    webshop_id = connector.create_order(wanted)
    connector.create_order(make_order("F-2"))
    assert connector.find_order(wanted, created_after) == webshop_id
    assert connector.find_order(make_order("F-404"), created_after) is None
    assert connector.find_order(make_order("F-1", platform="amazon"), created_after) is None
    later = created_after + timedelta(hours=1)
    assert connector.find_order(wanted, later) is None  # created before the window


def test_find_order_follows_pages(connector, twin, clock):
    created_after = clock.datetime()
    for i in range(260):
        twin.create_order(order_payload(make_order(f"P-{i}", lines=1)))
    last = make_order("P-259", lines=1)
    assert connector.find_order(last, created_after) == str(twin.all_orders()[-1]["id"])
    assert twin.controls.requests[f"GET {API.replace('2025-01', '{id}')}/orders.json"] == 2


def test_get_order_and_not_found(connector, twin):
    webshop_id = connector.create_order(make_order("G-1"))
    state = connector.get_order(webshop_id)
    assert (state.webshop_id, state.reference) == (webshop_id, "bolcom:G-1")
    assert (state.completed, state.cancelled, state.tracking) == (False, False, ())
    assert state.updated_at.utcoffset() == timedelta(0)
    with pytest.raises(NotFound):
        connector.get_order("1234")


def test_changed_orders_paginates_600_orders(connector, twin, clock):
    for i in range(5):
        twin.create_order(order_payload(make_order(f"OLD-{i}", lines=1)))
    clock.advance(3600)
    since = clock.datetime()
    for i in range(600):
        twin.create_order(order_payload(make_order(f"N-{i}", lines=1)))
    pages = list(connector.changed_orders(since))
    assert [len(p) for p in pages] == [250, 250, 100]
    refs = [state.reference for page in pages for state in page]
    assert refs == [f"bolcom:N-{i}" for i in range(600)]  # ordered by id, none twice
    assert all(state.updated_at >= since for page in pages for state in page)
    stats = twin.controls.stats()
    assert sum(v for k, v in stats["by_path"].items() if k.startswith("GET")) == 3


def test_page_info_rejects_other_filters(served, twin):
    for i in range(3):
        twin.create_order(order_payload(make_order(f"L-{i}", lines=1)))
    headers = {"X-Shopify-Access-Token": TOKEN}
    with httpx.Client(base_url=served.url, headers=headers) as http:
        first = http.get(f"{API}/orders.json", params={"status": "any", "limit": 1})
        assert first.status_code == 200 and len(first.json()["orders"]) == 1
        link = first.headers["Link"]
        assert link.startswith(f"<{served.url}{API}/orders.json?limit=1&page_info=")
        assert link.endswith('>; rel="next"')
        page_info = httpx.URL(link[1:link.index(">")]).params["page_info"]
        second = http.get(link[1:link.index(">")])
        assert second.status_code == 200
        assert 'rel="previous"' in second.headers["Link"] and 'rel="next"' in second.headers["Link"]
        mixed = http.get(f"{API}/orders.json", params={"page_info": page_info, "status": "any"})
        assert mixed.status_code == 400 and "status" in mixed.json()["errors"]
        bogus = http.get(f"{API}/orders.json", params={"page_info": "not-a-cursor"})
        assert bogus.status_code == 400
        assert bogus.json() == {"errors": {"page_info": "Invalid value."}}
        assert http.get(f"{API}/orders.json", params={"limit": 251}).status_code == 400


def test_completed_with_tracking(connector, twin, clock):
    webshop_id = connector.create_order(make_order("C-1"))
    clock.advance(60)
    since = clock.datetime()
    twin.complete(webshop_id, tracking_number="3SABCD1234567", company="PostNL")
    [[state]] = list(connector.changed_orders(since))
    assert state.webshop_id == webshop_id and state.completed and not state.cancelled
    assert state.tracking == (Tracking("3SABCD1234567", "PostNL",
                                       "https://jouw.postnl.nl/track-and-trace/3SABCD1234567"),)
    assert connector.get_order(webshop_id) == state


def test_completed_without_tracking_then_tracking_added(connector, twin, clock, served):
    webshop_id = connector.create_order(make_order("C-2"))
    clock.advance(60)
    response = httpx.post(f"{served.url}/_sandbox/shopify/orders/{webshop_id}/complete",
                          json={"tracking_number": None, "tracking_company": None})
    assert response.status_code == 201
    first = connector.get_order(webshop_id)
    assert first.completed and first.tracking == ()
    clock.advance(3600)
    since = clock.datetime()
    assert list(connector.changed_orders(since)) == []
    response = httpx.post(f"{served.url}/_sandbox/shopify/orders/{webshop_id}/tracking",
                          json={"tracking_number": "JVGL0612345678", "tracking_company": "DHL"})
    assert response.status_code == 200
    [[state]] = list(connector.changed_orders(since))
    assert state.updated_at > first.updated_at
    assert [(t.number, t.company) for t in state.tracking] == [("JVGL0612345678", "DHL")]


def test_failed_fulfillments_carry_no_tracking(connector, twin):
    webshop_id = connector.create_order(make_order("C-3"))
    twin.complete(webshop_id, "1Z999AA10123456784", "UPS")
    twin.get(webshop_id)["fulfillments"][0]["status"] = "failure"
    assert connector.get_order(webshop_id).tracking == ()


def test_cancel_order_is_repeatable(connector, twin, clock):
    webshop_id = connector.create_order(make_order("X-1"))
    clock.advance(10)
    connector.cancel_order(webshop_id)
    state = connector.get_order(webshop_id)
    assert state.cancelled and not state.completed
    assert twin.get(webshop_id)["cancel_reason"] == "other"
    connector.cancel_order(webshop_id)  # already cancelled: success
    assert twin.get(webshop_id)["cancelled_at"] is not None


def test_cancel_fulfilled_order_is_refused(connector, twin):
    webshop_id = connector.create_order(make_order("X-2"))
    twin.complete(webshop_id)
    with pytest.raises(ValidationError):
        connector.cancel_order(webshop_id)


def test_merchant_cancel_shows_in_changed_orders(connector, twin, clock, served):
    webshop_id = connector.create_order(make_order("X-3"))
    clock.advance(60)
    since = clock.datetime()
    response = httpx.post(f"{served.url}/_sandbox/shopify/orders/{webshop_id}/cancel")
    assert response.status_code == 200
    [[state]] = list(connector.changed_orders(since))
    assert state.cancelled


def test_control_lists_orders_by_reference(connector, served):
    connector.create_order(make_order("D-1"))
    connector.create_order(make_order("D-1"))
    connector.create_order(make_order("D-2"))
    body = httpx.get(f"{served.url}/_sandbox/shopify/orders",
                     params={"source_identifier": "bolcom:D-1"}).json()
    assert body["count"] == 2
    assert {o["source_identifier"] for o in body["orders"]} == {"bolcom:D-1"}
