"""A Shopify order's fulfilments as parcels, and its line cancellations (pure).

Each successful fulfillment is one parcel: its ``line_items`` with their quantities, its
``tracking_numbers`` / ``tracking_urls`` / ``tracking_company``. A line is known to the hub by
the ``_marketplace_line_id`` property the connector writes on it at create; lines without it
(added in the back office) are left out of the parcel, and a fulfillment of such lines only
is no parcel of the hub's (a parcel without lines would stand for the whole order). Line
cancellations are refunds of unfulfilled quantities (``refund_line_items`` with
``restock_type`` ``cancel``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ordersync.orders import Parcel, ParcelLine, Tracking

LINE_PROPERTY = "_marketplace_line_id"
CANCEL_RESTOCK = "cancel"


def marketplace_line_id(item: Mapping[str, Any]) -> str | None:
    for prop in item.get("properties") or ():
        if isinstance(prop, Mapping) and prop.get("name") == LINE_PROPERTY and prop.get("value"):
            return str(prop["value"])
    return None


def _line_ids(order: Mapping[str, Any]) -> dict[str, str]:
    """Shopify line item id -> marketplace line id."""
    found = {}
    for item in order.get("line_items") or ():
        line_id = marketplace_line_id(item)
        if line_id is not None and item.get("id") is not None:
            found[str(item["id"])] = line_id
    return found


def _trackings(fulfillment: Mapping[str, Any]) -> tuple[Tracking, ...]:
    numbers = list(fulfillment.get("tracking_numbers") or ())
    if not numbers and fulfillment.get("tracking_number"):
        numbers = [fulfillment["tracking_number"]]
    urls = list(fulfillment.get("tracking_urls") or ())
    company = fulfillment.get("tracking_company") or None
    return tuple(Tracking(str(n), company, (urls[i] if i < len(urls) else None) or None)
                 for i, n in enumerate(numbers) if n)


def parcels_of(order: Mapping[str, Any]) -> tuple[Parcel, ...]:
    """One parcel per successful fulfillment, oldest first."""
    ids, parcels = _line_ids(order), []
    for fulfillment in order.get("fulfillments") or ():
        if fulfillment.get("status") != "success":
            continue
        lines: dict[str, int] = {}
        for item in fulfillment.get("line_items") or ():
            line_id = ids.get(str(item.get("id"))) or marketplace_line_id(item)
            if line_id is not None:
                lines[line_id] = lines.get(line_id, 0) + int(item.get("quantity") or 0)
        if fulfillment.get("line_items") and not any(q > 0 for q in lines.values()):
            continue  # only lines the hub does not know (an empty parcel means all of them)
        parcels.append(Parcel(
            parcel_id=str(fulfillment["id"]),
            lines=tuple(ParcelLine(k, q) for k, q in lines.items() if q > 0),
            tracking=_trackings(fulfillment)))
    return tuple(parcels)


def cancelled_lines_of(order: Mapping[str, Any]) -> tuple[ParcelLine, ...]:
    """Quantities refunded before they shipped (restock type ``cancel``), per line."""
    ids, found = _line_ids(order), {}
    for refund in order.get("refunds") or ():
        for entry in refund.get("refund_line_items") or ():
            if entry.get("restock_type") != CANCEL_RESTOCK:
                continue
            line_id = ids.get(str(entry.get("line_item_id")))
            if line_id is not None:
                found[line_id] = found.get(line_id, 0) + int(entry.get("quantity") or 0)
    return tuple(ParcelLine(k, q) for k, q in found.items() if q > 0)
