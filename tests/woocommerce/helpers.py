"""Helpers for the WooCommerce tests: keys, a fake clock, a marketplace order builder."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from ordersync.connectors.woocommerce.auth import WooAuth
from ordersync.orders import Address, MarketplaceOrder, OrderLine

KEY, SECRET = "ck_0123456789abcdef", "cs_secret_fedcba9876543210"
START = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


class FakeClock:
    """Epoch seconds that move only when told."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start.timestamp()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def datetime(self) -> datetime:
        return datetime.fromtimestamp(self.now, tz=UTC)


def make_order(external_id: str = "1001", skus: tuple[str, ...] = ("SKU-0", "SKU-1"),
               **kw) -> MarketplaceOrder:
    base = dict(
        platform="bolcom", account="shop-nl", external_id=external_id, placed_at=START,
        currency="EUR",
        lines=tuple(OrderLine(line_id=f"{external_id}-{i}", quantity=i + 1,
                              unit_price=Decimal("9.95"), sku=sku, title=f"Item {i}")
                    for i, sku in enumerate(skus)),
        shipping_address=Address(
            first_name="Anna", last_name="de Vries", company="Vries BV", street="Kerkstraat",
            house_number="12", house_number_extension="B", extra_address_info="3rd floor",
            postal_code="1017 GA", city="Amsterdam", country="NL", email="anna@example.nl",
            phone="+31612345678"),
    )
    base.update(kw)
    return MarketplaceOrder(**base)


def shopper_order(product_ids: list[int], status: str = "processing", **kw) -> dict:
    """A control-API body for an order a shopper placed."""
    body = {
        "status": status,
        "line_items": [{"product_id": pid, "quantity": 2} for pid in product_ids],
        "billing": {"first_name": "Jan", "last_name": "Smit", "email": "jan@example.nl",
                    "phone": "+31600000001", "address_1": "Dorpsweg 3", "city": "Utrecht",
                    "postcode": "3511 AB", "country": "NL"},
        "shipping": {"first_name": "Jan", "last_name": "Smit", "address_1": "Dorpsweg 3",
                     "city": "Utrecht", "postcode": "3511 AB", "country": "NL"},
        "shipping_lines": [{"method_id": "flat_rate", "method_title": "PostNL", "total": "4.95"}],
    }
    body.update(kw)
    return body


def signed(twin) -> WooAuth:
    """The connector's auth for raw requests to a served twin (OAuth over http, the twin's
    clock for the timestamp)."""
    return WooAuth(KEY, SECRET, clock=twin.store.clock)
