"""The webshop conformance kit's fixtures: one served twin per registry row (rate limits on),
its connector over real HTTP and its merchant; every test ends with the twin's 429 count
checked (0: the connector honoured the platform's rate limit)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from ordersync.connectors.base import WebshopConnector
from ordersync.orders import Address, MarketplaceOrder, OrderLine
from ordersync.sandbox.common import ServedApp
from ordersync.sandbox.merchant import CatalogItem, ShopMerchant
from ordersync.sandbox.webshops import Webshop, names, webshop

CATALOG = (CatalogItem("KIT-MUG", "Kit mug", Decimal("12.50"), 40, "8712345678906"),
           CatalogItem("KIT-PLATE", "Kit plate", Decimal("7.25"), 30, "8712345678913"),
           CatalogItem("KIT-BOWL", "Kit bowl", Decimal("9.00"), 20, "8712345678920"))
_ids = itertools.count(1)


@dataclass
class Kit:
    """One webshop under test: its row, served twin, connector and merchant."""

    row: Webshop
    twin: Any
    url: str
    merchant: ShopMerchant
    connector: WebshopConnector
    allow_429: bool = False  # a test that injects 429s itself
    _extra: list[WebshopConnector] = field(default_factory=list)

    @property
    def platform(self) -> str:
        return self.row.platform

    def new_connector(self, **kw: Any) -> WebshopConnector:
        connector = self.row.connector(self.url, True, **kw)
        self._extra.append(connector)
        return connector

    def order(self, lines: tuple[tuple[str, int], ...] = (("KIT-MUG", 2), ("KIT-PLATE", 1)),
              *, platform: str = "bolcom") -> MarketplaceOrder:
        """A new marketplace order (unique id) of catalogue SKUs."""
        external_id = f"KIT{next(_ids):06d}"
        items = {c.sku: c for c in CATALOG}
        return MarketplaceOrder(
            platform=platform, account="kit", external_id=external_id,
            placed_at=datetime.now(UTC) - timedelta(minutes=5), currency="EUR",
            lines=tuple(OrderLine(line_id=f"{external_id}-{n}", quantity=qty,
                                  unit_price=items[sku].price, sku=sku, ean=items[sku].ean,
                                  title=items[sku].title)
                        for n, (sku, qty) in enumerate(lines, start=1)),
            shipping_address=Address(first_name="Anna", last_name="de Vries",
                                     street="Kerkstraat", house_number="12",
                                     postal_code="1017 GA", city="Amsterdam", country="NL",
                                     email="anna@example.nl", phone="+31612345678"),
        )

    def create(self, order: MarketplaceOrder | None = None) -> tuple[MarketplaceOrder, str]:
        order = order or self.order()
        return order, self.connector.create_order(order)

    def throttled(self) -> int:
        return sum(self.twin.controls.throttled.values())


@pytest.fixture(scope="package", params=names())
def served(request) -> Iterator[tuple[Webshop, Any, str]]:
    row = webshop(request.param)
    twin = row.twin(True)
    with ServedApp(twin.app) as app:
        yield row, twin, app.url


@pytest.fixture
def kit(served) -> Iterator[Kit]:
    row, twin, url = served
    twin.reset()
    twin.controls.clear()
    merchant = row.merchant(twin)
    merchant.stock_catalog(CATALOG)
    kit = Kit(row, twin, url, merchant, row.connector(url, True))
    yield kit
    for connector in (kit.connector, *kit._extra):
        connector.close()
    if not kit.allow_429:
        assert kit.throttled() == 0, (f"{row.platform} answered 429: the connector did not "
                                      f"honour the rate limit ({twin.controls.stats()})")
