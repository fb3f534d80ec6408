"""Capability protocols for returns, next to ``base``'s connector protocols.

A marketplace that lists its buyers' returns and lets the seller handle them is a
``ReturnSource`` (bol.com); a webshop that can record a return on an order is a
``ReturnRegistrar`` (Shopify, WooCommerce). The returns step checks for these with
``isinstance`` and leaves connectors without them alone.

Amazon is no ``ReturnSource``: the SP-API models stored with the project (Orders v0, Feeds,
Listings Items, Tokens) have no returns operation. Amazon reports returns only as reports
(Reports API 2021-06-30, report types ``GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE`` and
``GET_XML_RETURNS_DATA_BY_RETURN_DATE``), and the seller authorises and refunds returns in
Seller Central (Orders > Manage Returns), where a refund is issued per order; there is no
API call to "handle" a return. A merchant on Amazon registers returns in the webshop by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, runtime_checkable

from ordersync.orders import ProcessResult, WriteReceipt
from ordersync.orders.returns import ReturnRegistration, ReturnsPage


@runtime_checkable
class ReturnSource(Protocol):
    platform: str
    account: str

    def fetch_returns(self, handled: bool) -> Iterator[ReturnsPage]:
        """The returns that are (not) handled yet, page by page."""
        ...

    def handle_return(self, rma_id: str, quantity: int, result: str) -> WriteReceipt:
        """Tell the marketplace the return was handled (asynchronous: ``done`` False and the
        process id). Not idempotent: a lost answer raises UncertainWrite."""
        ...

    def return_handling(self, rma_id: str, return_id: str) -> ProcessResult | None:
        """Reconciliation: "success" when the return is handled, "pending" (with the process
        id as ``message``) when a handling is under way, None when neither."""
        ...

    def process_status(self, ref: str) -> ProcessResult: ...


@runtime_checkable
class ReturnRegistrar(Protocol):
    platform: str
    account: str

    def register_return(self, webshop_id: str, registration: ReturnRegistration) -> str:
        """Record the return on the order (note, restock or refund per ``registration.mode``);
        the id of what was written. Not idempotent: reconcile with ``find_return``."""
        ...

    def find_return(self, webshop_id: str, registration: ReturnRegistration) -> str | None:
        """Reconciliation: the id of the note or refund carrying ``registration.key``."""
        ...
