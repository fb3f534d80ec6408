"""CartumConnector as a ShopOrderSource against the served twin: offset pages whose cursor
resumes exactly (orders added or deleted meanwhile), status names, quarantine, products by
article, status reads and writes, and the twin's documented errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from ordersync.connectors.base import ShopOrderSource
from ordersync.connectors.cartum import CartumConnector, CartumError
from ordersync.connectors.cartum import fields as f
from ordersync.orders import ErrorReason
from tests.cartum.fixtures import START


def connect(served, clock) -> CartumConnector:
    return CartumConnector(domain="shop.example.ua", login="api", password="pw",
                           base_url=served.url, clock=clock)


@pytest.fixture
def connector(served, clock) -> Iterator[CartumConnector]:
    conn = connect(served, clock)
    yield conn
    conn.close()


def place(twin, clock, n: int, **kw) -> list[int]:
    ids = []
    for _ in range(n):
        ids.append(twin.place_order(created=datetime.fromtimestamp(clock.now, UTC), **kw)
                   [f.ORDER_ID])
        clock.now += 60
    return ids


def ids_of(pages) -> list[int]:
    return [int(o.id) for page in pages for o in page.orders]


def test_is_a_shop_order_source(connector):
    assert isinstance(connector, ShopOrderSource)
    assert connector.finished_statuses == frozenset({"delivered"})
    assert connector.shop_currency() is None  # no shop currency in the API: checked per order


def test_pages_and_window(connector, twin, clock):
    before = place(twin, clock, 2)
    since = datetime.fromtimestamp(clock.now, UTC)
    inside = place(twin, clock, 250)
    until = datetime.fromtimestamp(clock.now, UTC)
    place(twin, clock, 3)
    twin.controls.requests.clear()
    pages = list(connector.order_pages(created_since=since, created_until=until))
    assert before and ids_of(pages) == inside
    assert [len(p.orders) for p in pages] == [100, 100, 50]
    assert twin.controls.stats()["by_path"]["POST /api/orders/get/"] == 3
    assert pages[-1].cursor is None and all(p.cursor for p in pages[:-1])


def test_status_names(connector, twin, clock):
    for status in (f.NEW, f.IN_PROCESS, f.DELIVERED, f.NOT_DELIVERED, f.DELIVERING):
        place(twin, clock, 1, status=status)
    twin.orders[max(twin.orders)][f.STATUS] = 9  # a store's own status
    pages = list(connector.order_pages(created_since=START))
    assert [o.status for o in pages[0].orders] == [
        "new", "in process", "delivered", "not delivered", "status 9"]


def test_cursor_resumes_across_processes_with_orders_added_and_deleted(
        connector, twin, clock, served):
    placed = place(twin, clock, 230)
    first = next(connector.order_pages(created_since=START))
    assert ids_of([first]) == placed[:100]
    newer = place(twin, clock, 2)
    del twin.orders[placed[10]]  # deleted before the cursor: the offsets shift by one
    del twin.orders[placed[40]]
    with connect(served, clock) as other:
        rest = list(other.order_pages(created_since=START, cursor=first.cursor))
    assert ids_of(rest) == placed[100:] + newer


def test_cursor_resumes_when_the_last_order_read_is_deleted(connector, twin, clock, served):
    placed = place(twin, clock, 150)
    first = next(connector.order_pages(created_since=START))
    del twin.orders[placed[99]]
    with connect(served, clock) as other:
        assert ids_of(other.order_pages(created_since=START, cursor=first.cursor)) \
            == placed[100:]


def test_updated_pages_reread_the_lookback(connector, twin, clock):
    old = place(twin, clock, 1)[0]
    clock.now += 70 * 86400
    recent = place(twin, clock, 3)
    twin.set_status(recent[0], f.DELIVERED)
    now = datetime.fromtimestamp(clock.now, UTC)
    pages = list(connector.updated_order_pages(updated_since=now - timedelta(minutes=5)))
    assert old not in ids_of(pages) and ids_of(pages) == recent
    assert pages[0].orders[0].status == "delivered"


def test_bad_payload_is_quarantined(connector, twin, clock):
    placed = place(twin, clock, 3)
    twin.orders[placed[1]][f.TOTAL] = "lots"
    twin.orders[placed[2]][f.CREATED] = "yesterday"
    [page] = list(connector.order_pages(created_since=START - timedelta(days=400)))
    assert ids_of([page]) == placed[:1]
    assert [(q.external_id, q.reason) for q in page.rejected] == [
        (str(placed[1]), ErrorReason.PRICING), (str(placed[2]), ErrorReason.VALIDATION)]


def test_mapping(connector, twin, clock):
    place(twin, clock, 1, products=[{f.ARTICLE: "CUP-1", f.TITLE: "Cup", f.QUANTITY: 2,
                                     f.PRICE: 120}], delivery_price=55)
    [order] = next(connector.order_pages(created_since=START)).orders
    [line] = order.lines
    assert (line.product_id, line.sku, line.line_id, line.quantity, line.price) == (
        "CUP-1", "CUP-1", "CUP-1", 2, Decimal("120"))
    assert order.currency == "UAH" and order.total == Decimal("240")
    assert [(s.method, s.total) for s in order.shipping] == [("Nova Poshta", Decimal("55"))]
    assert order.shipping_address.city == "Kyiv" and order.customer.phone == "+380501234567"


def test_products_by_article(connector, twin):
    twin.add_product("CUP-1", "Cup", description="<p>Stoneware &amp; glaze</p>",
                     category="Kitchen / Cups")
    twin.add_product("MUG-1", "Mug")
    for i in range(120):
        twin.add_product(f"P-{i:03}", f"P {i}")
    twin.controls.requests.clear()
    got = connector.products(["CUP-1", "MUG-1", "NOPE", *(f"P-{i:03}" for i in range(120))])
    cup = got["CUP-1"]
    assert (cup.id, cup.sku, cup.name, cup.category) == ("CUP-1", "CUP-1", "Cup",
                                                         ("Kitchen", "Cups"))
    assert cup.description == "Stoneware & glaze" and got["MUG-1"].category == ()
    assert "NOPE" not in got and len(got) == 122
    assert twin.controls.stats()["by_path"]["POST /api/catalog/export/"] == 2


def test_status_read_and_write(connector, twin, clock):
    [oid] = place(twin, clock, 1)
    assert connector.order_status(oid) == "new"
    connector.set_status(oid, "delivering")
    connector.set_status(oid, "delivering")  # the same status again: harmless
    assert connector.order_status(oid) == "delivering" and connector.order_status(999) is None
    with pytest.raises(CartumError, match="NOT_FOUND"):
        connector.set_status(999, "delivered")
    with pytest.raises(ValueError, match="unknown status"):
        connector.set_status(oid, "lost")


def test_documented_errors(served, twin):
    def api(function: str, body: dict) -> dict:
        return httpx.post(f"{served.url}/api/{function}/", json=body).json()

    token = api("auth", {"login": "api", "password": "pw"})["response"]["token"]
    assert api("orders/get", {"token": "never-issued"})["status"] == "AUTHORIZATION_ERROR"
    twin.expire_tokens()
    assert api("orders/get", {"token": token})["status"] == "UNAUTHORIZED"
    token = api("auth", {"login": "api", "password": "pw"})["response"]["token"]
    assert api("orders/nope", {"token": token})["status"] == "UNDEFINED_FUNCTION"
    assert api("orders/get", {"token": token, "limit": "x"})["status"] == "ERROR"
    assert api("orders/get", {"token": token})["status"] == "EMPTY"
    statuses = api("orders/get_available_statuses", {"token": token})["response"]["statuses"]
    assert {s["id"] for s in statuses} == set(f.STATUSES)
    assert [s["id"] for s in statuses if s["is_successful"]] == [f.DELIVERED]
    twin.place_order(created=START)
    assert len(api("orders/get", {"token": token, "from": "22.11.2026",
                                  "to": "22.11.2026"})["response"]["orders"]) == 1
    partial = api("orders/update", {"token": token, "orders": [
        {"order_id": min(twin.orders), "status": 2}, {"order_id": 1, "status": 2}]})
    assert partial["status"] == "WARNING"
    assert [e["code"] for e in partial["response"]["log"]] == ["OK", "NOT_FOUND"]
