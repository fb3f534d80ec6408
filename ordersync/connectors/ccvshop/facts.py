"""CCV Shop REST API facts: the one table the connector and its twin use.

Sources (see ``../shared/specs/ccvshop/NOTES.md``): C1 the official PHP SDK
``ccvshop/ccvshop-api`` (auth, paging, response check, error codes) and C2
``jacobdekeizer/ccvshop-client`` generated from CCV's JSON schemas (paths, fields, per-method
rate limits). Facts neither states are marked *unverified*: each follows the closest official
client (C1) where it shows one, else the most conservative reading, as said per entry.
"""

from __future__ import annotations

from datetime import timedelta

API = "/api/rest/v1"
ACCEPT = "application/vnd.verto.webshop+json"  # C1's Accept header (C2 sends application/json)

# Per method and resource, per minute (C2: "150 per minute" on every GET, "100 per minute" on
# POST/PATCH/PUT/DELETE of the resources the connector uses).
READ_PER_MINUTE = 150
WRITE_PER_MINUTE = 100
# Over the API-wide total per minute CCV answers 429.11; its value is published nowhere we
# found (*unverified*): the twin uses the sum of one resource's read and write budgets, which
# the connector's two budgets can never exceed together.
TOTAL_PER_MINUTE = READ_PER_MINUTE + WRITE_PER_MINUTE
# How CCV counts the minute (sliding or fixed) is *unverified*: the twin refills continuously
# (a token bucket of the minute's budget), the connector stays under it with a small margin.
CLIENT_MARGIN = 0.9
# 429 headers are *unverified* (C1 reads only the body code): the twin sends Retry-After plus
# X-RateLimit-Limit / -Remaining / -Reset, the connector honours Retry-After.

PAGE_MAX = 100  # *unverified*: C1 pages with ``size``; no maximum is documented; 100 assumed.
DEFAULT_PAGE = 25  # C1's default ``size`` in its examples (``?start=0&size=25``)

# An order carries no modification date and the listing has no "changed since" filter (C2's
# Orders/All parameters: create dates, status, paid, ordernumber only). The connector lists the
# orders created within CHANGE_WINDOW before a poll's watermark and reports the completed and
# cancelled ones (plus those created since the watermark); an order shipped later than this
# after its creation is not seen (the merchant is told in the README).
CHANGE_WINDOW = timedelta(days=30)
FIND_LOOKBACK = timedelta(minutes=5)  # clock skew between the hub and the shop

# Status ids (C2 schema text).
STATUS_NAMES = {
    1: "new", 2: "in process", 3: "wait for manufacturer", 4: "wait for payment", 5: "sent",
    6: "delivered", 7: "completed", 8: "cancelled", 9: "wait for supplier",
    10: "is being packaged", 11: "ready to be collected", 12: "is being assembled",
    13: "backorder", 14: "reserved",
}
IN_PROCESS, WAIT_FOR_PAYMENT, SENT, CANCELLED = 2, 4, 5, 8
SHIPPED_STATUSES = frozenset({5, 6, 7})  # sent, delivered, completed
CANCELLED_STATUSES = frozenset({8})

# One ``track_and_trace_code`` (and carrier) per order: several parcels' codes are kept
# comma-separated in it, carriers paired by position (*unverified*: the back office's field
# takes free text; merchants list several codes this way).
CODE_SEPARATOR = ","

# Where the marketplace reference is kept: ``reservationnumber`` (free text, "may be visible on
# the invoice"), with ``is_platform_sale`` true (an order placed via an external platform).
REFERENCE_FIELD = "reservationnumber"
