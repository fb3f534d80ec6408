"""The order loop's steps as plain Python (no Prefect): testable, and reused by the flows."""

from ordersync.order_loop.context import ConnectionSettings, SyncContext, utcnow
from ordersync.order_loop.guard import ConnectionAuthFailed
from ordersync.order_loop.steps import (
    StepResult,
    create_in_webshop,
    detect_webshop_changes,
    expire_waiting,
    import_orders,
    push_to_marketplace,
    sweep_waiting,
    tracking_timeout,
)

__all__ = [
    "ConnectionAuthFailed",
    "ConnectionSettings",
    "StepResult",
    "SyncContext",
    "create_in_webshop",
    "detect_webshop_changes",
    "expire_waiting",
    "import_orders",
    "push_to_marketplace",
    "sweep_waiting",
    "tracking_timeout",
    "utcnow",
]
