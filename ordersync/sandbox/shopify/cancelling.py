"""The Shopify twin's cancellations with stock: ``POST /orders/{id}/cancel.json`` with
``restock`` and ``POST /orders/{id}/refunds.json`` with ``restock_type: cancel``.

As Shopify does: cancelling with ``restock: true`` puts the unfulfilled quantity of every line
that took stock back at the shop's location; a refund line with ``restock_type`` ``cancel``
(only for unfulfilled quantities) cancels that quantity of the line - it is no longer to be
fulfilled (the fulfillment order line shrinks) - and puts it back in stock; the refund is
listed on the order (``refunds[].refund_line_items[]`` with ``line_item``).
"""

from __future__ import annotations

from typing import Any

from ordersync.sandbox.shopify.catalog import Catalog
from ordersync.sandbox.shopify.store import ShopError, ShopStore

Json = dict[str, Any]
RESTOCK_TYPES = ("no_restock", "cancel", "return", "legacy_restock")


class Cancelling:
    def __init__(self, store: ShopStore, catalog: Catalog) -> None:
        self.store, self.catalog = store, catalog

    def cancel(self, order_id: int, body: Json) -> Json:
        """Cancel the order; with ``restock`` its unfulfilled quantities go back in stock."""
        with self.store.lock:
            order = self.store.order(order_id)
            open_lines = {li["id"]: li.get("fulfillable_quantity", li["quantity"])
                          for li in order["line_items"]}
            order = self.store.cancel(order_id, body.get("reason"))
            if body.get("restock") is True:
                for line in order["line_items"]:
                    self._restock(line, open_lines.get(line["id"], 0))
            for line in order["line_items"]:
                line["fulfillable_quantity"] = 0
            return order

    def refund(self, order_id: int, body: Any) -> Json:
        """A refund; ``cancel`` lines shrink what is left to fulfil and go back in stock."""
        data = body.get("refund") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            raise ShopError(400, {"errors": {"refund": "Required parameter missing or invalid"}})
        with self.store.lock:
            order = self.store.order(order_id)
            if order["cancelled_at"]:
                raise ShopError(422, {"errors": {"base": ["Order has been cancelled"]}})
            lines = {li["id"]: li for li in order["line_items"]}
            wanted = self._checked(data.get("refund_line_items") or [], lines)
            now = self.store.stamp()
            refund_id = self.store.next_id()
            rows = []
            for entry, line in wanted:
                quantity, restock_type = entry["quantity"], entry.get("restock_type") or \
                    "no_restock"
                if restock_type == "cancel":
                    line["fulfillable_quantity"] -= quantity
                    self._shrink(order_id, line["id"], quantity)
                    self._restock(line, quantity)
                rows.append({
                    "id": self.store.next_id(), "line_item_id": line["id"],
                    "quantity": quantity, "restock_type": restock_type,
                    "location_id": entry.get("location_id") or self.store.location["id"],
                    "subtotal": f"{float(line['price']) * quantity:.2f}", "total_tax": "0.00",
                    "line_item": dict(line),
                })
            refund = {
                "id": refund_id, "order_id": order_id, "created_at": now, "processed_at": now,
                "note": data.get("note"), "restock": any(r["restock_type"] != "no_restock"
                                                         for r in rows),
                "user_id": None, "refund_line_items": rows, "transactions": [],
                "order_adjustments": [], "admin_graphql_api_id":
                    f"gid://shopify/Refund/{refund_id}",
            }
            order.setdefault("refunds", []).append(refund)
            order["updated_at"] = now
            return refund

    def _checked(self, entries: list[Any], lines: dict[int, Json]) -> list[tuple[Json, Json]]:
        out = []
        for entry in entries:
            if not isinstance(entry, dict):
                raise ShopError(400, {"errors": {"refund_line_items": "is invalid"}})
            line = lines.get(entry.get("line_item_id"))  # type: ignore[arg-type]
            quantity = entry.get("quantity")
            if line is None:
                raise ShopError(422, {"errors": {"refund_line_items.line_item_id": [
                    "can't be blank"]}})
            if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
                raise ShopError(422, {"errors": {"refund_line_items.quantity": [
                    "must be greater than 0"]}})
            restock_type = entry.get("restock_type") or "no_restock"
            if restock_type not in RESTOCK_TYPES:
                raise ShopError(422, {"errors": {"refund_line_items.restock_type": [
                    "is not included in the list"]}})
            if restock_type == "cancel" and quantity > line.get("fulfillable_quantity", 0):
                raise ShopError(422, {"errors": {"refund_line_items": [
                    f"Cannot cancel more than the unfulfilled quantity of {line['title']}"]}})
            out.append((entry, line))
        return out

    def _shrink(self, order_id: int, line_id: int, quantity: int) -> None:
        for fo in self.store.fulfillment_orders.get(order_id, []):
            for item in fo["line_items"]:
                if item["line_item_id"] == line_id:
                    item["quantity"] -= quantity
                    item["fulfillable_quantity"] = max(item["fulfillable_quantity"] - quantity, 0)
            fo["line_items"] = [x for x in fo["line_items"] if x["quantity"] > 0]
            if not fo["line_items"]:
                fo.update(status="closed", supported_actions=[])

    def _restock(self, line: Json, quantity: int) -> None:
        if quantity <= 0:
            return
        variant = self.catalog.variants.get(line.get("variant_id") or 0)
        if variant is None or variant.get("inventory_management") != "shopify":
            return
        if line["id"] not in self.catalog.claimed_lines:
            return  # created with inventory_behaviour bypass: it took no stock
        item = variant["inventory_item_id"]
        self.catalog._set_level(item, self.catalog._available(item) + quantity)
