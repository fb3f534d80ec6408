"""Amazon SP-API usage plans per operation: the one table the connector and its twin use.

Source: the "Usage plan" tables in the operation descriptions of the SP-API models
(specs/amazon-sp-api: ordersV0.json, feeds_2021-06-30.json, listingsItems_2021-08-01.json),
also listed in PLATFORMS.md. Amazon applies them per selling partner and application and sends
the live rate in ``x-amzn-RateLimit-Limit``; above it the answer is 429 QuotaExceeded.
"""

from __future__ import annotations

import re

# operation -> (requests per second, burst)
RATE_LIMITS: dict[str, tuple[float, int]] = {
    "getOrders": (0.0167, 20),
    "getOrder": (0.5, 30),
    "getOrderItems": (0.5, 30),
    "confirmShipment": (2.0, 10),
    "createFeedDocument": (0.5, 15),
    "createFeed": (0.0083, 15),
    "getFeed": (2.0, 15),
    "getFeeds": (0.0222, 10),
    "getFeedDocument": (0.0222, 10),
    "getListingsItem": (5.0, 10),
    "patchListingsItem": (5.0, 5),
}

_OPERATIONS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("GET", re.compile(r"^/orders/v0/orders$"), "getOrders"),
    ("GET", re.compile(r"^/orders/v0/orders/[^/]+$"), "getOrder"),
    ("GET", re.compile(r"^/orders/v0/orders/[^/]+/orderItems$"), "getOrderItems"),
    ("POST", re.compile(r"^/orders/v0/orders/[^/]+/shipmentConfirmation$"), "confirmShipment"),
    ("POST", re.compile(r"^/feeds/2021-06-30/documents$"), "createFeedDocument"),
    ("POST", re.compile(r"^/feeds/2021-06-30/feeds$"), "createFeed"),
    ("GET", re.compile(r"^/feeds/2021-06-30/feeds/[^/]+$"), "getFeed"),
    ("GET", re.compile(r"^/feeds/2021-06-30/feeds$"), "getFeeds"),
    ("GET", re.compile(r"^/feeds/2021-06-30/documents/[^/]+$"), "getFeedDocument"),
    ("GET", re.compile(r"^/listings/2021-08-01/items/[^/]+/.+$"), "getListingsItem"),
    ("PATCH", re.compile(r"^/listings/2021-08-01/items/[^/]+/.+$"), "patchListingsItem"),
)


def operation_of(method: str, path: str) -> str | None:
    """The SP-API operation name of a request, or None when it is not in the table."""
    method = method.upper()
    for verb, pattern, name in _OPERATIONS:
        if verb == method and pattern.match(path):
            return name
    return None
