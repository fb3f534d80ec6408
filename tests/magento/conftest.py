"""Fixtures: a Magento twin served on a free port, its merchant, a connector, and orders."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ordersync.connectors.magento import MagentoConnector
from ordersync.orders import Address, MarketplaceOrder, OrderLine
from ordersync.sandbox.common import ServedApp
from ordersync.sandbox.magento import MagentoTwin
from ordersync.sandbox.magento.merchant import MagentoMerchant
from ordersync.sandbox.merchant import CatalogItem

TOKEN = "mage-test-token"
SKUS = ("MUG-350", "PLATE-22")


class Clock:
    """The twin's clock: real time plus what a test added."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def now(self) -> datetime:
        return datetime.fromtimestamp(self(), UTC)


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def twin(clock: Clock) -> MagentoTwin:
    return MagentoTwin(TOKEN, clock=clock)


@pytest.fixture(scope="module")
def served(twin: MagentoTwin) -> Iterator[ServedApp]:
    app = ServedApp(twin.app).start()
    yield app
    app.stop()


@pytest.fixture
def merchant(twin: MagentoTwin) -> MagentoMerchant:
    return MagentoMerchant(twin)


@pytest.fixture(autouse=True)
def _fresh(request) -> None:
    if "twin" in request.fixturenames:
        twin = request.getfixturevalue("twin")
        twin.reset()
        twin.controls.clear()
        MagentoMerchant(twin).stock_catalog(
            [CatalogItem("MUG-350", "Mug", Decimal("12.50"), 20),
             CatalogItem("PLATE-22", "Plate", Decimal("7.25"), 5)])


@pytest.fixture
def connector(served: ServedApp) -> Iterator[MagentoConnector]:
    conn = MagentoConnector(base_url=served.url, access_token=TOKEN, sleep=lambda s: None)
    yield conn
    conn.close()


def marketplace_order(external_id: str = "1043965710", *, skus=SKUS,
                      platform: str = "bolcom") -> MarketplaceOrder:
    lines = tuple(OrderLine(line_id=f"{external_id}-{i}", quantity=2 if i == 0 else 1,
                            unit_price=Decimal("12.50") if i == 0 else Decimal("7.25"), sku=sku,
                            title=sku.title())
                  for i, sku in enumerate(skus))
    address = Address(first_name="Jan", last_name="Jansen", street="Dorpsstraat",
                      house_number="12", house_number_extension="B", postal_code="1234AB",
                      city="Utrecht", country="NL", email="jan@example.nl")
    return MarketplaceOrder(platform=platform, account="sandbox", external_id=external_id,
                            placed_at=datetime(2026, 11, 20, 12, tzinfo=UTC), currency="EUR",
                            lines=lines, shipping_address=address)
