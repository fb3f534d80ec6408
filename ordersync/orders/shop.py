"""A webshop's *own* orders, as the hub imports them (PRODUCT.md section 3).

Neutral across Shopify, WooCommerce and Cartum: a connector maps its platform's JSON into these
and the import rules (customers, products, categories, delivery comments, skip rules) work on
them alone. Pure data, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from ordersync.orders.model import Address


@dataclass(frozen=True, slots=True)
class ShopCustomer:
    first_name: str | None
    last_name: str | None
    phone: str | None
    email: str | None
    address: Address | None = None  # Shopify transfers the customer's address


@dataclass(frozen=True, slots=True)
class ShopLine:
    product_id: str | None
    sku: str | None
    name: str
    quantity: int
    price: Decimal  # unit price after line discounts
    line_id: str | None = None  # the platform's line-item id, to follow quantity changes


@dataclass(frozen=True, slots=True)
class ShopShipping:
    method: str  # the carrier / shipping method name as the shop shows it
    total: Decimal


@dataclass(frozen=True, slots=True)
class ShopOrder:
    """A webshop's own order, neutral enough for the hub's import."""

    id: str
    number: str
    created_at: datetime
    status: str  # the platform's status, normalised by its connector (see ShopOrderSource)
    currency: str
    total: Decimal
    customer: ShopCustomer | None
    lines: tuple[ShopLine, ...]
    shipping: tuple[ShopShipping, ...]
    shipping_address: Address | None
    updated_at: datetime | None = None
    hub_reference: str | None = None
    """Set when the hub itself created this order in the shop for a marketplace order (its
    reference, e.g. ``bolcom:123``): such orders are the marketplace's, never imported."""

    def problems(self) -> list[str]:
        """Why the order cannot be imported under the strict rules (WooCommerce's);
        empty when it can."""
        found = []
        if not self.lines:
            found.append("no products")
        if self.customer is None:
            found.append("no customer")
        elif not (self.customer.email or self.customer.phone):
            found.append("customer without e-mail and phone")
        return found


@dataclass(frozen=True, slots=True)
class ShopProduct:
    """A product as its webshop describes it; ``category`` is the path from the top category
    to the one the hub files it under (the platform's category rules already applied)."""

    id: str
    sku: str | None
    name: str
    description: str | None = None
    category: tuple[str, ...] = ()
