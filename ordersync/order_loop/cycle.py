"""One order-sync cycle without Prefect: the steps of the ``order_sync`` flow and the
monitoring reads it does around them (event window, overdue warnings, attention list).

The flow adds only logging, Prefect events and artifacts on top; the benchmarks and the index
test use this to see every query a cycle runs.
"""

from __future__ import annotations

from datetime import timedelta

from ordersync.order_loop.context import SyncContext
from ordersync.order_loop.steps import (
    StepResult,
    create_in_webshop,
    detect_webshop_changes,
    import_orders,
    push_to_marketplace,
    sweep_waiting,
)
from ordersync.orders.attention import Thresholds
from ordersync.store.order_feed import OrderFeed

STEPS = (import_orders, create_in_webshop, detect_webshop_changes, sweep_waiting,
         push_to_marketplace)


def run_cycle(ctx: SyncContext, not_shipped_alert_hours: float = 48.0) -> StepResult:
    """The steps in the flow's order, each followed by the flow's read of new events."""
    mp = ctx.marketplace
    feed = OrderFeed(ctx.store)
    cursor = feed.last_event_id()
    totals = StepResult()
    for step in STEPS:
        totals.merge(step(ctx))
        changes = feed.changes_since(mp.platform, mp.account, cursor)
        cursor = changes[-1].event_id if changes else cursor
    thresholds = Thresholds.for_wait(ctx.settings.tracking_wait,
                                     not_shipped=timedelta(hours=not_shipped_alert_hours))
    feed.record_overdue(mp.platform, mp.account, now=ctx.clock(), thresholds=thresholds)
    feed.changes_since(mp.platform, mp.account, cursor)
    feed.needing_attention(mp.platform, mp.account, now=ctx.clock(), thresholds=thresholds)
    return totals
