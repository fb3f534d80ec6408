"""WooCommerceConnector as the order loop's webshop, against the served twin."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from ordersync.connectors.base import WebshopConnector
from ordersync.connectors.woocommerce import WooCommerceConnector
from ordersync.http import AuthError, NotFound, ValidationError
from ordersync.orders import Tracking
from tests.woocommerce.helpers import KEY, SECRET, make_order


@pytest.fixture
def products(twin):
    return [twin.add_product(f"Item {i}", f"SKU-{i}")["id"] for i in range(2)]


def test_implements_the_webshop_protocol(connector):
    assert isinstance(connector, WebshopConnector)
    assert connector.platform == "woocommerce" and connector.account == "127.0.0.1"
    assert SECRET not in repr(connector)


def test_wrong_secret_is_an_auth_error_without_the_secret(served, clock):
    conn = WooCommerceConnector(url=served.url, consumer_key=KEY, consumer_secret="cs_wrong",
                                clock=clock)
    with pytest.raises(AuthError) as err:
        conn.get_order("1")
    assert err.value.status == 401 and "signature does not match" in str(err.value)
    assert "cs_wrong" not in str(err.value)
    conn.close()
    raw = httpx.get(f"{served.url}/wp-json/wc/v3/orders")
    assert raw.status_code == 401 and raw.json()["code"] == "woocommerce_rest_cannot_view"


def test_create_order_maps_lines_addresses_and_reference(connector, twin, products):
    webshop_id = connector.create_order(make_order("A-1"))
    stored = twin.get(webshop_id)
    assert stored["status"] == "processing" and stored["date_paid_gmt"]
    assert {"key": "_ordersync_reference", "value": "bolcom:A-1"} in [
        {"key": m["key"], "value": m["value"]} for m in stored["meta_data"]]
    assert [(x["product_id"], x["quantity"], x["total"]) for x in stored["line_items"]] == [
        (products[0], 1, "9.95"), (products[1], 2, "19.90")]
    assert stored["shipping"]["address_1"] == "Kerkstraat 12 B"
    assert stored["shipping"]["address_2"] == "3rd floor"
    assert stored["billing"]["email"] == "anna@example.nl"
    assert stored["total"] == "29.85" and stored["currency"] == "EUR"


def test_unknown_sku_is_refused_before_writing(connector, twin, products):
    with pytest.raises(ValidationError, match="SKU-9"):
        connector.create_order(make_order("A-2", skus=("SKU-0", "SKU-9")))
    assert twin.store.orders == {}


def test_find_order_by_reference_after_a_time(connector, twin, clock, products):
    created_after = clock.datetime()
    twin.place_order({"status": "processing", "line_items": [{"product_id": products[0]}]})
    webshop_id = connector.create_order(make_order("A-3"))
    assert connector.find_order(make_order("A-3"), created_after) == webshop_id
    assert connector.find_order(make_order("A-4"), created_after) is None
    clock.advance(3600)
    assert connector.find_order(make_order("A-3"), clock.datetime()) is None


def test_changed_orders_states_and_tracking(connector, twin, clock, products):
    a = connector.create_order(make_order("B-1"))
    b = connector.create_order(make_order("B-2"))
    c = connector.create_order(make_order("B-3"))
    since = clock.datetime()
    clock.advance(60)
    twin.complete(a, tracking_number="3SABC123", provider="PostNL")
    twin.complete(b)
    twin.set_status(c, "refunded")
    twin.controls.requests.clear()
    pages = list(connector.changed_orders(since))
    states = {s.webshop_id: s for page in pages for s in page}
    assert set(states) == {a, b, c}
    assert states[a].completed and states[a].tracking == (Tracking("3SABC123", "PostNL"),)
    assert states[a].reference == "bolcom:B-1"
    assert states[b].completed and states[b].tracking == ()
    assert states[c].cancelled and not states[c].completed
    assert states[a].updated_at == clock.datetime()
    by_path = twin.controls.stats()["by_path"]
    assert by_path["GET /wp-json/wc-shipment-tracking/v3/orders/{id}/shipment-trackings"] == 2
    clock.advance(60)
    assert list(connector.changed_orders(clock.datetime())) == []


def test_get_and_cancel(connector, twin, products):
    webshop_id = connector.create_order(make_order("C-1"))
    assert not connector.get_order(webshop_id).cancelled
    connector.cancel_order(webshop_id)
    connector.cancel_order(webshop_id)
    assert connector.get_order(webshop_id).cancelled
    assert twin.get(webshop_id)["status"] == "cancelled"
    with pytest.raises(NotFound):
        connector.get_order("999999")


def test_changed_orders_pages_through_250(connector, twin, clock, products):
    since = clock.datetime() - timedelta(seconds=1)
    for _ in range(250):
        twin.place_order({"status": "processing", "line_items": [{"product_id": products[0]}]})
    twin.controls.requests.clear()
    pages = list(connector.changed_orders(since))
    assert [len(p) for p in pages] == [100, 100, 50]
    assert len({s.webshop_id for p in pages for s in p}) == 250
    assert twin.controls.stats()["by_path"] == {"GET /wp-json/wc/v3/orders": 3}
