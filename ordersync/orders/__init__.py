"""The domain: orders, lines, statuses and transitions. No I/O, no Prefect, no SQLAlchemy."""

from ordersync.orders.model import (
    Address,
    MarketplaceCancellation,
    MarketplaceOrder,
    OrderBatch,
    OrderLine,
    Parcel,
    ParcelLine,
    ProcessResult,
    Quarantined,
    Shipment,
    ShipmentLine,
    Tracking,
    WebshopOrderState,
    WriteReceipt,
)
from ordersync.orders.status import (
    ALLOWED_TRANSITIONS,
    ErrorReason,
    InvalidTransition,
    OrderStatus,
    can_transition,
    check_transition,
)

__all__ = [
    "ALLOWED_TRANSITIONS",
    "Address",
    "ErrorReason",
    "InvalidTransition",
    "MarketplaceCancellation",
    "MarketplaceOrder",
    "OrderBatch",
    "OrderLine",
    "OrderStatus",
    "Parcel",
    "ParcelLine",
    "ProcessResult",
    "Quarantined",
    "Shipment",
    "ShipmentLine",
    "Tracking",
    "WebshopOrderState",
    "WriteReceipt",
    "can_transition",
    "check_transition",
]
