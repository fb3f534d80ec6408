"""Builders of domain objects for tests."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from ordersync.orders import Address, MarketplaceOrder, OrderBatch, OrderLine, Quarantined

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def address(**kw) -> Address:
    base = dict(
        first_name="Anna",
        last_name="de Vries",
        street="Kerkstraat",
        house_number="12",
        postal_code="1017 GA",
        city="Amsterdam",
        country="NL",
        email="anna@example.nl",
    )
    base.update(kw)
    return Address(**base)


def order(
    external_id: str = "1001",
    *,
    lines: int = 1,
    account: str = "acc",
    platform: str = "bolcom",
    **kw,
) -> MarketplaceOrder:
    base = dict(
        platform=platform,
        account=account,
        external_id=external_id,
        placed_at=NOW,
        currency="EUR",
        lines=tuple(
            OrderLine(
                line_id=f"{external_id}-{i}",
                quantity=i + 1,
                unit_price=Decimal("9.95"),
                sku=f"SKU-{i}",
                ean=f"871000000000{i}",
                title=f"Item {i}",
            )
            for i in range(lines)
        ),
        shipping_address=address(),
    )
    base.update(kw)
    return MarketplaceOrder(**base)


def batch(
    *orders: MarketplaceOrder,
    rejected: tuple[Quarantined, ...] = (),
    cancellation_requests: tuple[str, ...] = (),
) -> OrderBatch:
    return OrderBatch(tuple(orders), rejected, cancellation_requests)
