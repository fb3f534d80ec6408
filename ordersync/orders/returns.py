"""Returns: what a buyer sends back, as the hub models it (no I/O).

A marketplace return is imported item by item (bol.com: one RMA per returned order item);
each is registered in the webshop per the connection's ``returns`` setting and handled on the
marketplace. An order with any quantity returned is ``returned``; how much of each line came
back is kept per return (``returned_lines``), so a partially returned order shows as
``returned`` with "1 of 3 items returned" in its event log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from ordersync.orders.model import OrderLine, Quarantined


class ReturnMode(StrEnum):
    """What the hub does in the webshop with an imported return (connection setting)."""

    REGISTER = "register"  # an order note only: no money, no stock
    RESTOCK = "restock"  # the items go back into stock, nothing is refunded
    REFUND = "refund"  # refund the returned items and restock them


class HandlingResult(StrEnum):
    """bol.com's ReturnRequest.handlingResult values the hub sends."""

    RETURN_RECEIVED = "RETURN_RECEIVED"


@dataclass(frozen=True, slots=True)
class MarketplaceReturn:
    """One returned item of one order, as read from the marketplace.

    ``rma_id`` is the unit the marketplace handles; ``line_id`` the order item when the
    marketplace says it (bol.com v10 does not: its return items carry the order id and the
    EAN, so the hub links the line by EAN)."""

    platform: str
    account: str
    rma_id: str
    return_id: str
    order_id: str
    quantity: int
    reason: str
    registered_at: datetime
    handled: bool = False
    ean: str | None = None
    line_id: str | None = None
    detailed_reason: str | None = None
    comments: str | None = None
    handling_result: str | None = None  # what the marketplace recorded, when handled

    @property
    def key(self) -> str:
        return return_key(self.platform, self.rma_id)

    @property
    def reason_text(self) -> str:
        parts = [self.reason, self.detailed_reason, self.comments]
        return " / ".join(p for p in parts if p)


@dataclass(frozen=True, slots=True)
class ReturnsPage:
    """One page of a marketplace's returns: the usable items and the ones set aside."""

    returns: tuple[MarketplaceReturn, ...] = ()
    rejected: tuple[Quarantined, ...] = ()


@dataclass(frozen=True, slots=True)
class ReturnLine:
    """A returned quantity of one order line, as the webshop write needs it."""

    line_id: str  # the marketplace's order-item id (kept on the webshop line)
    quantity: int
    unit_price: Decimal
    sku: str | None = None
    position: int = 0  # the line's index in the order (webshops keep the hub's line order)

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True, slots=True)
class ReturnRegistration:
    """One webshop write for one return: a note, a restock, or a refund with restock."""

    key: str  # MarketplaceReturn.key; the webshop object carries it
    mode: ReturnMode
    lines: tuple[ReturnLine, ...]
    note: str
    currency: str | None = None

    @property
    def amount(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0"))


def match_line(lines: Iterable[OrderLine], *, line_id: str | None,
               ean: str | None) -> tuple[int, OrderLine] | None:
    """The order line a returned item belongs to: by order-item id, else by EAN."""
    indexed = list(enumerate(lines))
    for i, line in indexed:
        if line_id and line.line_id == line_id:
            return i, line
    for i, line in indexed:
        if ean and line.ean == ean:
            return i, line
    return None


def return_key(platform: str, rma_id: str) -> str:
    """The tag every webshop write for a return carries (the lookup before a retry)."""
    return f"ordersync-return {platform}:{rma_id}"


def return_note(*, platform: str, rma_id: str, return_id: str, quantity: int,
                what: str | None, reason: str | None, mode: ReturnMode) -> str:
    """The text the webshop shows for a return (order note, refund reason)."""
    action = {ReturnMode.REGISTER: "registered", ReturnMode.RESTOCK: "restocked",
              ReturnMode.REFUND: "refunded and restocked"}[mode]
    return (f"Return {return_id} on {platform}: {quantity} x {what or 'item'} {action}. "
            f"Reason: {reason or 'not given'}. [{return_key(platform, rma_id)}]")


def returned_summary(ordered: Mapping[str, int], returned: Mapping[str, int]) -> tuple[bool, str]:
    """(fully returned?, "2 of 3 items returned") from per-line ordered/returned quantities."""
    total = sum(ordered.values())
    back = sum(min(returned.get(line, 0), qty) for line, qty in ordered.items())
    full = total > 0 and back >= total
    return full, f"{back} of {total} item{'s' if total != 1 else ''} returned"
