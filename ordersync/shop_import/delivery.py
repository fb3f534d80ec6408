"""Delivery details of a shop order as the comment the hub puts in its event feed."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal

from ordersync.orders import Address
from ordersync.orders.shop import ShopOrder


@dataclass(frozen=True, slots=True)
class Delivery:
    carrier: str | None
    cost: Decimal
    currency: str
    recipient: str | None

    @property
    def comment(self) -> str:
        parts = [f"carrier: {self.carrier or 'not specified'}",
                 f"delivery cost: {self.cost:.2f} {self.currency}".rstrip(),
                 f"recipient: {self.recipient or 'not specified'}"]
        return "Delivery details - " + "; ".join(parts)

    @property
    def fingerprint(self) -> str:
        """Stable across processes: a new comment is added only when this changes."""
        data = [self.carrier, f"{self.cost:.2f}", self.currency, self.recipient]
        return hashlib.sha256(json.dumps(data).encode()).hexdigest()[:32]


def recipient(address: Address | None) -> str | None:
    """One line: name, company, street, postal code and city, country."""
    if address is None:
        return None
    name = " ".join(p for p in (address.first_name, address.last_name) if p)
    town = " ".join(p for p in (address.postal_code, address.city) if p)
    parts = [name, address.company, address.address1, address.extra_address_info, town,
             address.country]
    text = ", ".join(p for p in parts if p)
    return text or None


def delivery_of(order: ShopOrder) -> Delivery | None:
    """The order's delivery details, or None when it has none at all."""
    if not order.shipping and order.shipping_address is None:
        return None
    methods = [s.method.strip() for s in order.shipping if s.method and s.method.strip()]
    cost = sum((s.total for s in order.shipping), Decimal("0"))
    return Delivery(carrier=" + ".join(dict.fromkeys(methods)) or None, cost=cost,
                    currency=order.currency, recipient=recipient(order.shipping_address))
