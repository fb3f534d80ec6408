"""Issue 10, finding 4: one malformed order never stops an account. One regression test per
value an independent trial planted, over real HTTP (bol.com and Shopify twins) into the store,
on SQLite and PostgreSQL: the bad order is quarantined (or put in error) with a typed reason,
the good order on the same page goes on."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest

from ordersync import order_loop as sync
from ordersync.orders import Address, MarketplaceOrder, OrderBatch, OrderLine, OrderStatus
from ordersync.orders.limits import storage_key
from ordersync.sandbox.amazon.malformed import KINDS
from ordersync.sandbox.bolcom.malformed import KINDS as BOL_KINDS
from ordersync.sandbox.stack import SandboxStack
from tests.sync.test_order_loop import cycle, shop_order

S = OrderStatus
GOOD_ITEM = {"ean": "8712345678906", "title": "Mug", "quantity": 1, "unitPrice": 12.5}


def item(**changes):
    return {**GOOD_ITEM, **changes}


# finding -> (fields of the planted bol.com order, reason it is quarantined with)
FINDINGS = {
    "unit_price_1e30": ({"items": [item(unitPrice=1e30)]}, "value_limit"),
    "placed_in_year_1": ({"orderPlacedDateTime": "0001-01-01T00:30+01:00"}, "value_limit"),
    "quantity_10e12": ({"items": [item(quantity=10**12)]}, "value_limit"),
    "unit_price_1e15": ({"items": [item(unitPrice=1e15)]}, "value_limit"),
    "order_id_200_chars": ({"orderId": "1" * 200}, "value_limit"),
    "order_item_id_100_chars": ({"items": [item(orderItemId="2" * 100)]}, "value_limit"),
    "ean_40_chars": ({"items": [item(ean="8" * 40)]}, "value_limit"),
    "offer_reference_200_chars": ({"items": [item(offerReference="R" * 200)]}, "value_limit"),
    "duplicate_order_item_id": (
        {"items": [item(orderItemId="3000000001"), item(orderItemId="3000000001")]},
        "validation",
    ),
    "nul_in_title": ({"items": [item(title="Mug\x00of doom")]}, "value_limit"),
}


@pytest.mark.parametrize("finding", sorted(FINDINGS))
def test_malformed_bolcom_order_is_quarantined_and_the_page_imported(sandbox, store, finding):
    fields, reason = FINDINGS[finding]
    fields = {"items": [GOOD_ITEM], **fields}
    before = sandbox.bolcom.place_order(items=[GOOD_ITEM])
    bad = sandbox.bolcom.place_order(**fields)
    after = sandbox.bolcom.place_order(items=[GOOD_ITEM])
    ctx = sandbox.context(store)

    counts = sync.import_orders(ctx).counts
    assert counts["imported"] == 2 and counts["quarantined"] == 1
    for good in (before, after):
        assert store.find("bolcom", "sandbox", good).status == S.NOT_SHIPPED
    [quarantined] = store.list_orders(S.ERROR)
    assert quarantined.error_reason == reason
    if len(bad) <= 128:
        assert quarantined.external_id == bad
    [event] = store.events(quarantined.id)
    assert event["kind"] == "quarantined" and "\x00" not in event["message"]

    again = sync.import_orders(ctx).counts  # every later cycle: no crash, nothing twice
    assert again.get("imported", 0) == 0 and again.get("quarantined", 0) == 0
    assert store.count_by_status() == {"not_shipped": 2, "error": 1}


def test_order_the_database_refuses_is_quarantined_and_the_page_saved(store):
    """The savepoint per order: a value the mapping let through (here a quantity no INTEGER
    column holds) costs only that order, as ``storage_rejected``."""
    now = datetime(2026, 1, 1, tzinfo=UTC)

    def order(ext: str, quantity: int = 1) -> MarketplaceOrder:
        return MarketplaceOrder(
            platform="bolcom", account="acc", external_id=ext, placed_at=now, currency="EUR",
            lines=(OrderLine("1", quantity, Decimal("1.00")),),
            shipping_address=Address(last_name="X", country="NL"),
        )

    batch = OrderBatch((order("A"), order("B", quantity=10**20), order("C")))
    saved = store.save_batch(batch, platform="bolcom", account="acc", now=now)
    assert (saved.created, saved.quarantined) == (2, 1)
    assert store.find("bolcom", "acc", "A").status == S.NOT_SHIPPED
    assert store.find("bolcom", "acc", "C").status == S.NOT_SHIPPED
    refused = store.find("bolcom", "acc", "B")
    assert refused.status == S.ERROR and refused.error_reason == "storage_rejected"
    assert [len(store.find("bolcom", "acc", e).lines) for e in "AC"] == [1, 1]


# finding -> (tracking number, carrier name) the merchant enters in Shopify
WEBSHOP_FINDINGS = {
    "tracking_code_100_chars": ("3S" + "A" * 98, None),
    "carrier_name_200_chars": ("3SABCD1234567", "C" * 200),
    "nul_in_tracking_code": ("3SABCD\x001234567", None),
}


@pytest.mark.parametrize("finding", sorted(WEBSHOP_FINDINGS))
def test_bad_webshop_tracking_errors_only_that_order(sandbox, store, finding):
    number, company = WEBSHOP_FINDINGS[finding]
    ctx = sandbox.context(store)
    bad_id, good_id = sandbox.bolcom.place_order(), sandbox.bolcom.place_order()
    cycle(ctx)
    sandbox.shopify.complete(shop_order(sandbox, bad_id)["id"], number, company)
    sandbox.shopify.complete(shop_order(sandbox, good_id)["id"], "3SABCD7654321", None)

    counts = cycle(ctx).counts
    assert counts["shipped"] == 1 and counts["pushed"] == 1 and counts["errors"] == 1
    bad = store.find("bolcom", "sandbox", bad_id)
    assert bad.status == S.ERROR and bad.error_reason == "webshop_invalid"
    assert bad.tracking_number is None and sandbox.bolcom.shipments_of(bad_id) == []
    assert store.find("bolcom", "sandbox", good_id).status == S.SHIPPED
    [shipment] = sandbox.bolcom.shipments_of(good_id)
    assert shipment["trackAndTrace"] == "3SABCD7654321"
    assert "\x00" not in store.events(bad.id)[-1]["message"]
    cycle(ctx)  # later cycles leave it alone
    assert store.find("bolcom", "sandbox", bad_id).status == S.ERROR


# -- the Amazon twin plants malformed orders (control API over HTTP) ---------------------

@pytest.fixture(scope="module")
def amazon_stack():
    with SandboxStack(rate_limits=False, marketplaces=("amazon",)) as stack:
        yield stack


def test_every_planted_amazon_defect_is_quarantined_and_the_page_imported(amazon_stack, store):
    amazon = amazon_stack.amazon
    amazon.reset()
    url = amazon_stack.url("amazon")
    good = [amazon.place_order()]
    planted = {}
    for kind in sorted(KINDS):
        answer = httpx.post(f"{url}/_sandbox/amazon/orders/malformed", json={"kind": kind})
        assert answer.status_code == 201, answer.text
        planted[kind] = answer.json()["AmazonOrderId"]
    good.append(amazon.place_order())
    ctx = amazon_stack.context(store, marketplace="amazon")

    counts = sync.import_orders(ctx).counts
    assert counts["imported"] == 2 and counts["quarantined"] == len(KINDS)
    assert all(store.find("amazon", "sandbox", g).status == S.NOT_SHIPPED for g in good)
    reasons = {r.error_reason for r in store.list_orders(S.ERROR, limit=100)}
    assert reasons <= {"value_limit", "validation", "pricing", "address_parsing",
                       "currency_mismatch"}
    assert store.find("amazon", "sandbox", storage_key(planted["long_order_id"])) is not None
    assert sync.import_orders(ctx).counts.get("quarantined", 0) == 0  # once, no crash


def test_amazon_raw_order_control_route(amazon_stack):
    amazon_stack.amazon.reset()
    url = amazon_stack.url("amazon") + "/_sandbox/amazon/orders"
    assert httpx.post(f"{url}/malformed", json={"kind": "nope"}).status_code == 400
    assert httpx.put(f"{url}/X/raw", json=[1]).status_code == 400
    assert httpx.put(f"{url}/X/raw", json={"order": {}, "items": 5}).status_code == 400
    body = {"order": {"OrderStatus": "Unshipped", "PurchaseDate": "0001-01-01T00:00:00Z"},
            "items": [{"OrderItemId": "1", "Title": "NUL\x00"}]}
    assert httpx.put(f"{url}/402-1/raw", json=body).status_code == 200
    connector = amazon_stack.marketplace("amazon")
    assert connector.get_order("402-1")["PurchaseDate"] == "0001-01-01T00:00:00Z"
    assert connector.order_items("402-1") == [{"OrderItemId": "1", "Title": "NUL\x00"}]


def test_every_planted_bolcom_defect_is_quarantined_and_the_page_imported(sandbox, store):
    url = sandbox.url("bolcom") + "/_sandbox/bolcom/orders/malformed"
    kinds = [*sorted(BOL_KINDS), "long_order_id"]
    good = [sandbox.bolcom.place_order()]
    for kind in kinds:
        answer = httpx.post(url, json={"kind": kind})
        assert answer.status_code == 201, answer.text
    good.append(sandbox.bolcom.place_order())
    assert httpx.post(url, json={"kind": "nope"}).status_code == 400
    ctx = sandbox.context(store)

    counts = sync.import_orders(ctx).counts
    assert counts["imported"] == 2 and counts["quarantined"] == len(kinds)
    assert all(store.find("bolcom", "sandbox", g).status == S.NOT_SHIPPED for g in good)
    assert sync.import_orders(ctx).counts.get("quarantined", 0) == 0


@pytest.fixture(scope="module")
def woo_stack():
    with SandboxStack(rate_limits=False, shop_platform="woocommerce") as stack:
        yield stack


@pytest.mark.parametrize("finding", sorted(WEBSHOP_FINDINGS))
def test_bad_woocommerce_tracking_errors_only_that_order(woo_stack, store, finding):
    number, company = WEBSHOP_FINDINGS[finding]
    woo = woo_stack.woocommerce
    for twin in (woo_stack.bolcom, woo):
        twin.reset()
        twin.controls.clear()
    woo.add_product("Mug", "MUG-350")
    ctx = woo_stack.context(store)
    bad_id, good_id = (woo_stack.bolcom.place_order(items=[item(offerReference="MUG-350")])
                       for _ in range(2))
    cycle(ctx)

    def shop_id(bol_id):
        [order] = [o for o in woo.store.orders.values()
                   if any(m.get("value") == f"bolcom:{bol_id}" for m in o.get("meta_data", []))]
        return order["id"]

    woo.complete(shop_id(bad_id), number, company or "PostNL")
    woo.complete(shop_id(good_id), "3SABCD7654321")
    counts = cycle(ctx).counts
    assert counts["shipped"] == 1 and counts["errors"] == 1
    bad = store.find("bolcom", "sandbox", bad_id)
    assert bad.status == S.ERROR and bad.error_reason == "webshop_invalid"
    assert store.find("bolcom", "sandbox", good_id).status == S.SHIPPED
    assert sandbox_shipments(woo_stack, good_id) == ["3SABCD7654321"]


def sandbox_shipments(stack, bol_id):
    return [s["trackAndTrace"] for s in stack.bolcom.shipments_of(bol_id)]
