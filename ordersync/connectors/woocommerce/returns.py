"""Returns in WooCommerce (a ``ReturnRegistrar``), a mixin of ``WooCommerceConnector``.

- ``register``: a private order note (``POST orders/{id}/notes``).
- ``restock``: a refund of 0.00 with ``api_restock`` true (``POST orders/{id}/refunds``):
  the items go back into stock, no money is recorded.
- ``refund``: a refund of the returned lines' amount with ``api_restock`` true and
  ``api_refund`` false: the marketplace pays the buyer back (bol.com refunds its own buyers
  when the return is handled), so WooCommerce records the refund without calling a payment
  gateway (the order was not paid through one).

Every write carries the return's key (in the note; in the refund's ``reason`` and its
``_ordersync_return`` meta), so ``find_return`` can tell whether an earlier attempt got
through. Lines are found by SKU, else by position (the hub creates them in order).
"""

from __future__ import annotations

from typing import Any

from ordersync.http import ApiClient, ValidationError
from ordersync.orders.returns import ReturnMode, ReturnRegistration

API = "/wp-json/wc/v3"
RETURN_META = "_ordersync_return"


class WooReturns:
    """Needs ``client`` (from WooCommerceConnector)."""

    client: ApiClient

    def register_return(self, webshop_id: str, registration: ReturnRegistration) -> str:
        """Write the return (see the module docstring); the note's or refund's id."""
        order_id = int(webshop_id)
        if registration.mode == ReturnMode.REGISTER:
            note = self.client.request("POST", f"{API}/orders/{order_id}/notes", json={
                "note": registration.note, "customer_note": False}).json()
            return f"note:{note['id']}"
        order = self.client.request("GET", f"{API}/orders/{order_id}").json()
        lines = order.get("line_items") or []
        refund_all = registration.mode == ReturnMode.REFUND
        items = []
        for line in registration.lines:
            found = next((x for x in lines if line.sku and x.get("sku") == line.sku), None)
            if found is None and 0 <= line.position < len(lines):
                found = lines[line.position]
            if found is None:
                raise ValidationError(f"woocommerce order {order_id} has no line for "
                                      f"{line.line_id}", platform="woocommerce")
            items.append({"id": found["id"], "quantity": line.quantity,
                          "refund_total": float(line.amount) if refund_all else 0})
        amount = registration.amount if refund_all else 0
        refund = self.client.request("POST", f"{API}/orders/{order_id}/refunds", json={
            "amount": f"{amount:.2f}", "reason": registration.note, "api_refund": False,
            "api_restock": True, "line_items": items,
            "meta_data": [{"key": RETURN_META, "value": registration.key}],
        }).json()
        return f"refund:{refund['id']}"

    def find_return(self, webshop_id: str, registration: ReturnRegistration) -> str | None:
        """The note or refund carrying the return's key, or None."""
        order_id = int(webshop_id)
        if registration.mode == ReturnMode.REGISTER:
            notes: list[dict[str, Any]] = self.client.request(
                "GET", f"{API}/orders/{order_id}/notes").json()
            return next((f"note:{n['id']}" for n in notes
                         if registration.key in (n.get("note") or "")), None)
        refunds: list[dict[str, Any]] = self.client.request(
            "GET", f"{API}/orders/{order_id}/refunds").json()
        for refund in refunds:
            meta = {m.get("key"): m.get("value") for m in refund.get("meta_data") or []}
            if meta.get(RETURN_META) == registration.key \
                    or registration.key in (refund.get("reason") or ""):
                return f"refund:{refund['id']}"
        return None
