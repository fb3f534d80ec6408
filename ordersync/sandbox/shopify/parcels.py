"""The merchant's partial fulfilments and line cancellations in the Shopify twin's back office.

``fulfill`` ships some lines (``{line_item_id: quantity}``, or every open line) as one
fulfillment with any number of tracking numbers, through the same fulfillment-order path as
``POST /fulfillments.json``. Line cancellations are refunds with ``restock_type: cancel``
(``ShopifyTwin.cancel_lines``, through ``cancelling``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ordersync.sandbox.shopify.store import ShopError, ShopStore

Json = dict[str, Any]


def line_items(order: Json, lines: Mapping[str, int]) -> dict[int, int]:
    """Marketplace line id -> quantity as Shopify line item id -> quantity (the lines carry
    the ``_marketplace_line_id`` property the connector writes); for ``ShopMerchant``
    adapters, whose ``ship(lines=...)`` / ``cancel(lines=...)`` speak marketplace ids."""
    ids = {}
    for item in order.get("line_items") or ():
        for prop in item.get("properties") or ():
            if prop.get("name") == "_marketplace_line_id":
                ids[str(prop.get("value"))] = item["id"]
    missing = sorted(set(lines) - set(ids))
    if missing:
        raise KeyError(f"order {order.get('id')} has no line for {', '.join(missing)}")
    return {ids[line_id]: quantity for line_id, quantity in lines.items()}


def _open_fulfillment_orders(store: ShopStore, order_id: int) -> list[Json]:
    return [fo for fo in store.fulfillment_orders.get(order_id, [])
            if fo["status"] in ("open", "in_progress")]


def fulfill(store: ShopStore, order_id: int, lines: Mapping[int, int] | None,
            tracking_numbers: Sequence[str] = (), company: str | None = None) -> Json:
    """One fulfillment of ``lines`` (Shopify line item id -> quantity; None: every open
    line) with these tracking numbers; returns the fulfillment."""
    with store.lock:
        order = store.order(order_id)
        requests = []
        for fo in _open_fulfillment_orders(store, order["id"]):
            picks = [{"id": line["id"], "quantity": lines[line["line_item_id"]]}
                     for line in fo["line_items"]
                     if lines is not None and line["line_item_id"] in lines]
            if lines is None or picks:
                requests.append({"fulfillment_order_id": fo["id"],
                                 **({"fulfillment_order_line_items": picks} if picks else {})})
        if not requests:
            raise ShopError(422, {"errors": ["Nothing left to fulfil for these line items."]})
        numbers = list(tracking_numbers)
        return store.fulfill({"fulfillment": {
            "line_items_by_fulfillment_order": requests,
            "tracking_info": {"numbers": numbers, "company": company},
            "notify_customer": False,
        }})
