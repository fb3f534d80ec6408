"""Import-side reads: list_orders filters and paging, ShopOrder mapping and problems(),
products, categories, notes, status and tracking writes, twin controls and errors."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from ordersync.connectors.woocommerce import pick_category, shop_order
from ordersync.connectors.woocommerce.mapping import FINISHED
from ordersync.sandbox.common import ServedApp
from tests.woocommerce.helpers import shopper_order, signed


@pytest.fixture
def product(twin):
    parent = twin.add_category("Clothing")
    child = twin.add_category("T-shirts", parent["id"])
    return twin.add_product("Tee", "TEE-1", "12.50", categories=(parent["id"], child["id"]))


def _api(served: ServedApp, twin, path: str, **params) -> httpx.Response:
    return httpx.get(f"{served.url}/wp-json/wc/v3/{path}", params=params, auth=signed(twin))


def test_status_filter_leaves_out_finished(connector, twin, product):
    for status in ("pending", "processing", "on-hold", "completed", "cancelled", "refunded",
                   "failed", "trash"):
        twin.place_order(shopper_order([product["id"]], status=status))
    open_statuses = ["pending", "processing", "on-hold"]
    got = [o["status"] for page in connector.list_orders(statuses=open_statuses) for o in page]
    assert sorted(got) == sorted(open_statuses)
    everything = [o["status"] for page in connector.list_orders() for o in page]
    assert "trash" not in everything and len(everything) == 7
    assert not FINISHED & set(got)


def test_after_before_and_modified_after(connector, twin, clock, product):
    first = twin.place_order(shopper_order([product["id"]]))
    t1 = clock.datetime()
    clock.advance(100)
    second = twin.place_order(shopper_order([product["id"]]))
    clock.advance(100)
    twin.set_status(first["id"], "on-hold")

    def ids(**kw):
        return [o["id"] for page in connector.list_orders(**kw) for o in page]

    assert ids(after=t1) == [second["id"]]
    assert ids(before=t1 + timedelta(seconds=1)) == [first["id"]]
    assert ids(modified_after=t1 + timedelta(seconds=150)) == [first["id"]]


def test_list_orders_pages_at_the_chosen_size(connector, twin, product):
    for _ in range(25):
        twin.place_order(shopper_order([product["id"]]))
    twin.controls.requests.clear()
    pages = list(connector.list_orders(page_size=10))
    assert [len(p) for p in pages] == [10, 10, 5]
    assert twin.controls.stats()["requests"] == 3


def test_shop_order_mapping(connector, twin, product):
    twin.place_order(shopper_order([product["id"]]))
    raw = next(connector.list_orders())[0]
    order = shop_order(raw)
    assert order.number == str(raw["id"]) and order.status == "processing"
    assert order.created_at.tzinfo is not None and order.currency == "EUR"
    assert order.customer.first_name == "Jan" and order.customer.email == "jan@example.nl"
    assert order.customer.phone == "+31600000001"
    line = order.lines[0]
    assert (line.product_id, line.sku, line.name, line.quantity, line.price) == (
        str(product["id"]), "TEE-1", "Tee", 2, Decimal("12.50"))
    assert [(s.method, s.total) for s in order.shipping] == [("PostNL", Decimal("4.95"))]
    assert order.shipping_address.city == "Utrecht"
    assert order.total == Decimal("29.95") and order.problems() == []


def test_problems(twin, product):
    no_lines = shop_order(twin.place_order(shopper_order([])))
    assert no_lines.problems() == ["no products"]
    nobody = shop_order(twin.place_order(shopper_order([product["id"]], billing={},
                                                       shipping={})))
    assert nobody.problems() == ["no customer"]
    unreachable = shop_order(twin.place_order(shopper_order(
        [product["id"]], billing={"first_name": "Jan"}, shipping={"first_name": "Jan"})))
    assert unreachable.problems() == ["customer without e-mail and phone"]
    phone_only = shop_order(twin.place_order(shopper_order(
        [product["id"]], billing={"first_name": "Jan"}, shipping={"phone": "+3161"})))
    assert phone_only.problems() == [] and phone_only.customer.phone == "+3161"


def test_products_categories_and_pick(connector, twin, product):
    other = twin.add_product("Mug", "MUG-1")
    got = connector.get_products([product["id"], other["id"]])
    assert {p["sku"] for p in got} == {"TEE-1", "MUG-1"}
    tee = next(p for p in got if p["sku"] == "TEE-1")
    categories = connector.list_categories()
    assert {(c["name"], c["parent"] != 0) for c in categories} == {
        ("Clothing", False), ("T-shirts", True)}
    assert pick_category(tee["categories"], categories)["name"] == "T-shirts"


def test_notes_status_and_tracking_writes(connector, twin, product):
    oid = twin.place_order(shopper_order([product["id"]]))["id"]
    note = connector.add_order_note(oid, "Carrier PostNL, 4.95, Dorpsweg 3 Utrecht")
    assert note["note"].startswith("Carrier PostNL") and note["customer_note"] is False
    connector.set_status(oid, "completed")
    entry = connector.add_tracking(oid, "PostNL", "3SXYZ", twin.store.now())
    assert entry["tracking_number"] == "3SXYZ"
    state = connector.get_order(str(oid))
    assert state.completed and state.tracking[0].number == "3SXYZ"
    assert twin.get(oid)["date_completed_gmt"] is not None


def test_per_page_over_100_is_refused_like_woocommerce(served, twin):
    response = _api(served, twin, "orders", per_page=101)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "rest_invalid_param" and body["data"]["status"] == 400
    assert "per_page" in body["message"]


def test_headers_and_link(served, twin, product):
    for _ in range(5):
        twin.place_order(shopper_order([product["id"]]))
    response = _api(served, twin, "orders", per_page=2, page=2)
    assert response.headers["X-WP-Total"] == "5" and response.headers["X-WP-TotalPages"] == "3"
    link = response.headers["Link"]
    assert 'rel="prev"' in link and 'rel="next"' in link and "page=3" in link
    assert _api(served, twin, "orders", per_page=2, page=4).json()["code"] == (
        "rest_post_invalid_page_number")


def test_control_api(served, twin, product):
    ctl = f"{served.url}/_sandbox/woocommerce"
    assert httpx.put(f"{ctl}/currency", json={"currency": "USD"}).json() == {"currency": "USD"}
    order = httpx.post(f"{ctl}/orders", json=shopper_order([product["id"]], status="on-hold"))
    assert order.status_code == 201 and order.json()["currency"] == "USD"
    oid, line = order.json()["id"], order.json()["line_items"][0]["id"]
    changed = httpx.put(f"{ctl}/orders/{oid}/lines/{line}", json={"quantity": 5}).json()
    assert changed["line_items"][0]["quantity"] == 5 and changed["total"] == "67.45"
    done = httpx.post(f"{ctl}/orders/{oid}/complete", json={"tracking_number": "JVGL1"})
    assert done.json()["status"] == "completed"
    assert twin.store.trackings[oid][0]["tracking_number"] == "JVGL1"
