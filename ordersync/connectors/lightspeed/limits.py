"""Lightspeed eCom (C-Series) facts the stored material leaves open, in one table.

Sources (``../shared/specs/lightspeed-ecom/NOTES.md``): S1 the official PHP client
(SEOshop/API-PHP-Client), S2 real response bodies, S3 the Java client. Where a fact is marked
*unverified* there, the value below is the documented behaviour of the closest official client
(or, failing that, of the real bodies), and says so.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_LIMIT = 50  # S3 DEFAULT_LIMIT
MAX_LIMIT = 250  # S3 MAX_LIMIT: orders per listing page at most


@dataclass(frozen=True, slots=True)
class Window:
    name: str
    seconds: int
    limit: int


WINDOWS = (Window("5min", 300, 1000), Window("hour", 3600, 12000), Window("day", 86400, 288000))
"""The three rate-limit windows, in the order of the slash-separated ``X-RateLimit-*`` values
(S4). The numbers are those of S2's ``account/ratelimit.json`` (a real shop); they are only the
starting estimate: the connector trusts the headers of every response (unverified numbers)."""

MARGIN = 2  # requests left in a window at which the connector waits for its reset

UNVERIFIED = {
    "listing filters": "updated_at_min / created_at_min (S1 header comment; format ISO 8601 "
                       "with offset, as the API prints dates in S2)",
    "listing order": "by id ascending (S1's since_id paging implies it)",
    "shipments of an order": "GET /shipments.json?order={id} (the filter S1 names on events)",
    "checkout bodies": "unwrapped (S1); the order answer is {\"order\": {...}} like every "
                       "single-resource answer (S1, S2)",
    "hub reference": "the checkout's comment, copied onto the order (order.comment, S2)",
    "carrier": "a shipment metafield 'carrier' (S2 shows shipment metafields; a shipment has "
               "no carrier field of its own)",
    "429 body": "{\"error\": {\"message\": ...}} like every error (S1); no Retry-After",
}
