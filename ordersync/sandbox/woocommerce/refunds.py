"""The WooCommerce twin's order refunds (REST v3 ``/orders/{id}/refunds``), as WooCommerce
core creates them (``wc_create_refund``).

- ``POST orders/{id}/refunds`` ``{amount?, reason?, meta_data?, line_items?: [{id, quantity,
  refund_total}], api_refund? (default true), api_restock? (default true)}`` -> 201 the refund.
  ``amount`` defaults to the sum of the lines' ``refund_total``; a negative amount is 400
  ``woocommerce_rest_invalid_order_refund``; more than is left to refund, more units than a
  line has left, or ``api_refund`` true for a payment method without automatic refunds (every
  method of the twin: orders are paid elsewhere) -> 500
  ``woocommerce_rest_cannot_create_order_refund``, as core reports a failed refund.
  ``api_restock`` puts the lines' quantities back into managed stock, with a system note per
  item ("Item #.. stock increased from a to b."). A refund that leaves nothing to refund marks
  the order ``refunded``. The order's ``refunds`` (``{id, reason, total}``) and
  ``date_modified`` change.
- ``GET orders/{id}/refunds`` -> the order's refunds, newest first.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ordersync.sandbox.woocommerce.store import Json, WooError, WooStore, money

CANNOT = "woocommerce_rest_cannot_create_order_refund"


class WooRefunds:
    def __init__(self, store: WooStore) -> None:
        self.store = store
        self.refunds: dict[int, list[Json]] = {}  # order id -> refunds, newest first

    def reset(self) -> None:
        self.refunds.clear()

    async def handle(self, request: Request) -> Response:
        oid = int(request.path_params["id"])
        order = self.store.order(oid)
        if request.method == "GET":
            return JSONResponse(self.refunds.get(oid, []))
        try:
            body = await request.json()
        except ValueError:
            raise WooError(400, "rest_invalid_json", "Invalid JSON body passed.") from None
        if not isinstance(body, dict):
            raise WooError(400, "rest_invalid_json", "Invalid JSON body passed.")
        return JSONResponse(self.create(order, body), status_code=201)

    def _refunded_units(self, oid: int, line_id: int) -> int:
        return sum(-x["quantity"] for r in self.refunds.get(oid, []) for x in r["line_items"]
                   if any(m["key"] == "_refunded_item_id" and m["value"] == str(line_id)
                          for m in x["meta_data"]))

    def create(self, order: Json, body: Json) -> Json:
        oid = order["id"]
        by_id = {line["id"]: line for line in order["line_items"]}
        lines = []
        for raw in body.get("line_items") or []:
            line = by_id.get(int(raw.get("id") or 0)) if isinstance(raw, dict) else None
            if line is None:
                raise WooError(500, CANNOT, "Invalid line item.")
            quantity = int(raw.get("quantity") or 0)
            if quantity < 0 or quantity > line["quantity"] - self._refunded_units(oid,
                                                                                  line["id"]):
                raise WooError(500, CANNOT, "Invalid refund quantity.")
            lines.append((line, quantity, _decimal(raw.get("refund_total", 0))))
        if body.get("amount") is not None:
            amount = _decimal(body["amount"])
        else:
            amount = sum((total for _, _, total in lines), Decimal(0))
        if amount < 0:
            raise WooError(400, "woocommerce_rest_invalid_order_refund",
                           "Refund amount must be greater than zero.")
        refunded = sum((-Decimal(r["amount"]) for r in self.refunds.get(oid, [])), Decimal(0))
        left = Decimal(order["total"]) + refunded
        if amount > left:
            raise WooError(500, CANNOT, "Invalid refund amount.")
        if body.get("api_refund", True) and amount > 0:
            raise WooError(500, CANNOT, "The payment gateway for this order does not support "
                                        "automatic refunds.")
        local, gmt = self.store.stamp()
        refund = {
            "id": self.store.next_id(), "date_created": local, "date_created_gmt": gmt,
            "amount": money(amount), "reason": str(body.get("reason") or ""),
            "refunded_by": int(body.get("refunded_by") or 0), "refunded_payment": False,
            "meta_data": [{"id": self.store.next_id(), "key": m.get("key"),
                           "value": m.get("value")} for m in body.get("meta_data") or []
                          if isinstance(m, dict)],
            "line_items": [self._refund_line(line, quantity, total)
                           for line, quantity, total in lines if quantity or total],
        }
        self.refunds.setdefault(oid, []).insert(0, refund)
        order["refunds"].insert(0, {"id": refund["id"], "reason": refund["reason"],
                                    "total": money(-amount)})
        if body.get("api_restock", True):
            for line, quantity, _ in lines:
                self._restock(oid, line, quantity)
        if left - amount <= 0 and order["status"] != "refunded":
            self.store.update_order(oid, {"status": "refunded"})
        self.store.touch(order)
        return refund

    def _refund_line(self, line: Json, quantity: int, total: Decimal) -> Json:
        return {"id": self.store.next_id(), "name": line["name"],
                "product_id": line["product_id"], "variation_id": line["variation_id"],
                "quantity": -quantity, "tax_class": "", "subtotal": money(-total),
                "subtotal_tax": "0.00", "total": money(-total), "total_tax": "0.00",
                "taxes": [], "meta_data": [{"id": self.store.next_id(),
                                            "key": "_refunded_item_id",
                                            "value": str(line["id"])}],
                "sku": line["sku"], "price": -float(total / quantity) if quantity else 0.0}

    def _restock(self, oid: int, line: Json, quantity: int) -> None:
        product = self.store.products.get(line["product_id"])
        if not quantity or not product or not product["manage_stock"] \
                or product["stock_quantity"] is None:
            return
        before = int(product["stock_quantity"])
        product["stock_quantity"] = before + quantity
        product["stock_status"] = "instock" if before + quantity > 0 else "outofstock"
        product["date_modified"], product["date_modified_gmt"] = self.store.stamp()
        self.store._system_note(oid, f"Item #{line['product_id']} stock increased from "
                                     f"{before} to {before + quantity}.")


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise WooError(400, "rest_invalid_param", "Invalid parameter(s): amount") from None
