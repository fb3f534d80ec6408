"""PRODUCT.md section 3 against the served Shopify twin: fulfilled, cancelled and refunded
orders left out of the backfill, customers with their address, Basic-plan orders as "not
specified", the order type's status (no status sync), SKU/code/product type, delivery
comments, quantity changes until write-off, the shop's currency."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from ordersync.connectors.shopify import ShopifyConnector
from ordersync.sandbox.common import ServedApp
from ordersync.sandbox.shopify import ShopifyTwin
from ordersync.shop_import.plan import CurrencyMismatch
from ordersync.shop_import.steps import import_changed_orders, write_off
from ordersync.store.shop_tables import CategoryRow, ContactRow, ProductRow
from tests.shop_import.helpers import context, run_backfill
from tests.shop_import.test_woocommerce_rules import START, TwinClock

TOKEN = "shpat_import"


@pytest.fixture(scope="module")
def clock() -> TwinClock:
    return TwinClock()


@pytest.fixture(scope="module")
def twin(clock) -> ShopifyTwin:
    return ShopifyTwin("import", (TOKEN,), rate_limits=False, clock=clock)


@pytest.fixture(scope="module")
def served(twin) -> Iterator[ServedApp]:
    with ServedApp(twin.app) as app:
        yield app


@pytest.fixture
def shopify(twin, served, clock, shop_store):
    twin.reset()
    twin.set_plan("professional", "EUR")
    clock.now = START
    twin.catalog.add_product("Mug", [{"sku": "MUG-1", "price": "9.95", "quantity": 50}],
                             product_type="Kitchen", body_html="<p>A <b>big</b> mug</p>")
    connector = ShopifyConnector(shop="import", access_token=TOKEN, base_url=served.url,
                                 rate_limits=False, sleep=lambda s: None)
    yield context(shop_store, connector, clock.hub, initial_status="on_hold")
    connector.close()


def test_fulfilled_cancelled_refunded_are_left_out_of_the_backfill(shopify, twin):
    for status in ("open", "partial", "fulfilled", "cancelled", "refunded", "pending"):
        twin.place_shop_order([{"sku": "MUG-1", "quantity": 1}], status=status)
    state = run_backfill(shopify)
    assert state.counts["imported"] == 3 and state.counts["skipped:finished status"] == 3


def test_customer_with_address_and_basic_plan_not_specified(shopify, twin, clock):
    twin.place_shop_order([{"sku": "MUG-1", "quantity": 1}],
                          customer={"email": "ann@example.nl", "phone": "+31611112222",
                                    "address1": "Kade 1", "city": "Gouda"})
    twin.place_shop_order([{"sku": "MUG-1", "quantity": 1}],  # the same shopper again
                          customer={"email": "ANN@example.nl", "phone": "+31 6 1111 2222"})
    import_changed_orders(shopify)
    clock.advance(minutes=5)
    twin.set_plan("basic")  # Basic-plan shops give apps no customer data
    twin.place_shop_order([{"sku": "MUG-1", "quantity": 1}],
                          customer={"email": "hidden@example.nl"})
    counts = import_changed_orders(shopify)
    assert counts["imported"] == 1 and counts["customers:not specified"] == 1
    with shopify.store.session() as s:
        contacts = list(s.scalars(select(ContactRow).order_by(ContactRow.id)))
    assert [(c.email, c.special) for c in contacts] == [
        ("ann@example.nl", None), (None, "not_specified")]
    assert contacts[0].address["city"] == "Gouda" and contacts[0].address["street"]
    assert contacts[0].phone and contacts[0].first_name


def test_products_sku_code_and_product_type_as_category(shopify, twin):
    twin.place_shop_order([{"sku": "MUG-1", "quantity": 2}, {"title": "Gift wrap",
                                                              "price": "1.50"}])
    twin.place_shop_order([{"sku": "MUG-1", "quantity": 1}])
    run_backfill(shopify)
    with shopify.store.session() as s:
        products = {p.name: p for p in s.scalars(select(ProductRow))}
        mug = products["Mug"]
        category = s.get(CategoryRow, mug.category_id)
    assert set(products) == {"Mug", "Gift wrap"}
    assert mug.sku == "MUG-1" and mug.code and mug.unit == "piece"
    assert category.name == "Kitchen" and "big" in (mug.description or "")


def test_status_from_the_order_type_not_synced_and_delivery_comments(shopify, twin, clock):
    placed = twin.place_shop_order([{"sku": "MUG-1", "quantity": 1}])
    import_changed_orders(shopify)
    record = shopify.repo.find("shopify", None, str(placed["id"]))
    assert record.status == "on_hold"
    events = shopify.repo.events(record.id)
    assert [e["kind"] for e in events] == ["imported", "comment"]
    assert "carrier: Standard; delivery cost: 4.95 EUR" in events[1]["message"]
    clock.advance(minutes=5)
    twin.complete(placed["id"], "3SABCD1234567")
    import_changed_orders(shopify)
    record = shopify.repo.find("shopify", None, str(placed["id"]))
    assert record.status == "on_hold" and record.platform_status == "fulfilled"
    assert [e["kind"] for e in shopify.repo.events(record.id)] == ["imported", "comment"]


def test_quantity_synced_until_written_off(shopify, twin, clock):
    placed = twin.place_shop_order([{"sku": "MUG-1", "quantity": 1}])
    line = placed["line_items"][0]["id"]
    import_changed_orders(shopify)
    clock.advance(minutes=5)
    twin.edit_quantity(placed["id"], line, 4)
    import_changed_orders(shopify)
    number = shopify.repo.find("shopify", None, str(placed["id"])).number
    assert shopify.repo.find("shopify", None, str(placed["id"])).lines[0].quantity == 4
    write_off(shopify, number)
    clock.advance(minutes=5)
    twin.edit_quantity(placed["id"], line, 6)
    import_changed_orders(shopify)
    assert shopify.repo.find("shopify", None, str(placed["id"])).lines[0].quantity == 4


def test_shop_currency_must_match(shopify, twin):
    twin.place_shop_order([{"sku": "MUG-1", "quantity": 1}])
    twin.set_plan("professional", "USD")
    with pytest.raises(CurrencyMismatch, match="sells in USD"):
        run_backfill(shopify)
    assert shopify.repo.totals()["orders"] == 0
