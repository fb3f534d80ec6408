"""Returns in Shopify (a ``ReturnRegistrar``), a mixin of ``ShopifyConnector``.

- ``register``: the return is appended to the order's ``note`` (``PUT orders/{id}.json``).
- ``restock``: a refund without transactions, its lines ``restock_type: return`` at the
  shop's location (``POST orders/{id}/refunds.json``): stock goes back, no money moves.
- ``refund``: ``POST orders/{id}/refunds/calculate.json`` first (Shopify's suggested refund
  transactions against the order's sale), then the refund with those transactions as
  ``kind: refund`` and the lines restocked.

Every write carries the return's key (in the note, or the refund's ``note``), so
``find_return`` can tell whether an earlier attempt got through. Lines are found by the
``_marketplace_line_id`` property the connector put on them, else by SKU, else by position.
"""

from __future__ import annotations

from typing import Any

from ordersync.http import ApiClient, ValidationError
from ordersync.orders.returns import ReturnMode, ReturnRegistration

LINE_PROPERTY = "_marketplace_line_id"


def _line_for(lines: list[dict[str, Any]], line_id: str, sku: str | None,
              position: int) -> dict[str, Any] | None:
    for line in lines:
        if any(p.get("name") == LINE_PROPERTY and str(p.get("value")) == line_id
               for p in line.get("properties") or []):
            return line
    for line in lines:
        if sku and line.get("sku") == sku:
            return line
    return lines[position] if 0 <= position < len(lines) else None


class ShopifyReturns:
    """Needs ``client``, ``_path`` and ``location_id`` (from ShopifyConnector)."""

    client: ApiClient
    location_id: int | None
    _path: Any

    def register_return(self, webshop_id: str, registration: ReturnRegistration) -> str:
        """Write the return (see the module docstring); the note's or refund's id."""
        order_id = int(webshop_id)
        if registration.mode == ReturnMode.REGISTER:
            order = self._order(order_id, "id,note")
            note = "\n".join(p for p in (order.get("note") or "", registration.note) if p)
            self.client.request("PUT", self._path(f"orders/{order_id}"),
                                json={"order": {"id": order_id, "note": note}},
                                idempotent=False)
            return f"note:{order_id}"
        lines = self._order(order_id, "id,line_items").get("line_items") or []
        location = self._return_location()
        items = []
        for line in registration.lines:
            found = _line_for(lines, line.line_id, line.sku, line.position)
            if found is None:
                raise ValidationError(f"shopify order {order_id} has no line for "
                                      f"{line.line_id}", platform="shopify")
            items.append({"line_item_id": found["id"], "quantity": line.quantity,
                          "restock_type": "return", "location_id": location})
        transactions = []
        if registration.mode == ReturnMode.REFUND:
            calc = self.client.request(
                "POST", self._path(f"orders/{order_id}/refunds/calculate"),
                json={"refund": {"refund_line_items": items}}, idempotent=True,
            ).json()["refund"]
            transactions = [{"parent_id": t["parent_id"], "amount": t["amount"],
                             "kind": "refund", "gateway": t.get("gateway")}
                            for t in calc.get("transactions") or []
                            if t.get("kind") == "suggested_refund"]
        body = {"refund": {"note": registration.note, "notify": False,
                           "refund_line_items": items, "transactions": transactions}}
        refund = self.client.request("POST", self._path(f"orders/{order_id}/refunds"),
                                     json=body).json()["refund"]
        return str(refund["id"])

    def find_return(self, webshop_id: str, registration: ReturnRegistration) -> str | None:
        """The note or refund carrying the return's key, or None."""
        order_id = int(webshop_id)
        if registration.mode == ReturnMode.REGISTER:
            note = self._order(order_id, "id,note").get("note") or ""
            return f"note:{order_id}" if registration.key in note else None
        refunds = self.client.request(
            "GET", self._path(f"orders/{order_id}/refunds")).json().get("refunds") or []
        for refund in refunds:
            if registration.key in (refund.get("note") or ""):
                return str(refund["id"])
        return None

    def _order(self, order_id: int, fields: str) -> dict[str, Any]:
        return self.client.request("GET", self._path(f"orders/{order_id}"),
                                   params={"fields": fields}).json()["order"]

    def _return_location(self) -> int:
        """Where returned items are restocked: the configured location, else the first
        active one."""
        if self.location_id is None:
            locations = self.client.request("GET", self._path("locations")).json()["locations"]
            active = [x for x in locations if x.get("active", True)] or locations
            if not active:
                raise ValidationError("shopify: the shop has no location to restock to",
                                      platform="shopify")
            self.location_id = int(active[0]["id"])
        return self.location_id
