"""The import mapping on Shopify's real response bodies, and the twin's shoppers' orders in
their shape (shared/specs/shopify-fixtures; skipped when absent)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest

from ordersync.connectors.shopify.shop_mapping import shop_order
from tests.shopify.shopify_helpers import TOKEN
from tests.shopify.test_shopify_fixtures import FIXTURES, assert_shape, load, merged

pytestmark = pytest.mark.skipif(
    not FIXTURES.is_dir(), reason=f"Shopify fixtures not found at {FIXTURES} (shared/ absent)"
)
API = "/admin/api/2025-01"


def test_real_order_maps_to_a_shop_order():
    order = shop_order(load("order.json")["order"])
    assert (order.id, order.number, order.currency, order.total) == (
        "450789469", "1001", "USD", Decimal("409.94"))
    assert order.created_at == datetime(2008, 1, 10, 16, 0, tzinfo=UTC)
    assert order.status == "unfulfilled"  # authorized, nothing shipped, not cancelled
    assert [(x.sku, x.quantity, x.price, x.product_id) for x in order.lines] == [
        ("IPOD2008GREEN", 1, Decimal("199.00"), "632910392"),
        ("IPOD2008RED", 1, Decimal("199.00"), "632910392"),
        ("IPOD2008BLACK", 1, Decimal("199.00"), "632910392")]
    assert [(s.method, s.total) for s in order.shipping] == [("Free Shipping", Decimal("0.00"))]
    customer = order.customer
    assert (customer.first_name, customer.last_name, customer.email) == (
        "Bob", "Norman", "bob.norman@hostmail.com")
    assert customer.phone == "555-625-1199"  # the customer has none: the default address's
    assert (customer.address.street, customer.address.city, customer.address.country) == (
        "Chestnut Street 92", "Louisville", "US")
    assert order.shipping_address.last_name == "Norman"


def test_real_listed_order_with_customer_phone():
    order = shop_order(load("orders.json")["orders"][0])
    assert order.customer.phone == "+16136120707" and order.lines == ()
    assert order.status == "unfulfilled"  # partially refunded stays open


@pytest.fixture
def shopper_order(served, twin):
    twin.catalog.add_product("IPod Nano", [{"sku": "IPOD-1", "price": "199.00"}])
    placed = twin.place_shop_order([{"sku": "IPOD-1", "quantity": 2, "discount": "10.00"}],
                                   status="fulfilled")
    with httpx.Client(base_url=served.url, headers={"X-Shopify-Access-Token": TOKEN}) as http:
        listed = http.get(f"{API}/orders.json", params={"status": "any"}).json()["orders"]
    [order] = [o for o in listed if o["id"] == placed["id"]]
    return order


def test_shopper_order_has_the_fixture_shape(shopper_order):
    reference = merged(load("order.json")["order"], load("orders.json")["orders"][0])
    problems: list[str] = []
    assert_shape(shopper_order, reference, "order", problems)
    assert_shape(shopper_order["customer"], load("customer.json")["customer"], "customer",
                 problems)
    assert problems == []
    assert set(load("customer.json")["customer"]["default_address"]) \
        <= set(shopper_order["customer"]["default_address"])
    assert set(reference["shipping_address"]) <= set(shopper_order["shipping_address"])
    assert set(merged(*reference["line_items"])) - {"variant_title"} \
        <= set(shopper_order["line_items"][0]) | {"variant_title"}
    assert set(reference["shipping_lines"][0]) <= set(shopper_order["shipping_lines"][0])


def test_twin_shop_json(served, twin):
    with httpx.Client(base_url=served.url, headers={"X-Shopify-Access-Token": TOKEN}) as http:
        shop = http.get(f"{API}/shop.json").json()["shop"]
    assert shop["currency"] == "EUR" and shop["plan_name"] == "professional"
    assert shop["myshopify_domain"] == "sandbox.myshopify.com"
    assert shop["iana_timezone"] and shop["money_format"]
