"""Fixtures: a Shopify twin served on a free port, a fake clock, connectors against it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ordersync.connectors.shopify import ShopifyConnector
from ordersync.orders import Address, MarketplaceOrder, OrderLine
from ordersync.sandbox.common import ServedApp
from ordersync.sandbox.shopify import ShopifyTwin

TOKEN = "shpat_0123456789abcdef_secret"
START = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


class FakeClock:
    """Epoch seconds that only move when told; ``sleep`` advances it (a hair more than asked,
    as a real sleep never returns early)."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start.timestamp()
        self.slept = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def sleep(self, seconds: float) -> None:
        self.slept += seconds
        self.now += seconds + 1e-6

    def datetime(self) -> datetime:
        return datetime.fromtimestamp(self.now, tz=UTC)


def make_order(external_id: str = "1001", *, platform: str = "bolcom", lines: int = 2,
               **kw) -> MarketplaceOrder:
    base = dict(
        platform=platform, account="shop-nl", external_id=external_id, placed_at=START,
        currency="EUR",
        lines=tuple(
            OrderLine(line_id=f"{external_id}-{i}", quantity=i + 1, unit_price=Decimal("9.95"),
                      sku=f"SKU-{i}", ean=f"871000000000{i}", title=f"Item {i}")
            for i in range(lines)
        ),
        shipping_address=Address(
            first_name="Anna", last_name="de Vries", company="Vries BV", street="Kerkstraat",
            house_number="12", house_number_extension="B", extra_address_info="3rd floor",
            postal_code="1017 GA", city="Amsterdam", country="NL", email="anna@example.nl",
            phone="+31612345678",
        ),
        billing_address=Address(
            first_name="Piet", last_name="de Vries", street="Dorpsweg", house_number="3",
            postal_code="3511 AB", city="Utrecht", country="NL", email="piet@example.nl",
        ),
    )
    base.update(kw)
    return MarketplaceOrder(**base)


@pytest.fixture(scope="module")
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="module")
def twin(clock: FakeClock) -> ShopifyTwin:
    return ShopifyTwin(access_tokens={TOKEN}, rate_limits=False, clock=clock)


@pytest.fixture(scope="module")
def served(twin: ShopifyTwin) -> Iterator[ServedApp]:
    app = ServedApp(twin.app).start()
    yield app
    app.stop()


@pytest.fixture(autouse=True)
def _fresh(request) -> None:
    """Every test starts from an empty shop (when it uses the module's twin)."""
    if "twin" in request.fixturenames:
        twin = request.getfixturevalue("twin")
        twin.reset()
        twin.controls.faults.clear()
        twin.controls.requests.clear()
        twin.controls.throttled.clear()
        twin.controls.rate_limits = False


@pytest.fixture
def connector(served: ServedApp) -> Iterator[ShopifyConnector]:
    conn = ShopifyConnector(
        shop="sandbox", access_token=TOKEN, base_url=served.url, rate_limits=False,
        sleep=lambda seconds: None,
    )
    yield conn
    conn.close()
