"""Helpers for the Shopify tests: the token, a fake clock, a marketplace order builder."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from ordersync.orders import Address, MarketplaceOrder, OrderLine

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
