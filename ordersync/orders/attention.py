"""Orders that need the merchant: why, and what to do about it (pure, no I/O).

One table says, for every kind of problem an order can have, the reason in the merchant's words
and what to do. The flows use it for log lines, the "orders needing attention" artifact and the
text of alerts; nothing here knows Prefect or the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from ordersync.orders.status import ErrorReason, OrderStatus


class Problem(StrEnum):
    """Why an order needs the merchant, beyond its error reason."""

    ERROR = "error"  # see ErrorReason
    MANUAL = "manual"  # the marketplace cannot do it by API: the merchant does it by hand
    CARRIER_UNCLEAR = "carrier_unclear"  # shipped with the generic carrier code
    OVERDUE_WAITING = "overdue_waiting"  # completed without a code and still waiting
    OVERDUE_NOT_SHIPPED = "overdue_not_shipped"  # ordered long ago and not shipped yet


@dataclass(frozen=True, slots=True)
class Advice:
    reason: str  # what went wrong, in the merchant's words
    action: str  # what to do about it


ERROR_ADVICE: dict[ErrorReason, Advice] = {
    ErrorReason.VALIDATION: Advice(
        "the marketplace sent an incomplete or malformed order",
        "check the order on the marketplace; once it is complete the hub imports it again",
    ),
    ErrorReason.ADDRESS_PARSING: Advice(
        "the shipping address could not be read",
        "correct the address on the marketplace (or create the order in the webshop by hand "
        "and mark it manual)",
    ),
    ErrorReason.MISSING_REFERENCE: Advice(
        "a product of the order is unknown in the webshop (SKU/EAN not found)",
        "add the SKU or EAN to the webshop product, then resend the order",
    ),
    ErrorReason.PRICING: Advice(
        "the order's prices are missing or inconsistent",
        "check the prices on the marketplace; the hub imports the order again once they add up",
    ),
    ErrorReason.CURRENCY_MISMATCH: Advice(
        "the order's currency is not the webshop's",
        "create the order in the webshop by hand and mark it manual",
    ),
    ErrorReason.WEBSHOP_REJECTED: Advice(
        "the webshop refused to create the order",
        "read the webshop's message in the order's events, fix the product or customer data "
        "in the webshop, then resend the order",
    ),
    ErrorReason.SHIPMENT_FAILURE: Advice(
        "the marketplace refused the shipment",
        "check the carrier and track & trace code (carrier overrides of the connection), "
        "then confirm the shipment on the marketplace by hand or resend it",
    ),
    ErrorReason.CANCELLATION_FAILURE: Advice(
        "the marketplace refused the cancellation",
        "cancel the order on the marketplace by hand",
    ),
    ErrorReason.PLATFORM_FAILURE: Advice(
        "a platform kept failing for this order",
        "check the platform's status and the connection's credentials; resend the order",
    ),
    ErrorReason.INTERNAL_ERROR: Advice(
        "the hub failed unexpectedly on this order (the message says where)",
        "retry it (retry-order deployment or `ordersync retry`): the hub first looks the order "
        "up on the platform, so nothing is sent twice; report the message if it fails again",
    ),
    ErrorReason.VALUE_LIMIT: Advice(
        "the marketplace sent a value the hub cannot hold (too long, too large, NUL, a date "
        "out of range)",
        "check the order on the marketplace; the hub reads it again every cycle and imports it "
        "once the value is corrected, or handle it by hand and resolve it",
    ),
    ErrorReason.STORAGE_REJECTED: Advice(
        "the hub's database refused the order",
        "read the message in the order's events; the hub reads the order again every cycle",
    ),
    ErrorReason.WEBSHOP_INVALID: Advice(
        "the webshop gave a value the hub cannot use (e.g. an over-long or broken track & "
        "trace code or carrier name)",
        "correct the track & trace code in the webshop, then retry the order, or ship it with "
        "the right code (ship-order deployment or `ordersync ship`)",
    ),
}

UNKNOWN_ERROR = Advice("the order failed", "read the order's events (ordersync events ID)")

PROBLEM_ADVICE: dict[Problem, Advice] = {
    Problem.MANUAL: Advice(
        "the hub cannot do this by API (a marketplace without the API, a cancellation after "
        "the order shipped, a webshop that cannot cancel single lines)",
        "do it by hand where the reason says (Amazon: cancel the order in Seller Central; "
        "shipped: recall the parcel or refund the buyer); the hub no longer acts on the order",
    ),
    Problem.CARRIER_UNCLEAR: Advice(
        "the carrier of the track & trace code is unclear; the shipment was sent as 'other'",
        "check the carrier on the marketplace; add the carrier to the connection's carriers "
        "or a carrier override so the next codes are read right",
    ),
    Problem.OVERDUE_WAITING: Advice(
        "completed in the webshop without a track & trace code, and still waiting",
        "add the track & trace code in the webshop, or check that order_sync runs (its sweep "
        "ships waiting orders without tracking when their wait is over)",
    ),
    Problem.OVERDUE_NOT_SHIPPED: Advice(
        "ordered a while ago and not shipped yet",
        "ship (or cancel) the order in the webshop before the marketplace's delivery promise",
    ),
}


def advice(problem: Problem | str, error_reason: str | None = None) -> Advice:
    """The reason and what to do for a problem (for ERROR: per error reason)."""
    problem = Problem(problem)
    if problem == Problem.ERROR:
        try:
            return ERROR_ADVICE[ErrorReason(error_reason)]
        except ValueError:
            return UNKNOWN_ERROR
    return PROBLEM_ADVICE[problem]


NOT_SHIPPED_AFTER = timedelta(hours=48)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """How long an order may stay waiting / not shipped before it needs the merchant."""

    waiting: timedelta = timedelta(hours=4)
    not_shipped: timedelta = NOT_SHIPPED_AFTER

    @classmethod
    def for_wait(cls, tracking_wait: timedelta, *, not_shipped: timedelta | None = None,
                 grace: timedelta = timedelta(hours=1)) -> Thresholds:
        """Waiting is overdue ``grace`` after the connection's tracking wait ran out (the
        sweep should have shipped it by then)."""
        return cls(tracking_wait + grace,
                   NOT_SHIPPED_AFTER if not_shipped is None else not_shipped)


def overdue(status: OrderStatus | str, since: datetime | None, now: datetime,
            thresholds: Thresholds) -> Problem | None:
    """The overdue problem of an order in ``status`` since ``since``, or None."""
    if since is None:
        return None
    if status == OrderStatus.WAITING and now - since >= thresholds.waiting:
        return Problem.OVERDUE_WAITING
    if status == OrderStatus.NOT_SHIPPED and now - since >= thresholds.not_shipped:
        return Problem.OVERDUE_NOT_SHIPPED
    return None
