"""The Shopify twin's products.json and the connector's product reads: Product shapes of the
REST API (checked on the shared fixtures), cursor pages, stock per SKU, and orders that take
stock off like Shopify does with ``inventory_behaviour``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from ordersync.connectors.shopify import API_VERSION, ShopifyConnector
from ordersync.http import ValidationError
from ordersync.orders import Address, MarketplaceOrder, OrderLine
from ordersync.sandbox.common import ServedApp
from ordersync.sandbox.shopify import ShopifyTwin

TOKEN = "shpat_catalog_test"
FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "specs" / "shopify-fixtures"
API = f"/admin/api/{API_VERSION}"


@pytest.fixture(scope="module")
def twin() -> ShopifyTwin:
    return ShopifyTwin(access_tokens={TOKEN}, rate_limits=False)


@pytest.fixture(scope="module")
def served(twin: ShopifyTwin) -> Iterator[ServedApp]:
    with ServedApp(twin.app) as app:
        yield app


@pytest.fixture(autouse=True)
def _fresh(twin: ShopifyTwin) -> None:
    twin.reset()
    twin.controls.clear()


@pytest.fixture
def http(served: ServedApp) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.url + API,
                      headers={"X-Shopify-Access-Token": TOKEN}) as client:
        yield client


@pytest.fixture
def connector(served: ServedApp) -> Iterator[ShopifyConnector]:
    conn = ShopifyConnector(shop="sandbox", access_token=TOKEN, base_url=served.url,
                            rate_limits=False, sleep=lambda s: None)
    yield conn
    conn.close()


def order(*lines: tuple[str, int]) -> MarketplaceOrder:
    return MarketplaceOrder(
        platform="amazon", account="nl", external_id="402-1", currency="EUR",
        placed_at=datetime(2026, 11, 22, tzinfo=UTC),
        lines=tuple(OrderLine(f"L{i}", qty, Decimal("5.00"), sku=sku, title=sku)
                    for i, (sku, qty) in enumerate(lines)),
        shipping_address=Address(first_name="Jan", last_name="Jansen", street="Dorpsstraat",
                                 house_number="1", postal_code="1234 AB", city="Ede",
                                 country="NL", email="jan@example.nl"),
    )


@pytest.mark.skipif(not FIXTURES.is_dir(), reason=f"no Shopify fixtures at {FIXTURES}")
def test_products_have_the_fixture_shape(twin, http):
    twin.catalog.add_product("Mug", [{"sku": "MUG-RED", "quantity": 3, "title": "Red"},
                                     {"sku": "MUG-BLUE", "quantity": 0, "title": "Blue"}],
                             product_type="Kitchen", body_html="<p>A mug</p>")
    [product] = http.get("/products.json").json()["products"]
    reference = json.loads((FIXTURES / "product.json").read_text())["product"]
    assert set(reference) - set(product) == set(), "every fixture product key is rendered"
    ref_variant = reference["variants"][0]
    for variant in product["variants"]:
        assert set(ref_variant) - set(variant) == set()
        for key, value in ref_variant.items():
            if value is not None and variant[key] is not None:
                assert type(variant[key]) is type(value), key
    assert [v["inventory_quantity"] for v in product["variants"]] == [3, 0]
    assert {"inventory_item_id", "admin_graphql_api_id", "barcode"} <= set(product["variants"][0])


def test_pages_follow_link_cursors_and_refuse_filters_with_page_info(twin, http):
    twin.catalog.seed(7, quantity=2)
    first = http.get("/products.json", params={"limit": 3, "fields": "id,variants"})
    assert len(first.json()["products"]) == 3 and 'rel="next"' in first.headers["Link"]
    assert set(first.json()["products"][0]) == {"id", "variants"}
    ids, response = [], first
    while True:
        ids += [p["id"] for p in response.json()["products"]]
        links = httpx.Headers(response.headers).get("Link", "")
        nxt = [part for part in links.split(", ") if 'rel="next"' in part]
        if not nxt:
            break
        response = http.get(nxt[0][1:nxt[0].index(">")])
    assert ids == sorted(ids) and len(ids) == 7
    token = first.headers["Link"].split("page_info=")[1].split(">")[0].split("&")[0]
    bad = http.get("/products.json", params={"page_info": token, "status": "active"})
    assert bad.status_code == 400
    assert http.get("/products.json", params={"limit": 251}).status_code == 400


def test_ids_filter_and_single_product(twin, http):
    a = twin.catalog.add_product("A", [{"sku": "A"}])
    twin.catalog.add_product("B", [{"sku": "B"}])
    found = http.get("/products.json", params={"ids": str(a["id"])}).json()["products"]
    assert [p["title"] for p in found] == ["A"]
    assert http.get(f"/products/{a['id']}.json").json()["product"]["variants"][0]["sku"] == "A"
    assert http.get("/products/1.json").status_code == 404


def test_inventory_levels_set_is_what_products_show(twin, http):
    product = twin.catalog.add_product("Plate", [{"sku": "PLATE", "quantity": 4}])
    item = product["variants"][0]["inventory_item_id"]
    location = http.get("/locations.json").json()["locations"][0]["id"]
    http.post("/inventory_levels/set.json", json={
        "location_id": location, "inventory_item_id": item, "available": 9}).raise_for_status()
    assert twin.catalog.stock_of("PLATE") == 9


@pytest.mark.parametrize("behaviour, expected", [
    ("bypass", 5), ("decrement_ignoring_policy", 3), ("decrement_obeying_policy", 3)])
def test_an_order_takes_stock_as_its_inventory_behaviour_says(twin, http, behaviour, expected):
    product = twin.catalog.add_product("Mug", [{"sku": "MUG", "quantity": 5}])
    variant = product["variants"][0]["id"]
    body = {"order": {"line_items": [{"variant_id": variant, "quantity": 2, "price": "5.00"}],
                      "inventory_behaviour": behaviour}}
    created = http.post("/orders.json", json=body)
    assert created.status_code == 201
    line = created.json()["order"]["line_items"][0]
    assert (line["product_id"], line["sku"]) == (product["id"], "MUG")
    assert twin.catalog.stock_of("MUG") == expected


def test_obeying_policy_refuses_an_order_the_stock_cannot_cover(twin, http):
    deny = twin.catalog.add_product("Deny", [{"sku": "DENY", "quantity": 1}])
    keep = twin.catalog.add_product("Cont", [{"sku": "CONT", "quantity": 1,
                                              "inventory_policy": "continue"}])

    def create(variant, behaviour):
        return http.post("/orders.json", json={"order": {
            "line_items": [{"variant_id": variant["variants"][0]["id"], "quantity": 2}],
            "inventory_behaviour": behaviour}})

    refused = create(deny, "decrement_obeying_policy")
    assert refused.status_code == 422 and twin.all_orders() == []
    assert twin.catalog.stock_of("DENY") == 1
    assert create(keep, "decrement_obeying_policy").status_code == 201
    assert twin.catalog.stock_of("CONT") == -1  # policy "continue" oversells
    assert create(deny, "decrement_ignoring_policy").status_code == 201
    assert twin.catalog.stock_of("DENY") == -1
    unknown = http.post("/orders.json", json={"order": {
        "line_items": [{"variant_id": 42, "quantity": 1}]}})
    assert unknown.status_code == 422


def test_connector_reads_stock_per_tracked_sku(twin, connector):
    twin.catalog.seed(300, quantity=4)
    twin.catalog.add_product("Untracked", [{"sku": "FREE", "inventory_management": None}])
    twin.catalog.set_stock("SKU-000007", 0)
    stock = connector.read_stock()
    assert len(stock.quantities) == 300 and stock.quantities["SKU-000007"] == 0
    assert stock.quantities["SKU-000300"] == 4
    assert stock.untracked == {"FREE"}
    assert connector.client.requests_made == 2  # 250 a page


def test_connector_links_order_lines_to_variants_so_shopify_takes_the_stock(twin, connector):
    twin.catalog.add_product("Mug", [{"sku": "MUG", "quantity": 10}])
    webshop_id = connector.create_order(order(("MUG", 2), ("CUSTOM", 1)))
    stored = twin.get(webshop_id)
    assert [li["variant_id"] is not None for li in stored["line_items"]] == [True, False]
    assert twin.catalog.stock_of("MUG") == 8
    assert connector.variant_ids(["MUG", "NOPE"]) == {
        "MUG": twin.catalog.variant_by_sku("MUG")["id"]}


def test_connector_products_by_ids_in_chunks(twin, connector):
    twin.catalog.seed(3)
    ids = [p["id"] for page in connector.product_pages() for p in page]
    fetched = [p["id"] for page in connector.product_pages(ids=ids[1:]) for p in page]
    assert fetched == ids[1:]
    assert connector.get_product(ids[0])["variants"][0]["sku"] == "SKU-000001"
    with pytest.raises(ValidationError):
        list(connector.product_pages(status="nope"))
