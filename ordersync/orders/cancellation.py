"""What a marketplace cancellation means for an order (pure decisions, no I/O).

A marketplace (or its buyer) cancels a known order wholly or line by line
(``MarketplaceCancellation``). Before the merchant ships, the hub cancels the same in the
webshop (stock back) through ``pending_cancellation``; once the order shipped (in the webshop
or on the marketplace) it can no longer be undone by the hub and becomes ``manual``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ordersync.orders.model import MarketplaceCancellation, OrderLine, WebshopOrderState
from ordersync.orders.status import OrderStatus

S = OrderStatus
CANCELLABLE = frozenset({S.NOT_SHIPPED, S.CANCELLATION_REQUEST, S.PARTIAL})
TOO_LATE = frozenset({S.WAITING, S.SHIPPED})
REQUESTED_BY_CUSTOMER = "REQUESTED_BY_CUSTOMER"  # bol.com's reasonCode for an accepted request


@dataclass(frozen=True, slots=True)
class Decision:
    """What the import does with a cancellation of a known order."""

    status: OrderStatus  # pending_cancellation, or manual when it is too late
    cut: dict[str, int]  # line id -> quantity to cancel
    whole: bool
    reason: str
    lapsed: bool = False  # only the buyer asked, and it shipped: nothing changes


def cut_of(lines: Sequence[OrderLine], cancellation: MarketplaceCancellation) -> dict[str, int]:
    """Line id -> quantity to cancel: what the hub's lines hold beyond what the buyer still
    gets. Lines the hub does not know, or not reduced, are left out."""
    have = {line.line_id: line.quantity for line in lines}
    if cancellation.whole:
        return {line_id: quantity for line_id, quantity in have.items() if quantity > 0}
    cut: dict[str, int] = {}
    for line_id, left in cancellation.remaining:
        quantity = have.get(line_id)
        if quantity is not None and max(left, 0) < quantity:
            cut[line_id] = quantity - max(left, 0)
    return cut


def cancels_whole(lines: Sequence[OrderLine], cut: Mapping[str, int]) -> bool:
    return bool(lines) and all(cut.get(line.line_id, 0) >= line.quantity for line in lines)


def on_marketplace_cancellation(status: OrderStatus, lines: Sequence[OrderLine],
                                cancellation: MarketplaceCancellation) -> Decision | None:
    """The status a known order moves to, or None when there is nothing to do (nothing new
    to cancel, already cancelled or manual, pending orders - Amazon's fraud cancellation has
    its own path - or in error)."""
    cut = cut_of(lines, cancellation)
    if not cut:
        return None
    whole = cancels_whole(lines, cut)
    who = "the buyer asked to cancel" if cancellation.requested else "cancelled on the marketplace"
    what = "the order" if whole else "line(s) " + ", ".join(
        f"{line_id} x{quantity}" for line_id, quantity in sorted(cut.items()))
    note = f" ({cancellation.reason})" if cancellation.reason else ""
    if status in CANCELLABLE or status == S.PENDING_CANCELLATION:
        return Decision(S.PENDING_CANCELLATION, cut, whole,
                        f"{who}: {what}{note}; cancelling it in the webshop")
    if status in TOO_LATE and cancellation.requested:  # it ships; the request lapses
        return Decision(status, cut, whole, lapsed(status, what, note), lapsed=True)
    if status in TOO_LATE:
        return Decision(S.MANUAL, cut, whole, too_late(status, who, what, note))
    return None


def too_late(status: OrderStatus | str, who: str, what: str, note: str) -> str:
    """The reason a merchant reads when the marketplace cancelled an order that shipped."""
    return (f"{who}: {what}{note}, but it was already {status} in the webshop; the hub cannot "
            f"undo a shipment: stop or recall the parcel and refund the buyer")


def lapsed(status: OrderStatus | str, what: str, note: str) -> str:
    """A buyer's request for an order the merchant shipped first: it is not cancelled."""
    return (f"the buyer asked to cancel {what}{note}, but it was already {status} in the "
            f"webshop: the shipment goes to the marketplace and the request lapses")


def webshop_outcome(state: WebshopOrderState, cut: Mapping[str, int], whole: bool,
                    baseline: Mapping[str, int] | None) -> str:
    """``done`` (the webshop already shows the cancellation: an earlier attempt got through),
    ``shipped`` (too late: the merchant shipped it) or ``cancel`` (write it now)."""
    if whole:
        if state.cancelled:
            return "done"
        return "shipped" if _shipped(state) else "cancel"
    if state.cancelled:
        return "done"
    if baseline is not None:
        cancelled = cancelled_quantities(state)
        if all(cancelled.get(k, 0) >= baseline.get(k, 0) + q for k, q in cut.items()):
            return "done"
    if state.completed or any(
            not p.lines or any(pl.line_id in cut for pl in p.lines) for p in state.parcels):
        return "shipped"
    return "cancel"


def _shipped(state: WebshopOrderState) -> bool:
    return state.completed or bool(state.parcels) or bool(state.tracking)


def cancelled_quantities(state: WebshopOrderState) -> dict[str, int]:
    """The webshop's cancelled quantity per marketplace line (the baseline of a line cancel)."""
    found: dict[str, int] = {}
    for line in state.cancelled_lines:
        found[line.line_id] = found.get(line.line_id, 0) + line.quantity
    return found
