"""The merchant's partial fulfilments and line cancellations in the Shopify twin's back office.

``fulfill`` ships some lines (``{line_item_id: quantity}``, or every open line) as one
fulfillment with any number of tracking numbers, through the same fulfillment-order path as
``POST /fulfillments.json``; ``cancel_lines`` refunds unfulfilled quantities with
``restock_type: cancel`` as the admin's refund does (the stock goes back, the order's
``refunds`` show ``refund_line_items``; once nothing is left to fulfil, the order reads as
fulfilled).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
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


def cancel_lines(store: ShopStore, order_id: int, lines: Mapping[int, int]) -> Json:
    """Refund unfulfilled quantities with restock type ``cancel``; returns the refund."""
    with store.lock:
        order = store.order(order_id)
        by_id = {li["id"]: li for li in order["line_items"]}
        for line_item_id, quantity in lines.items():
            item = by_id.get(line_item_id)
            if item is None or quantity < 1 or quantity > item["fulfillable_quantity"]:
                raise ShopError(422, {"errors": {"refund_line_items": [
                    f"Quantity cannot refund more items than were purchased for {line_item_id}"]}})
        now, refund_id = store.stamp(), store.next_id()
        entries = []
        for line_item_id, quantity in lines.items():
            item = by_id[line_item_id]
            item["fulfillable_quantity"] -= quantity
            inventory_item = store.inventory_item_of(item.get("variant_id"))
            level = store.inventory.get((inventory_item, store.location["id"]))
            if level is not None:  # restock: the units go back to the location
                level["available"] += quantity
            for fo in store.fulfillment_orders.get(order["id"], []):
                for line in fo["line_items"]:
                    if line["line_item_id"] == line_item_id:
                        take = min(quantity, line["fulfillable_quantity"])
                        line["fulfillable_quantity"] -= take
                        line["quantity"] -= take
                if fo["status"] in ("open", "in_progress") and all(
                        x["fulfillable_quantity"] == 0 for x in fo["line_items"]):
                    fo.update(status="closed", supported_actions=[], updated_at=now)
            entries.append({"id": store.next_id(), "line_item_id": line_item_id,
                            "quantity": quantity, "restock_type": "cancel",
                            "location_id": store.location["id"],
                            "subtotal": float(Decimal(item["price"]) * quantity),
                            "total_tax": 0.0, "line_item": dict(item)})
        refund = {"id": refund_id, "order_id": order["id"], "created_at": now,
                  "processed_at": now, "note": None, "restock": True,
                  "refund_line_items": entries, "transactions": [], "order_adjustments": []}
        order.setdefault("refunds", []).append(refund)
        left = any(li["fulfillable_quantity"] > 0 for li in order["line_items"])
        if not left and order["fulfillments"]:
            order["fulfillment_status"] = "fulfilled"
            order["closed_at"] = order["closed_at"] or now
        order["updated_at"] = now
        return refund
