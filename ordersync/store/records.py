"""Read models the store hands to the sync steps (plain dataclasses, no ORM objects)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ordersync.orders import Address, MarketplaceOrder, OrderLine, OrderStatus
from ordersync.orders.model import ADDRESS_FIELDS


@dataclass(frozen=True, slots=True)
class OrderRecord:
    id: int
    platform: str
    account: str
    external_id: str
    status: OrderStatus
    error_reason: str | None
    currency: str | None
    total: Decimal | None
    placed_at: datetime | None
    test: bool
    lines: tuple[OrderLine, ...]
    shipping_address: Address | None
    billing_address: Address | None
    webshop_order_id: str | None
    waiting_since: datetime | None
    shipped_at: datetime | None
    tracking_number: str | None
    carrier: str | None
    carrier_code: str | None
    carrier_name: str | None
    marketplace_confirmed_at: datetime | None
    created_at: datetime
    updated_at: datetime

    def to_marketplace_order(self) -> MarketplaceOrder:
        if self.placed_at is None or self.currency is None or self.shipping_address is None:
            raise ValueError(f"order {self.external_id} is incomplete")
        return MarketplaceOrder(
            platform=self.platform,
            account=self.account,
            external_id=self.external_id,
            placed_at=self.placed_at,
            currency=self.currency,
            lines=self.lines,
            shipping_address=self.shipping_address,
            billing_address=self.billing_address,
            test=self.test,
        )


def address_to_json(address: Address | None) -> dict[str, Any] | None:
    if address is None:
        return None
    # the fields are plain text: no deep copy (dataclasses.asdict) needed
    return {k: v for k in ADDRESS_FIELDS if (v := getattr(address, k)) is not None}


def address_from_json(data: dict[str, Any] | None) -> Address | None:
    return None if data is None else Address(**data)
