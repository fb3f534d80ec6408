"""What a merchant does in a webshop's back office, on a twin: the one control API every
webshop twin offers, so the loop tests, the conformance kit, the chaos tests and the demo drive
any webshop the same way.

Each webshop twin package has a ``merchant.py`` implementing :class:`ShopMerchant` over its
twin's state (in-process, no HTTP: it plays the merchant clicking in the admin). Line
quantities are keyed by the marketplace's line id (``OrderLine.line_id``) the connector stored
on the webshop line when it created the order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class CatalogItem:
    sku: str
    title: str
    price: Decimal
    stock: int = 100
    ean: str | None = None


@runtime_checkable
class ShopMerchant(Protocol):
    platform: str

    def stock_catalog(self, items: Iterable[CatalogItem]) -> None:
        """Create (or update) these products with their stock, as the shop's catalogue."""
        ...

    def orders_for(self, reference: str) -> list[str]:
        """Webshop ids of the orders carrying this hub reference (``platform:external_id``);
        more than one means a duplicate."""
        ...

    def ship(self, shop_id: str, code: str | None = None, carrier: str | None = None,
             lines: Mapping[str, int] | None = None) -> str:
        """Ship one parcel and return its fulfilment id. ``lines`` maps marketplace line ids to
        quantities (None: everything still open, which completes the order); ``code`` None ships
        without track & trace; ``carrier`` as the merchant would pick it (None: the platform's
        default or none)."""
        ...

    def add_tracking(self, shop_id: str, code: str, carrier: str | None = None) -> None:
        """Add a track & trace code to an order already completed without one."""
        ...

    def cancel(self, shop_id: str, lines: Mapping[str, int] | None = None) -> None:
        """Cancel the order (``lines`` None) or these quantities of its lines."""
        ...

    def lines(self, shop_id: str) -> dict[str, int]:
        """The order's lines as the shop holds them: marketplace line id -> quantity."""
        ...

    def marks(self, shop_id: str, text: str) -> int:
        """How many of the order's notes and refunds carry ``text`` (the hub tags each write
        it makes on an existing order, e.g. a return's key): 1 = written once."""
        ...

    def order_state(self, shop_id: str) -> str:
        """The platform's own status of the order, as its admin shows it (for assertions)."""
        ...

    def stock(self, sku: str) -> int | None:
        """The product's current stock (None: unknown SKU or not tracked)."""
        ...

    def reset(self) -> None:
        """Forget every order and product (between tests)."""
        ...
