"""The order_sync run's summary table: every outcome each step can produce, with its count and
what it means, so a zero is visible too (``manual``, ``busy``, ``deferred``, ...)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ordersync.order_loop.returns import OUTCOMES as RETURN_OUTCOMES

MEANINGS: dict[str, str] = {
    "imported": "new marketplace orders stored in the hub",
    "quarantined": "malformed orders stored as error with a reason",
    "cancellation_requests": "buyers asked to cancel (the order can still ship)",
    "pending": "Amazon orders awaiting payment imported as pending",
    "reserved": "Amazon orders awaiting payment whose quantity is reserved",
    "paid": "pending orders paid and completed",
    "pending_cancelled": "pending orders cancelled by the marketplace",
    "reservations_released": "reservations released (imported, cancelled or gone)",
    "created": "orders created in the webshop",
    "reconciled": "found already done on the platform after an uncertain write (not redone)",
    "busy": "held by another run; left to it",
    "deferred": "platform unavailable; retried next run",
    "errors": "refused by the platform: the order is in error",
    "shipped": "completed in the webshop with track & trace",
    "waiting": "completed without track & trace: waiting for a code",
    "cancelled": "cancelled in the webshop",
    "partial": "some lines shipped or cancelled in the webshop, others still open",
    "parcels": "webshop parcels recorded, each its own marketplace shipment",
    "lines_cancelled": "lines cancelled in the webshop, to cancel on the marketplace",
    "shipped_with_tracking": "wait over: a code arrived after all",
    "shipped_without_tracking": "wait over: shipped without tracking",
    "pushed": "shipments and cancellations confirmed on the marketplace",
    "manual": "the marketplace has no API for it: handed over to the merchant",
    "still_processing": "accepted by the marketplace, still being processed",
    "test_orders": "test orders not sent to the marketplace",
    "test_orders_cleaned": "finished test orders deleted in the webshop",
    "test_cleanup_errors": "test orders the webshop did not delete yet (retried next run)",
    "test_orders_left": "test orders the webshop can neither delete nor cancel: left, marked",
    **RETURN_OUTCOMES,
    "cancelled_on_marketplace": "orders (or lines) the marketplace cancelled: webshop next",
    "cancellation_requests_accepted": "buyers' cancellation requests taken on: webshop next",
    "too_late": "cancelled on the marketplace after it shipped: manual",
    "cancelled_in_webshop": "cancelled in the webshop for the marketplace (stock back)",
    "lines_cancelled_in_webshop": "lines cancelled in the webshop for the marketplace",
    "lines_cancelled_before_webshop": "lines cancelled before the order reached the webshop",
    "requests_answered": "line cancellation requests accepted on the marketplace",
    "answer_submitted": "cancellation requests accepted; the marketplace is processing",
    "requests_lapsed": "buyers asked to cancel after the merchant shipped: it ships",
}

STEP_OUTCOMES: dict[str, tuple[str, ...]] = {
    "import": ("imported", "quarantined", "cancellation_requests", "pending", "reserved", "paid",
               "pending_cancelled", "reservations_released"),
    "cancel": ("cancelled_on_marketplace", "cancellation_requests_accepted", "too_late",
               "requests_lapsed", "cancelled_in_webshop", "lines_cancelled_in_webshop",
               "lines_cancelled_before_webshop", "reconciled", "manual", "busy", "deferred",
               "errors"),
    "create": ("created", "reconciled", "busy", "deferred", "errors"),
    "detect": ("shipped", "waiting", "cancelled", "partial", "parcels"),
    "sweep": ("shipped_with_tracking", "shipped_without_tracking"),
    "push": ("pushed", "reconciled", "manual", "deferred", "errors", "still_processing",
             "test_orders"),
    "cleanup": ("test_orders_cleaned", "test_orders_left", "test_cleanup_errors"),
    "returns": tuple(RETURN_OUTCOMES),
}


def summary_rows(steps: Mapping[str, Mapping[str, int]]) -> list[dict[str, Any]]:
    """One row per (step, outcome): the declared outcomes of each step (zeros included), then
    any other count a step reported."""
    rows = []
    for step, counts in steps.items():
        known = STEP_OUTCOMES.get(step, ())
        for outcome in (*known, *sorted(k for k in counts if k not in known)):
            rows.append({"step": step, "outcome": outcome, "orders": counts.get(outcome, 0),
                         "meaning": MEANINGS.get(outcome, "")})
    return rows
