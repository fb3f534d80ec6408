"""Shared builders for the Shopware tests."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from ordersync.connectors.shopware import ShopwareConnector
from ordersync.http import Unlimited
from ordersync.orders import Address, MarketplaceOrder, OrderLine
from ordersync.sandbox.merchant import CatalogItem

CLIENT_ID, SECRET = "SWIATESTKEY", "test-secret"
SKUS = ("MUG-350", "PLATE-22")
POSTNL, DHL = "3SABCD1234567", "JVGL0612345678901234"


def specs_dir() -> Path:
    """``$ORDERSYNC_SPECS`` or ../shared/specs next to the checkout."""
    root = os.environ.get("ORDERSYNC_SPECS")
    base = Path(root) if root else Path(__file__).resolve().parents[2].parent / "shared" / "specs"
    return base / "shopware6"


def catalog() -> list[CatalogItem]:
    return [CatalogItem("MUG-350", "Mug", Decimal("12.50"), 20),
            CatalogItem("PLATE-22", "Plate", Decimal("7.25"), 5)]


def connector(url: str, **kw: Any) -> ShopwareConnector:
    kw.setdefault("limiter", Unlimited())
    kw.setdefault("rate_limits", False)
    return ShopwareConnector(url=url, client_id=CLIENT_ID, client_secret=SECRET,
                             sleep=lambda s: None, **kw)


def order(external_id: str = "1001", *, platform: str = "bolcom", quantity: int = 2,
          placed: datetime | None = None, currency: str = "EUR",
          country: str = "NL", skus: tuple[str, ...] = SKUS) -> MarketplaceOrder:
    lines = tuple(OrderLine(f"{external_id}-{n}", quantity if n == 1 else 1,
                            Decimal("12.50") if n == 1 else Decimal("7.25"), sku=sku,
                            title=sku.title())
                  for n, sku in enumerate(skus, start=1))
    return MarketplaceOrder(
        platform=platform, account="sandbox", external_id=external_id,
        placed_at=placed or datetime.now(UTC) - timedelta(minutes=1), currency=currency,
        lines=lines,
        shipping_address=Address(first_name="Jan", last_name="Jansen", street="Kerkstraat",
                                 house_number="12", house_number_extension="B",
                                 postal_code="1017 GC", city="Amsterdam", country=country,
                                 email="jan@example.nl", phone="0612345678"))
