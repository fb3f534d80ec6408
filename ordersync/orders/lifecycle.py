"""What a webshop's view of an order means for the hub's status (pure decisions)."""

from __future__ import annotations

from dataclasses import dataclass

from ordersync.orders.model import Tracking, WebshopOrderState
from ordersync.orders.status import OrderStatus

S = OrderStatus
_ACTIVE = frozenset({S.NOT_SHIPPED, S.CANCELLATION_REQUEST, S.PARTIAL})

WEBSHOP_STATE_MOVES = _ACTIVE | {S.WAITING}
"""The statuses in which an order's webshop state can still change it (here, and through its
parcels); in every other the hub reads the webshop's state and leaves the order as it is, so the
webshop poll need not load those orders at all."""


@dataclass(frozen=True, slots=True)
class Change:
    status: OrderStatus
    tracking: Tracking | None = None
    reason: str = ""


def on_webshop_state(current: OrderStatus, state: WebshopOrderState) -> Change | None:
    """The status an order moves to given its webshop state, or None to leave it.

    Completed with a track & trace code -> shipped; completed without -> waiting (until a code
    arrives or the wait runs out); cancelled in the webshop -> cancelled. A state with values
    the hub cannot use (``invalid``) puts only this order in error, unless it is cancelled.
    """
    if state.invalid and not state.cancelled and (current in _ACTIVE or current == S.WAITING):
        return Change(S.ERROR, reason=f"the webshop's values cannot be used: {state.invalid}")
    tracking = state.tracking[0] if state.tracking else None
    if current in _ACTIVE:
        if state.cancelled:
            return Change(S.CANCELLED, reason="cancelled in the webshop")
        if state.completed and tracking is not None:
            return Change(S.SHIPPED, tracking, "completed with track & trace")
        if state.completed:
            return Change(S.WAITING, reason="completed without track & trace")
    elif current == S.WAITING:
        if tracking is not None:
            return Change(S.SHIPPED, tracking, "track & trace added")
        if state.cancelled:
            return Change(S.CANCELLED, reason="cancelled in the webshop")
    return None
