"""Stock across marketplaces: what to offer where, and what changed (pure, no I/O)."""

from ordersync.stock.compute import offer, plan, quantities
from ordersync.stock.model import (
    Change,
    HubQuantities,
    Plan,
    Quantity,
    StockSource,
    Target,
    WebshopStock,
)

__all__ = [
    "Change",
    "HubQuantities",
    "Plan",
    "Quantity",
    "StockSource",
    "Target",
    "WebshopStock",
    "offer",
    "plan",
    "quantities",
]
