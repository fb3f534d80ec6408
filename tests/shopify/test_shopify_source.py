"""ShopifyConnector as a ShopOrderSource against the served twin: shoppers' orders of every
status, pages of 250 by since_id with exactly the requests the page size needs, cursors that
resume in another process after new orders, the Basic plan, quarantine, products, currency."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from ordersync.connectors.base import ShopOrderSource
from ordersync.connectors.shopify import ShopifyConnector
from ordersync.orders import ErrorReason
from ordersync.sandbox.shopify import listing
from tests.shopify.shopify_helpers import TOKEN

API = "/admin/api/2025-01"


def fresh_connector(served) -> ShopifyConnector:
    """Another process: nothing shared with the first connector but the cursor."""
    return ShopifyConnector(shop="sandbox", access_token=TOKEN, base_url=served.url,
                            rate_limits=False, sleep=lambda s: None)


def ids_of(pages) -> list[int]:
    return [int(o.id) for page in pages for o in page.orders]


def orders_requests(twin) -> int:
    return twin.controls.stats()["by_path"].get("GET /admin/api/{id}/orders.json", 0)


@pytest.fixture
def sku(twin) -> str:
    twin.catalog.add_product("Mug", [{"sku": "MUG-1", "price": "12.50", "quantity": 9}],
                             product_type="Kitchen", body_html="<p>Big &amp; blue</p>")
    return "MUG-1"


def test_is_a_shop_order_source(connector):
    assert isinstance(connector, ShopOrderSource)
    assert connector.finished_statuses == frozenset({"fulfilled", "cancelled", "refunded"})


def test_every_status_normalised(connector, twin, clock, sku):
    start = clock.datetime()
    for status in ("open", "partial", "fulfilled", "cancelled", "refunded", "pending"):
        twin.place_shop_order([{"sku": sku, "quantity": 2}, {"title": "Gift wrap"}],
                              status=status)
    [page] = list(connector.order_pages(created_since=start))
    assert [o.status for o in page.orders] == [
        "unfulfilled", "partially_fulfilled", "fulfilled", "cancelled", "refunded",
        "unfulfilled"]
    assert page.cursor is None and page.rejected == ()


def test_pages_of_250_oldest_first_with_the_minimum_requests(connector, twin, clock):
    start = clock.datetime()
    ids = list(twin.seed_orders(600, since=start, until=start + timedelta(days=10)))
    clock.advance(11 * 86400)
    twin.controls.requests.clear()
    pages = list(connector.order_pages(created_since=start))
    assert [len(p.orders) for p in pages] == [250, 250, 100]
    assert ids_of(pages) == ids
    assert orders_requests(twin) == 3  # ceil(600 / 250): no empty last page
    created = [o.created_at for p in pages for o in p.orders]
    assert created == sorted(created)
    assert [p.cursor is None for p in pages] == [False, False, True]


def test_window_bounds(connector, twin, clock):
    start = clock.datetime()
    ids = list(twin.seed_orders(100, since=start, until=start + timedelta(days=100)))
    since, until = start + timedelta(days=10), start + timedelta(days=20)
    got = ids_of(connector.order_pages(created_since=since, created_until=until))
    assert got == ids[10:20]  # one order a day: [since, until)


def test_cursor_resumes_in_another_process_after_new_orders(connector, twin, clock, served,
                                                            sku):
    start = clock.datetime()
    seeded = list(twin.seed_orders(600, since=start - timedelta(days=30), until=start,
                                   mix={"open": 1}))
    first = next(connector.order_pages(created_since=start - timedelta(days=31)))
    assert ids_of([first]) == seeded[:250]
    clock.advance(60)
    new = twin.place_shop_order([{"sku": sku, "quantity": 1}])  # between two pages
    twin.cancel(seeded[10])  # an order already read changes: not read again here
    twin.cancel(seeded[400])  # one still ahead changes: read once, as it is now
    with fresh_connector(served) as other:
        rest = list(other.order_pages(created_since=start - timedelta(days=31),
                                      cursor=first.cursor))
    assert ids_of(rest) == seeded[250:] + [new["id"]]
    assert next(o for p in rest for o in p.orders if int(o.id) == seeded[400]).status \
        == "cancelled"


def test_updated_pages(connector, twin, clock, sku):
    old = [twin.place_shop_order([{"sku": sku}])["id"] for _ in range(3)]
    clock.advance(3600)
    since = clock.datetime()
    twin.complete(old[1])
    twin.place_shop_order([{"sku": sku}])
    pages = list(connector.updated_order_pages(updated_since=since))
    got = [o for p in pages for o in p.orders]
    assert [o.status for o in got] == ["fulfilled", "unfulfilled"] and int(got[0].id) == old[1]
    assert all(o.updated_at >= since for o in got)


def test_mapping_of_a_shopper_order(connector, twin, clock, sku):
    start = clock.datetime()
    placed = twin.place_shop_order(
        [{"sku": sku, "quantity": 3, "discount": "7.50"}, {"title": "Card", "price": "2.00"}],
        customer={"first_name": "Eva", "last_name": "Kok", "email": "eva@example.nl",
                  "phone": "+31611111111", "address1": "Kade 1", "city": "Delft",
                  "zip": "2611 AA", "country_code": "NL"},
        shipping=("PostNL", "4.95"))
    twin.edit_quantity(placed["id"], placed["line_items"][1]["id"], 0)  # card removed
    [order] = next(connector.order_pages(created_since=start)).orders
    assert order.number == str(placed["order_number"]) and order.currency == "EUR"
    [line] = order.lines
    assert (line.sku, line.quantity, line.price, line.name) == ("MUG-1", 3, Decimal("10.00"),
                                                                "Mug")
    assert line.product_id == str(twin.catalog.variant_by_sku(sku)["product_id"])
    assert line.line_id == str(placed["line_items"][0]["id"])
    customer = order.customer
    assert (customer.first_name, customer.last_name, customer.email, customer.phone) == (
        "Eva", "Kok", "eva@example.nl", "+31611111111")
    assert (customer.address.street, customer.address.city, customer.address.country) == (
        "Kade 1", "Delft", "NL")
    assert [(s.method, s.total) for s in order.shipping] == [("PostNL", Decimal("4.95"))]
    assert order.shipping_address.postal_code == "2611 AA"
    assert order.total == Decimal("34.95")  # 3 x 12.50 - 7.50 + 4.95, after the edit


def test_guest_and_basic_plan_have_no_customer(connector, twin, clock, served, sku):
    start = clock.datetime()
    twin.place_shop_order([{"sku": sku}], guest=True)
    twin.place_shop_order([{"sku": sku}])
    twin.set_plan("basic")
    try:
        orders = next(connector.order_pages(created_since=start)).orders
        assert [o.customer for o in orders] == [None, None]
        assert all(o.lines for o in orders) and orders[0].shipping_address is None
        assert orders[1].shipping_address.city == "Utrecht"  # city, zip and country stay
        assert orders[1].shipping_address.street is None  # the street is hidden too
        raw = httpx.get(f"{served.url}{API}/orders/{orders[1].id}.json",
                        headers={"X-Shopify-Access-Token": TOKEN}).json()["order"]
        assert "customer" not in raw and raw["email"] is None
    finally:
        twin.set_plan("professional")
    assert next(connector.order_pages(created_since=start)).orders[1].customer is not None


def test_bad_payloads_are_quarantined_and_the_page_goes_on(connector, twin, clock, sku):
    start = clock.datetime()
    ids = [twin.place_shop_order([{"sku": sku}])["id"] for _ in range(4)]
    twin.get(ids[1])["line_items"][0]["price"] = "twelve"
    twin.get(ids[2])["line_items"][0]["quantity"] = None
    [page] = list(connector.order_pages(created_since=start))
    assert ids_of([page]) == [ids[0], ids[3]]
    assert [(q.external_id, q.reason) for q in page.rejected] == [
        (str(ids[1]), ErrorReason.PRICING), (str(ids[2]), ErrorReason.VALIDATION)]
    assert "twelve" in page.rejected[0].message and page.rejected[1].raw["id"] == ids[2]


def test_products_in_batches_of_250(connector, twin, sku):
    twin.catalog.add_product("Poster", [{"sku": "P-A", "title": "A3"},
                                        {"sku": "P-B", "title": "A2"}], product_type="")
    others = [twin.catalog.add_product(f"P{i}", [{"sku": f"X-{i}"}], product_type="Prints")
              for i in range(300)]
    mug = twin.catalog.variant_by_sku(sku)["product_id"]
    poster = twin.catalog.variant_by_sku("P-A")["product_id"]
    twin.controls.requests.clear()
    got = connector.products([str(mug), str(poster), "123", *(str(p["id"]) for p in others)])
    assert len(got) == 302 and "123" not in got
    assert twin.controls.stats()["by_path"]["GET /admin/api/{id}/products.json"] == 2
    assert (got[str(mug)].sku, got[str(mug)].category, got[str(mug)].description) == (
        "MUG-1", ("Kitchen",), "Big & blue")
    assert (got[str(poster)].sku, got[str(poster)].category) == (None, ())


def test_shop_currency(connector, twin):
    assert connector.shop_currency() == "EUR"
    twin.set_plan("professional", currency="GBP")
    try:
        assert connector.shop_currency() == "GBP"
    finally:
        twin.set_plan("professional", currency="EUR")


def test_seeding_is_fast_and_lazy(twin, clock):
    """50,000 orders are a description, not 50,000 dicts; an order touched is materialized."""
    start = clock.datetime()
    ids = twin.seed_orders(50_000, since=start - timedelta(days=59), until=start)
    assert len(ids) == 50_000 and twin.store.orders == {}
    twin.get(ids[7])  # the merchant opens it: from now on an ordinary order
    assert list(twin.store.orders) == [ids[7]]
    assert len(listing.all_ids(twin.store, {"status": "any"})) == 50_000  # not twice
