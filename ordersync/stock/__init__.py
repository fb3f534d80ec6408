"""Stock across marketplaces: what to offer where, and what changed (pure, no I/O)."""

from ordersync.stock.compute import available, plan, quantities
from ordersync.stock.model import (
    Change,
    HubQuantities,
    Offer,
    Plan,
    Quantity,
    StockSource,
    Target,
    WebshopStock,
)

__all__ = [
    "Change",
    "HubQuantities",
    "Offer",
    "Plan",
    "Quantity",
    "StockSource",
    "Target",
    "WebshopStock",
    "available",
    "plan",
    "quantities",
]
