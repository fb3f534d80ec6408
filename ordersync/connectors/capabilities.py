"""What a connector can do beyond ``base.py``'s core protocols, as runtime-checkable protocols.

The loop and the stock sync pick their code path by what a connector *implements*, never by its
platform string: a new platform gets a path by implementing one of these, and a connector that
implements none fails fast with :func:`require`'s message naming what it lacks.

- :class:`StockReader`: a webshop that reports its stock per SKU (``ordersync.stock.model``'s
  ``StockSource``).
- :class:`ListingQuantityWriter`: a marketplace whose quantities are absolute per listing,
  patched one SKU at a time or in bulk feeds (Amazon Listings Items + JSON_LISTINGS_FEED).
- :class:`OfferStockWriter`: a marketplace whose stock is set per offer found through an offers
  export, each write an asynchronous process status (bol.com).
- :class:`LineCanceller`: a webshop that cancels single lines, stock given back (Shopify).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, Protocol, TypeVar, runtime_checkable

from ordersync.orders import ProcessResult, WriteReceipt
from ordersync.stock.model import Offer, StockSource

StockReader = StockSource
"""A webshop connector that reads its stock: ``read_stock() -> WebshopStock``."""


@runtime_checkable
class LineCanceller(Protocol):
    """A webshop connector that can cancel single lines (stock given back)."""

    def cancel_lines(self, webshop_id: str, lines: Mapping[str, int]) -> None:
        """Cancel these quantities per marketplace line id. Not idempotent: the caller looks
        the order's ``cancelled_lines`` up before a retry."""
        ...


@runtime_checkable
class ListingQuantityWriter(Protocol):
    """Absolute quantities per listing: PATCH one, or a feed for many (Amazon)."""

    platform: str
    account: str

    def set_quantity(self, sku: str, quantity: int) -> WriteReceipt: ...

    def listing_quantity(self, sku: str) -> int | None: ...

    def create_feed_document(self, quantities: Mapping[str, int]) -> str: ...

    def create_feed(self, document_id: str) -> str: ...

    def feeds_since(self, created_since: datetime) -> list[dict[str, Any]]: ...

    def feed(self, feed_id: str) -> dict[str, Any]: ...

    def feed_report(self, feed: Mapping[str, Any]) -> dict[str, Any] | None: ...


@runtime_checkable
class OfferStockWriter(Protocol):
    """Stock per offer, offers from an export, asynchronous process statuses (bol.com)."""

    platform: str
    account: str

    def request_offer_export(self) -> str: ...

    def offer_export_report(self, process_id: str) -> str | None: ...

    def offer_export(self, report_id: str) -> list[Offer]: ...

    def set_stock(self, offer_id: str, amount: int) -> str: ...

    def process_statuses(self, ids: Collection[str]) -> dict[str, ProcessResult]: ...

    def stock_processes(self, offer_id: str) -> list[dict[str, Any]]: ...


@runtime_checkable
class ProcessStatusReader(Protocol):
    """Many asynchronous writes' states in one request (bol.com's bulk process status)."""

    def process_statuses(self, ids: Collection[str]) -> dict[str, ProcessResult]: ...


class MissingCapability(TypeError):
    """A connector lacks what a step needs (a configuration error, not an order's)."""


P = TypeVar("P")


def lacking(connector: object, capability: type) -> list[str]:
    """The members of ``capability`` that ``connector`` does not have."""
    members = sorted({*getattr(capability, "__annotations__", {}),
                      *(n for n in vars(capability) if not n.startswith("_"))})
    return [name for name in members if not hasattr(connector, name)]


def require(connector: object, capability: type[P], purpose: str) -> P:
    """``connector`` as a ``capability``, or MissingCapability naming what it lacks."""
    if isinstance(connector, capability):
        return connector
    platform = getattr(connector, "platform", type(connector).__name__)
    missing = ", ".join(lacking(connector, capability)) or "(its protocol)"
    raise MissingCapability(f"{platform} cannot do {purpose}: its connector "
                            f"{type(connector).__name__} is not a {capability.__name__} "
                            f"(lacks {missing})")


def first_capable(connector: object, choices: Mapping[type, P], purpose: str) -> P:
    """The value for the first protocol in ``choices`` that ``connector`` implements."""
    for capability, value in choices.items():
        if isinstance(connector, capability):
            return value
    platform = getattr(connector, "platform", type(connector).__name__)
    wanted = " or ".join(c.__name__ for c in choices)
    lacks = "; ".join(f"{c.__name__} lacks {', '.join(lacking(connector, c))}"
                      for c in choices)
    raise MissingCapability(f"{platform} cannot do {purpose}: its connector "
                            f"{type(connector).__name__} is neither {wanted} ({lacks})")
