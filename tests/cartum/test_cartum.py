"""CartumConnector against the served CartumTwin: auth, re-auth, paging, filters, errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from ordersync.connectors.cartum import CartumConnector, CartumError, shop_order
from ordersync.connectors.cartum import fields as f
from ordersync.http import AuthError
from tests.cartum.fixtures import START


@pytest.fixture
def connector(served, clock) -> Iterator[CartumConnector]:
    conn = CartumConnector(domain="shop.example.ua", login="api", password="pw",
                           base_url=served.url, clock=clock)
    yield conn
    conn.close()


WINDOW = {"since": START - timedelta(days=1), "until": START + timedelta(days=1)}


def test_wrong_password_is_an_auth_error(served):
    conn = CartumConnector(domain="x", login="api", password="nope", base_url=served.url)
    with pytest.raises(AuthError, match="Wrong login or password") as err:
        list(conn.list_orders(**WINDOW))
    assert "nope" not in str(err.value) and "nope" not in repr(conn)
    conn.close()


def test_token_reused_then_renewed_once_when_revoked_or_expired(connector, twin, clock):
    twin.place_order()
    assert len(next(connector.list_orders(**WINDOW))) == 1
    list(connector.list_orders(**WINDOW))
    assert twin.auth_calls == 1
    twin.expire_tokens()  # the store forgets the token: re-auth once, transparently
    assert len(next(connector.list_orders(**WINDOW))) == 1
    assert twin.auth_calls == 2
    clock.now += f.TOKEN_TTL  # our own clock says it expired: renewed before the call
    list(connector.list_orders(**WINDOW))
    assert twin.auth_calls == 3 and connector.tokens_fetched == 3


def test_paging_with_offset_and_limit(connector, twin):
    for _ in range(250):
        twin.place_order()
    twin.controls.requests.clear()
    pages = list(connector.list_orders(**WINDOW))
    assert [len(p) for p in pages] == [100, 100, 50]
    ids = [o[f.ORDER_ID] for p in pages for o in p]
    assert len(set(ids)) == 250 and ids == sorted(ids)
    assert twin.controls.stats()["by_path"]["POST /api/orders/get/"] == 3


def test_status_and_date_filters(connector, twin):
    old = twin.place_order(created=START - timedelta(days=5))
    new = twin.place_order()
    done = twin.place_order(status=f.DELIVERED)
    got = [o[f.ORDER_ID] for p in connector.list_orders(**WINDOW) for o in p]
    assert got == [new[f.ORDER_ID], done[f.ORDER_ID]]
    wanted = [f.NEW, f.IN_PROCESS, f.NOT_DELIVERED, f.DELIVERING]
    got = [o[f.ORDER_ID] for p in connector.list_orders(**WINDOW, statuses=wanted) for o in p]
    assert got == [new[f.ORDER_ID]]
    assert old[f.ORDER_ID] not in got
    assert list(connector.list_orders(since=START + timedelta(days=2),
                                      until=START + timedelta(days=3))) == []


def test_set_status_and_error_status(connector, twin):
    order = twin.place_order()
    connector.set_status(order[f.ORDER_ID], f.DELIVERING)
    assert twin.orders[order[f.ORDER_ID]][f.STATUS] == f.DELIVERING
    with pytest.raises(CartumError, match="NOT_FOUND"):
        connector.set_status(999999, f.DELIVERED)
    with pytest.raises(CartumError, match="UNDEFINED_FUNCTION"):
        connector.call("orders/nope", {})
    with pytest.raises(ValueError):
        connector.set_status(order[f.ORDER_ID], 5)


def test_mapping_and_problems(connector, twin):
    twin.place_order(products=[{f.ARTICLE: "A-7", f.TITLE: "Cup", f.QUANTITY: 3, f.PRICE: 99.5}],
                     delivery_price=-1)
    twin.place_order(products=[], name="", phone="", email="")
    first, second = (shop_order(o) for o in next(connector.list_orders(**WINDOW)))
    assert first.created_at == START and first.currency == "UAH" and first.status == "new"
    assert first.customer.first_name == "Olena" and first.customer.last_name == "Kovalenko"
    assert [(x.sku, x.quantity, x.price) for x in first.lines] == [("A-7", 3, Decimal("99.5"))]
    assert [(s.method, s.total) for s in first.shipping] == [("Nova Poshta", Decimal("0"))]
    assert first.problems() == []
    assert second.problems() == ["no products", "no customer"]


def test_control_api(served, twin):
    created = httpx.post(f"{served.url}/_sandbox/cartum/orders", json={"status": 2})
    assert created.status_code == 201
    oid = created.json()[f.ORDER_ID]
    changed = httpx.put(f"{served.url}/_sandbox/cartum/orders/{oid}/status", json={"status": 3})
    assert changed.json()[f.STATUS] == 3
    assert httpx.post(f"{served.url}/_sandbox/cartum/expire-tokens").status_code == 204
