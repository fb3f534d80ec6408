"""Shopware DAL search criteria bodies (``POST /api/search/{entity}``), as the connector sends
them. Pure functions; the twin's ``sandbox/shopware/criteria.py`` evaluates the same shapes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

Json = dict[str, Any]

REFERENCE_FIELD = "ordersync_reference"
"""Custom field on the order holding ``MarketplaceOrder.reference`` (see ``mapping``)."""
LINE_FIELD = "ordersync_line_id"
"""Custom field on each order line item holding the marketplace line id."""

ORDER_ASSOCIATIONS: Json = {
    "lineItems": {},
    "addresses": {},
    "deliveries": {"associations": {"shippingMethod": {}, "positions": {},
                                    "stateMachineState": {}}},
    "stateMachineState": {},
}
"""Line items, addresses, deliveries with their shipping method (the carrier name), positions
(which lines a delivery holds) and state; the order's own state."""


def sw_date(when: datetime) -> str:
    """A DAL date value: ISO 8601 UTC with milliseconds, as Shopware prints its dates."""
    return when.astimezone(UTC).isoformat(timespec="milliseconds")


def equals(field: str, value: Any) -> Json:
    return {"type": "equals", "field": field, "value": value}


def equals_any(field: str, values: Iterable[Any]) -> Json:
    return {"type": "equalsAny", "field": field, "value": list(values)}


def range_filter(field: str, **bounds: Any) -> Json:
    """``bounds``: gte, gt, lte, lt."""
    return {"type": "range", "field": field, "parameters": bounds}


def either(*queries: Json) -> Json:
    return {"type": "multi", "operator": "or", "queries": list(queries)}


def changed_orders(since: datetime, after: int | None, limit: int) -> Json:
    """Orders changed at or after ``since``, keyset-paged on ``autoIncrement``.

    Changed means created (``createdAt``: the DAL leaves ``updatedAt`` NULL on insert), the
    order row (``updatedAt``: order state transitions, edits) or one of its
    deliveries (``deliveries.updatedAt``: a delivery state transition or tracking codes write
    only the ``order_delivery`` row, not the order) - our reading of the DAL, which has no
    parent-touch on child writes. Sorting on the immutable ``autoIncrement`` and filtering
    ``autoIncrement > after`` (always ``page`` 1) means an order updated while we page neither
    shifts the others (nothing skipped or repeated) nor needs a second look: a later update
    is after the next run's ``since``. ``total-count-mode: exact`` counts what is left, so
    the last page is known without an extra empty request.
    """
    filters = [either(range_filter("createdAt", gte=sw_date(since)),
                      range_filter("updatedAt", gte=sw_date(since)),
                      range_filter("deliveries.updatedAt", gte=sw_date(since)))]
    if after is not None:
        filters.append(range_filter("autoIncrement", gt=after))
    return {"page": 1, "limit": limit, "filter": filters,
            "sort": [{"field": "autoIncrement", "order": "ASC"}],
            "associations": ORDER_ASSOCIATIONS, "total-count-mode": "exact"}


def order_by_ids(ids: Iterable[str]) -> Json:
    return {"ids": list(ids), "associations": ORDER_ASSOCIATIONS, "total-count-mode": "none"}


def by_reference(reference: str, created_after: datetime) -> Json:
    """Orders carrying our reference created since ``created_after`` (newest first)."""
    return {"page": 1, "limit": 5, "total-count-mode": "none",
            "filter": [equals(f"customFields.{REFERENCE_FIELD}", reference),
                       range_filter("createdAt", gte=sw_date(created_after))],
            "sort": [{"field": "createdAt", "order": "DESC"}],
            "includes": {"order": ["id", "orderNumber", "customFields", "createdAt"]}}


PRODUCT_FIELDS = ["id", "productNumber", "stock", "availableStock", "childCount", "parentId",
                  "name"]


def products_by_number(numbers: Iterable[str]) -> Json:
    wanted = sorted(set(numbers))
    return {"limit": max(1, len(wanted)), "total-count-mode": "none",
            "filter": [equals_any("productNumber", wanted)],
            "includes": {"product": PRODUCT_FIELDS}}


def product_page(after: int | None, limit: int) -> Json:
    """Every product (variants included), keyset-paged on ``autoIncrement``."""
    filters = [] if after is None else [range_filter("autoIncrement", gt=after)]
    return {"page": 1, "limit": limit, "filter": filters, "total-count-mode": "exact",
            "sort": [{"field": "autoIncrement", "order": "ASC"}],
            "includes": {"product": [*PRODUCT_FIELDS, "autoIncrement"]}}
