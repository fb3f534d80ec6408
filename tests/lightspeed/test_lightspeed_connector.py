"""The connector over the served twin: the checkout create, its uncertain steps, the three
windows honoured from the headers, and the requests an order and an idle poll cost."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from ordersync.connectors.lightspeed import LightspeedConnector
from ordersync.connectors.lightspeed.limits import WINDOWS
from ordersync.http import RateLimiter, UncertainWrite, ValidationError
from ordersync.orders import Address, MarketplaceOrder, OrderLine
from ordersync.sandbox.common import Fault, ServedApp
from ordersync.sandbox.lightspeed import LightspeedTwin
from ordersync.sandbox.lightspeed.merchant import LightspeedMerchant
from ordersync.sandbox.lightspeed.windows import RateWindows
from tests.lightspeed.conftest import CATALOG, KEY, SECRET


def order(external_id: str, lines=(("LS-MUG", 2), ("LS-PLATE", 1))) -> MarketplaceOrder:
    return MarketplaceOrder(
        platform="bolcom", account="t", external_id=external_id,
        placed_at=datetime.now(UTC), currency="EUR",
        lines=tuple(OrderLine(line_id=f"{external_id}-{n}", quantity=q, unit_price=Decimal("5"),
                              sku=sku, title=sku) for n, (sku, q) in enumerate(lines)),
        shipping_address=Address(first_name="A", last_name="B", street="Dam", house_number="1",
                                 postal_code="1012 JS", city="Amsterdam", country="NL"))


def since() -> datetime:
    return datetime.now(UTC) - timedelta(minutes=1)


def test_create_takes_stock_and_carries_the_reference(connector, twin):
    shop_id = connector.create_order(order("C1"))
    merchant = LightspeedMerchant(twin)
    assert merchant.orders_for("bolcom:C1") == [shop_id]
    assert (merchant.stock("LS-MUG"), merchant.stock("LS-PLATE")) == (38, 29)
    assert twin.get(shop_id)["checkout"]["shipping_address"]["city"] == "Amsterdam"


def test_an_unknown_sku_is_refused_before_any_checkout(connector, twin):
    with pytest.raises(ValidationError, match="NOPE"):
        connector.create_order(order("C2", (("NOPE", 1),)))
    assert twin.store.checkouts == {}


def test_a_line_cut_off_is_uncertain_and_the_retry_starts_a_new_checkout(connector, twin):
    """A line answered 5xx may be in the checkout: it is never re-sent into it (that would
    double it); the lookup finds no order, and the retry builds a fresh checkout."""
    start = since()
    twin.controls.faults.append(Fault(method="POST", path=re.compile(r"/checkouts/\d+/products"),
                                      status=502, after_handling=True))
    with pytest.raises(UncertainWrite):
        connector.create_order(order("C3"))
    assert connector.find_order(order("C3"), start) is None
    shop_id = connector.create_order(order("C3"))
    assert LightspeedMerchant(twin).orders_for("bolcom:C3") == [shop_id]
    assert len(twin.store.checkouts) == 2
    assert [p["quantityOrdered"] for p in twin.store.order_products[int(shop_id)]] == [2, 1]


def test_every_window_is_honoured_from_the_headers():
    """The twin allows 5 requests per 5 minutes; the connector reads Remaining/Reset and
    waits for the window to reset instead of getting a 429."""
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    twin = LightspeedTwin({KEY: SECRET}, windows=RateWindows((5, 50, 500), clock=lambda: now[0]))
    LightspeedMerchant(twin).stock_catalog(CATALOG)
    limiter = RateLimiter(100, 100, clock=lambda: now[0], sleep=sleep)
    with ServedApp(twin.app) as app, LightspeedConnector(
            cluster_url=app.url, language="nl", api_key=KEY, api_secret=SECRET,
            limiter=limiter, sleep=sleep) as conn:
        shop_id = conn.create_order(order("W1"))
        for _ in range(6):
            conn.get_order(shop_id)
    assert sum(twin.controls.throttled.values()) == 0
    assert now[0] >= 2 * 300  # 12 requests at 5 a window: two waits for a reset


def test_requests_per_order_and_per_idle_poll(connector, twin, capsys):
    """The figures the README gives against the documented windows."""
    merchant = LightspeedMerchant(twin)
    twin.controls.clear()
    shop_id = connector.create_order(order("R1"))
    create = sum(twin.controls.requests.values())
    twin.controls.clear()
    list(connector.changed_orders(datetime.now(UTC) + timedelta(seconds=2)))
    idle = sum(twin.controls.requests.values())
    merchant.ship(shop_id, "3SABC1234567", "PostNL")
    twin.controls.clear()
    states = [s for page in connector.changed_orders(since()) for s in page]
    shipped = sum(twin.controls.requests.values())
    assert [s.tracking[0].company for s in states] == ["PostNL"]
    assert (create, idle, shipped) == (6, 1, 3)  # 2 SKU lookups + checkout + 2 lines + order
    five_min = WINDOWS[0]
    with capsys.disabled():
        print(f"\nLIGHTSPEED requests: create (2 lines) {create}, idle poll {idle}, poll with "
              f"one shipped order {shipped}; at {five_min.limit}/5 min about "
              f"{five_min.limit // (create + shipped)} orders per 5 minutes; at 300/5 min "
              f"{300 // (create + shipped)}")
