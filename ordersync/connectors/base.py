"""What the flows expect of a marketplace and of a webshop connector.

A connector owns one platform's HTTP client and its JSON <-> domain mapping; it never touches
the store and never imports Prefect. Adding a platform = one package here implementing one of
these protocols, one sandbox twin, one credentials block, rows in the conformance tests.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from ordersync.orders import (
    MarketplaceOrder,
    OrderBatch,
    ProcessResult,
    Quarantined,
    Shipment,
    WebshopOrderState,
    WriteReceipt,
)
from ordersync.orders.shop import ShopOrder, ShopProduct

KnownFilter = Callable[[Collection[str]], set[str]]
"""Given external ids, returns those the hub already has (so details are fetched only once)."""


@runtime_checkable
class MarketplaceConnector(Protocol):
    platform: str
    account: str

    def fetch_open_orders(self, known: KnownFilter) -> Iterator[OrderBatch]:
        """Yield open orders page by page; full details only for ids ``known`` does not have."""
        ...

    def confirm_shipment(self, order_id: str, shipment: Shipment) -> WriteReceipt:
        """Tell the marketplace the lines shipped. Not idempotent on the platform side."""
        ...

    def is_shipped(self, order_id: str) -> bool:
        """Reconciliation: has every line of the order been confirmed as shipped?"""
        ...

    def cancel_order(self, order_id: str, line_ids: Collection[str], reason: str) -> WriteReceipt:
        """Cancel the lines on the marketplace (seller cancellation)."""
        ...

    def is_cancelled(self, order_id: str) -> bool:
        """Reconciliation: is every line of the order cancelled?"""
        ...

    def process_status(self, ref: str) -> ProcessResult:
        """State of an asynchronous write accepted earlier (``WriteReceipt.done`` False)."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class WebshopConnector(Protocol):
    platform: str
    account: str

    def create_order(self, order: MarketplaceOrder) -> str:
        """Create the order in the back office; returns the webshop's order id."""
        ...

    def find_order(self, order: MarketplaceOrder, created_after: datetime) -> str | None:
        """Reconciliation: the webshop id of an order created for ``order.reference`` at or
        after ``created_after``, or None."""
        ...

    def changed_orders(self, since: datetime) -> Iterator[list[WebshopOrderState]]:
        """Orders updated at or after ``since``, page by page."""
        ...

    def get_order(self, webshop_id: str) -> WebshopOrderState:
        """One order's current state."""
        ...

    def cancel_order(self, webshop_id: str) -> None:
        """Cancel the order in the back office (the marketplace cancelled it)."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class ShopOrderPage:
    """One page of a webshop's own orders. ``cursor`` resumes the listing right after this
    page (opaque, stable across processes: a crashed backfill restarts from the last cursor it
    committed); None on the last page. ``rejected`` holds payloads that could not be mapped."""

    orders: tuple[ShopOrder, ...]
    cursor: str | None
    rejected: tuple[Quarantined, ...] = ()


@runtime_checkable
class ShopOrderSource(Protocol):
    """A webshop whose own orders the hub imports (PRODUCT.md section 3).

    ``ShopOrder.status`` is normalised so that ``finished_statuses`` can be tested on it
    (Shopify: fulfilled, cancelled, refunded derived from fulfillment/financial status and
    cancelled_at; WooCommerce: its status slug; Cartum: its status name).
    """

    platform: str
    account: str
    finished_statuses: frozenset[str]
    """Statuses the initial backfill leaves out."""

    def order_pages(self, *, created_since: datetime, created_until: datetime | None = None,
                    cursor: str | None = None) -> Iterator[ShopOrderPage]:
        """Orders created in the window, oldest first, one page per request; from ``cursor``
        when given."""
        ...

    def updated_order_pages(self, *, updated_since: datetime,
                            cursor: str | None = None) -> Iterator[ShopOrderPage]:
        """Orders modified at or after ``updated_since`` (the ongoing import's poll)."""
        ...

    def products(self, ids: Collection[str]) -> dict[str, ShopProduct]:
        """The products with these platform ids (missing ids are left out)."""
        ...

    def shop_currency(self) -> str | None:
        """The shop's currency (ISO 4217), or None when the platform does not say; then the
        import checks ``ShopOrder.currency`` order by order."""
        ...

    def close(self) -> None: ...
