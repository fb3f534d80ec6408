"""WooCommerceConnector as a ShopOrderSource against the served twin: keyset pages, cursors
that survive a new process and new/trashed orders, quarantine, products with category paths,
the shop currency and a status write that is safe to repeat."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from ordersync.connectors.base import ShopOrderSource
from ordersync.connectors.shop_pages import BadCursor
from ordersync.connectors.woocommerce import WooCommerceConnector
from ordersync.orders import ErrorReason
from tests.woocommerce.helpers import KEY, SECRET, shopper_order

STATUSES = ("pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed",
            "trash")


@pytest.fixture
def product(twin):
    return twin.add_product("Tee", "TEE-1", "12.50")


def fresh_connector(served, clock) -> WooCommerceConnector:
    """Another process: a new connector that knows nothing but the cursor."""
    return WooCommerceConnector(url=served.url, consumer_key=KEY, consumer_secret=SECRET,
                                sleep=lambda s: None, clock=clock)


def place(twin, clock, product, n: int, step: float = 60, **kw) -> list[int]:
    ids = []
    for _ in range(n):
        ids.append(twin.place_order(shopper_order([product["id"]], **kw))["id"])
        clock.advance(step)
    return ids


def ids_of(pages) -> list[int]:
    return [int(o.id) for page in pages for o in page.orders]


def test_is_a_shop_order_source(connector):
    assert isinstance(connector, ShopOrderSource)
    assert connector.finished_statuses == frozenset(
        {"completed", "cancelled", "refunded", "failed", "trash"})


def test_pages_of_100_oldest_first_every_status_no_extra_request(connector, twin, clock,
                                                                 product):
    start = clock.datetime()
    placed = []
    for i in range(250):
        placed.append(twin.place_order(shopper_order(
            [product["id"]], status=STATUSES[i % len(STATUSES)]))["id"])
        clock.advance(30)
    twin.controls.requests.clear()
    pages = list(connector.order_pages(created_since=start))
    assert [len(p.orders) for p in pages] == [100, 100, 50]
    assert ids_of(pages) == placed
    assert twin.controls.stats()["requests"] == 3  # ceil(250 / 100), no empty last page
    assert [p.cursor is None for p in pages] == [False, False, True]
    statuses = {o.status for p in pages for o in p.orders}
    assert statuses == set(STATUSES)  # trash included: the import skips it by rule
    created = [o.created_at for p in pages for o in p.orders]
    assert created == sorted(created)


def test_window_bounds(connector, twin, clock, product):
    early = place(twin, clock, product, 3)
    since = clock.datetime()
    inside = place(twin, clock, product, 4)
    until = clock.datetime()
    place(twin, clock, product, 2)
    assert early and ids_of(connector.order_pages(created_since=since, created_until=until)) \
        == inside


def test_cursor_resumes_in_a_new_process_with_orders_created_and_trashed_meanwhile(
        connector, twin, clock, served, product):
    start = clock.datetime()
    placed = place(twin, clock, product, 230)
    pages = connector.order_pages(created_since=start)
    first = next(pages)
    assert ids_of([first]) == placed[:100] and first.cursor
    # meanwhile: a new order arrives, an early (already read) one and a later one are trashed
    newer = place(twin, clock, product, 1)
    twin.set_status(placed[5], "trash")
    twin.set_status(placed[150], "trash")
    with fresh_connector(served, clock) as other:
        rest = list(other.order_pages(created_since=start, cursor=first.cursor))
    assert ids_of(rest) == placed[100:] + newer  # nothing skipped, nothing repeated


def test_many_orders_in_the_same_second(connector, twin, clock, product):
    start = clock.datetime()
    placed = place(twin, clock, product, 230, step=0)
    pages = list(connector.order_pages(created_since=start))
    assert ids_of(pages) == placed and [len(p.orders) for p in pages] == [100, 100, 30]


def test_updated_pages_follow_modification_time(connector, twin, clock, product):
    placed = place(twin, clock, product, 150)
    since = clock.datetime()
    clock.advance(60)
    for oid in placed[:120]:
        twin.set_status(oid, "on-hold")
        clock.advance(1)
    pages = connector.updated_order_pages(updated_since=since)
    first = next(pages)
    assert ids_of([first]) == placed[:100]
    clock.advance(60)
    twin.set_status(placed[3], "completed")  # read already, changed again: comes again, last
    twin.set_status(placed[140], "processing")  # never changed before: now it is
    rest = list(connector.updated_order_pages(updated_since=since, cursor=first.cursor))
    assert ids_of(rest) == placed[100:120] + [placed[3]]
    assert {o.status for p in rest for o in p.orders} == {"on-hold", "completed"}
    updated = [o.updated_at for p in rest for o in p.orders]
    assert updated == sorted(updated) and updated[-1] == clock.datetime()


def test_cursor_of_another_listing_is_refused(connector, twin, clock, product):
    start = clock.datetime()
    place(twin, clock, product, 120)
    cursor = next(connector.order_pages(created_since=start)).cursor
    with pytest.raises(BadCursor, match="created"):
        next(connector.updated_order_pages(updated_since=start, cursor=cursor))
    with pytest.raises(BadCursor):
        next(connector.order_pages(created_since=start, cursor="not-a-cursor"))


def test_bad_payload_is_quarantined_and_the_page_goes_on(connector, twin, clock, product):
    start = clock.datetime()
    placed = place(twin, clock, product, 5)
    twin.get(placed[1])["total"] = "12,50 EUR"
    twin.get(placed[3])["line_items"][0]["quantity"] = "two"
    [page] = list(connector.order_pages(created_since=start))
    assert [o.id for o in page.orders] == [str(i) for i in (placed[0], placed[2], placed[4])]
    assert [(q.external_id, q.reason) for q in page.rejected] == [
        (str(placed[1]), ErrorReason.PRICING), (str(placed[3]), ErrorReason.VALIDATION)]
    assert "12,50 EUR" in page.rejected[0].message and page.rejected[1].raw["id"] == placed[3]


def test_malformed_date_is_quarantined_and_paging_goes_on(connector, twin, clock, product):
    start = clock.datetime()
    placed = place(twin, clock, product, 130)
    twin.get(placed[0])["date_created_gmt"] = "garbage"
    pages = list(connector.order_pages(created_since=start))
    assert ids_of(pages) == placed[1:]
    assert [q.external_id for p in pages for q in p.rejected] == [str(placed[0])]


def test_mapping_of_lines_and_customer(connector, twin, clock, product):
    start = clock.datetime()
    body = shopper_order([product["id"]])
    body["line_items"] = [{"product_id": product["id"], "quantity": 3, "subtotal": "37.50",
                           "total": "30.00"}]  # a coupon took 7.50 off the line
    twin.place_order(body)
    [order] = next(connector.order_pages(created_since=start)).orders
    [line] = order.lines
    assert (line.quantity, line.price, line.sku, line.product_id) == (
        3, Decimal("10.00"), "TEE-1", str(product["id"]))
    assert line.line_id == str(twin.get(order.id)["line_items"][0]["id"])
    assert order.updated_at == order.created_at and order.customer.email == "jan@example.nl"


def test_products_with_category_paths_in_batches(connector, twin):
    clothing = twin.add_category("Clothing")
    shirts = twin.add_category("T-shirts", clothing["id"])
    vneck = twin.add_category("V-neck", shirts["id"])
    gifts = twin.add_category("Gifts")
    hats = twin.add_category("hats", gifts["id"])
    bags = twin.add_category("Bags", gifts["id"])
    chain = twin.add_product("Vee", "V-1", categories=(clothing["id"], shirts["id"],
                                                       vneck["id"]))
    same_level = twin.add_product("Cap bag", "CB-1", categories=(hats["id"], bags["id"]))
    levels = twin.add_product("Gift tee", "GT-1", categories=(shirts["id"], gifts["id"]))
    bare = twin.add_product("Plain", "")
    twin.store.update_product(bare["id"], {"description": "<p>Soft &amp; <b>warm</b></p>"
                                                          "<p>Wash at 30&deg;</p>"})
    more = [twin.add_product(f"P{i}", f"P-{i}")["id"] for i in range(140)]
    twin.controls.requests.clear()
    wanted = [str(i) for i in (chain["id"], same_level["id"], levels["id"], bare["id"],
                               *more, 999999)]
    got = connector.products(wanted)
    assert got[str(chain["id"])].category == ("Clothing", "T-shirts", "V-neck")
    assert got[str(same_level["id"])].category == ("Gifts", "Bags")
    assert got[str(levels["id"])].category == ("Gifts",)
    plain = got[str(bare["id"])]
    assert plain.category == () and plain.sku is None
    assert plain.description == "Soft & warm\nWash at 30°"
    assert "999999" not in got and len(got) == 144
    by_path = twin.controls.stats()["by_path"]
    assert by_path["GET /wp-json/wc/v3/products"] == 2  # include= in chunks of 100
    assert by_path["GET /wp-json/wc/v3/products/categories"] == 1
    connector.products([str(chain["id"])])  # the category tree is reused
    assert twin.controls.stats()["by_path"]["GET /wp-json/wc/v3/products/categories"] == 1
    newer = twin.add_category("New", 0)
    connector.products([str(twin.add_product("N", "N-1", categories=(newer["id"],))["id"])])
    assert twin.controls.stats()["by_path"]["GET /wp-json/wc/v3/products/categories"] == 2


def test_shop_currency(connector, twin):
    assert connector.shop_currency() == "EUR"
    twin.set_currency("UAH")
    assert connector.shop_currency() == "UAH"


def test_completed_write_is_safe_to_repeat(connector, twin, clock, product):
    oid = twin.place_order(shopper_order([product["id"]]))["id"]
    clock.advance(60)
    connector.set_status(oid, "completed")
    first = dict(twin.get(oid))
    clock.advance(60)
    connector.set_status(oid, "completed")
    again = twin.get(oid)
    assert again["status"] == "completed"
    assert again["date_modified_gmt"] == first["date_modified_gmt"]
    assert again["date_completed_gmt"] == first["date_completed_gmt"]
    notes = [n["note"] for n in twin.store.notes[oid]]
    assert notes == ["Order status changed from Processing to Completed."]


def test_trash_only_when_asked(connector, twin, clock, product):
    """status=any leaves trash out (WooCommerce); the source asks for it explicitly."""
    start = clock.datetime() - timedelta(seconds=1)
    oid = twin.place_order(shopper_order([product["id"]], status="trash"))["id"]
    assert not [o for page in connector.list_orders() for o in page]
    assert ids_of(connector.order_pages(created_since=start)) == [oid]
