"""bol.com Retailer API rate limits per endpoint group: the one table the connector (and its
twin) use.

Source: bol.com "API Conventions", Rate Limiting table
(https://api.bol.com/retailer/public/Retailer-API/conventions.html): GET /retailer/orders 7 per
3 minutes, GET /retailer/orders/* 8 per minute, POST /retailer/orders/* 25 per minute - given
there as *examples*, "not representative of current production settings". bol.com's rate-limit
page (https://api.bol.com/retailer/public/Retailer-API/ratelimits.html) says every response
carries the live budget in ``x-ratelimit-limit`` / ``x-ratelimit-remaining`` /
``x-ratelimit-reset`` and that 429 is sent above it; the connector feeds those headers to its
limiters. Groups without a published example (marked *assumed*) use conservative guesses.
"""

from __future__ import annotations

# group -> (requests, per seconds)
RATE_LIMITS: dict[str, tuple[int, float]] = {
    "orders-list": (7, 180.0),  # documented example (also PLATFORMS.md, unverified)
    "order-detail": (8, 60.0),  # documented example
    "shipments": (25, 60.0),  # documented example for POST /retailer/orders/*, applied here
    "cancellation": (25, 60.0),  # assumed, as shipments
    "process-status": (100, 60.0),  # assumed; polled often, bol.com advises to poll it
    "offers": (50, 60.0),  # assumed (stock updates and offer reads)
    "returns": (25, 60.0),  # assumed, as shipments (return reads and handling)
}


def group_of(method: str, path: str) -> str:
    """Endpoint group of an API request path (``/retailer/...`` or ``/shared/...``)."""
    if path.startswith("/shared/process-status"):
        return "process-status"
    if path.startswith("/retailer/shipments"):
        return "shipments"
    if path.startswith("/retailer/orders/cancellation"):
        return "cancellation"
    if path.startswith("/retailer/orders/"):
        return "order-detail"
    if path.startswith("/retailer/orders"):
        return "orders-list"
    if path.startswith("/retailer/offers"):
        return "offers"
    if path.startswith("/retailer/returns"):
        return "returns"
    return "other"


def rate_of(group: str) -> tuple[float, int]:
    """(tokens per second, burst) for a limiter of ``group``."""
    count, seconds = RATE_LIMITS.get(group, (25, 60.0))
    return count / seconds, count
