"""What the flows expect of a marketplace and of a webshop connector.

A connector owns one platform's HTTP client and its JSON <-> domain mapping; it never touches
the store and never imports Prefect. Adding a platform = one package here implementing one of
these protocols, one sandbox twin, one credentials block, rows in the conformance tests.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from datetime import datetime
from typing import Protocol, runtime_checkable

from ordersync.orders import (
    MarketplaceOrder,
    OrderBatch,
    ProcessResult,
    Shipment,
    WebshopOrderState,
    WriteReceipt,
)

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
