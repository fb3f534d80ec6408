"""The Shopify twin's refunds and order notes (Admin REST 2025-01), as Shopify models them.

- ``POST orders/{id}/refunds/calculate.json`` ``{"refund": {"refund_line_items": [{line_item_id,
  quantity, restock_type}], "shipping"?}}`` -> 200 ``{"refund"}`` with the priced lines and a
  ``suggested_refund`` transaction against the order's sale (``parent_id``,
  ``maximum_refundable``). Nothing changes.
- ``POST orders/{id}/refunds.json`` ``{"refund": {note, notify, refund_line_items,
  transactions?}}`` -> 201 ``{"refund"}``. ``restock_type`` ``return`` (needs ``location_id``,
  422 otherwise) puts the quantity back into the location's stock, ``no_restock`` does not,
  ``cancel`` is only for unfulfilled units; more than the refundable quantity, or a
  transaction above what is refundable or without a known ``parent_id`` -> 422. Transactions of
  kind ``refund`` move money: the order becomes ``partially_refunded`` or ``refunded``. A
  refund without transactions only restocks. The order's ``refunds`` and ``updated_at`` change.
- ``GET orders/{id}/refunds.json`` -> ``{"refunds": [...]}``.
- ``PUT orders/{id}.json`` ``{"order": {"note"?, "tags"?, "note_attributes"?}}`` -> 200
  ``{"order"}`` (other fields are ignored, as for an app without the scopes to change them).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ordersync.sandbox.shopify.store import ShopError

if TYPE_CHECKING:
    from ordersync.sandbox.shopify.twin import ShopifyTwin

Json = dict[str, Any]
RESTOCK_TYPES = ("no_restock", "cancel", "return")


def _money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'))}"


def _unprocessable(field: str, message: str) -> ShopError:
    return ShopError(422, {"errors": {field: [message]}})


class RefundRoutes:
    def __init__(self, twin: ShopifyTwin) -> None:
        self.twin = twin
        self.store = twin.store

    def routes(self) -> list[tuple[str, str, Callable[[Request], Awaitable[Response]]]]:
        return [
            ("POST", "/orders/{order_id:int}/refunds/calculate.json", self._calculate),
            ("GET", "/orders/{order_id:int}/refunds.json", self._list),
            ("POST", "/orders/{order_id:int}/refunds.json", self._create),
            ("PUT", "/orders/{order_id:int}.json", self._update_order),
        ]

    # -- the order's money ----------------------------------------------------------------

    def _sale(self, order: Json) -> Json:
        """The order's sale transaction (an order paid through the API has one)."""
        return {"id": order["id"] * 10 + 1, "order_id": order["id"], "kind": "sale",
                "gateway": order.get("gateway") or "manual", "status": "success",
                "amount": order["total_price"], "currency": order["currency"]}

    def _refunded(self, order: Json) -> Decimal:
        return sum((Decimal(t["amount"]) for r in order.get("refunds") or []
                    for t in r["transactions"] if t["kind"] == "refund"), Decimal(0))

    def _lines(self, order: Json, raw: Any, *, create: bool) -> list[Json]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            raise _unprocessable("refund_line_items", "is invalid")
        by_id = {li["id"]: li for li in order["line_items"]}
        out = []
        for entry in raw:
            line = by_id.get(entry.get("line_item_id")) if isinstance(entry, dict) else None
            if line is None:
                raise _unprocessable("refund_line_items", "line_item_id is invalid")
            quantity = entry.get("quantity")
            already = sum(rl["quantity"] for r in order.get("refunds") or []
                          for rl in r["refund_line_items"] if rl["line_item_id"] == line["id"])
            if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1 \
                    or quantity > line["quantity"] - already:
                raise _unprocessable("refund_line_items",
                                     "Quantity cannot refund more items than were purchased")
            restock = entry.get("restock_type", "no_restock")
            if restock not in RESTOCK_TYPES:
                raise _unprocessable("restock_type", "is not included in the list")
            location = entry.get("location_id")
            if create and restock == "return" and location is None:
                raise _unprocessable("location_id", "is required for restock_type return")
            if restock == "cancel" and quantity > line.get("fulfillable_quantity", 0):
                raise _unprocessable("restock_type", "cancel is only for unfulfilled items")
            subtotal = Decimal(line["price"]) * quantity
            out.append({"line_item_id": line["id"], "quantity": quantity,
                        "restock_type": restock, "location_id": location,
                        "subtotal": _money(subtotal), "total_tax": "0.00",
                        "price": line["price"], "line_item": line})
        return out

    # -- routes ---------------------------------------------------------------------------

    async def _calculate(self, request: Request) -> Response:
        body = (await _body(request)).get("refund") or {}
        with self.store.lock:
            order = self.twin._find(request.path_params["order_id"])
            lines = self._lines(order, body.get("refund_line_items"), create=False)
            amount = sum((Decimal(x["subtotal"]) for x in lines), Decimal(0))
            sale = self._sale(order)
            left = Decimal(order["total_price"]) - self._refunded(order)
            transactions = [] if amount <= 0 else [{
                "order_id": order["id"], "kind": "suggested_refund", "gateway": sale["gateway"],
                "parent_id": sale["id"], "amount": _money(min(amount, left)),
                "currency": order["currency"], "maximum_refundable": _money(left)}]
            return JSONResponse({"refund": {
                "currency": order["currency"], "duties": [], "additional_fees": [],
                "shipping": {"amount": "0.00", "tax": "0.00", "maximum_refundable": "0.00"},
                "refund_line_items": [
                    {k: v for k, v in x.items() if k != "line_item"}
                    | {"discounted_price": x["price"], "discounted_total_price": x["subtotal"],
                       "total_cart_discount_amount": "0.00"} for x in lines],
                "transactions": transactions}})

    async def _list(self, request: Request) -> Response:
        with self.store.lock:
            order = self.twin._find(request.path_params["order_id"])
            return JSONResponse({"refunds": list(order.get("refunds") or [])})

    async def _create(self, request: Request) -> Response:
        body = (await _body(request)).get("refund")
        if not isinstance(body, dict):
            raise ShopError(400, {"errors": {"refund": "Required parameter missing or invalid"}})
        with self.store.lock:
            order = self.store.order(request.path_params["order_id"])
            lines = self._lines(order, body.get("refund_line_items"), create=True)
            transactions = self._transactions(order, body.get("transactions"))
            if not lines and not transactions:
                raise _unprocessable("base", "Refund must have line items or transactions")
            now = self.store.stamp()
            refund_id = self.store.next_id()
            for line in lines:
                if line["restock_type"] == "return":
                    self._restock(line["line_item"], line["quantity"], now)
                if line["restock_type"] == "cancel":  # as ``Cancelling.refund`` does it
                    cancelling = self.twin.cancelling
                    line["line_item"]["fulfillable_quantity"] -= line["quantity"]
                    cancelling._shrink(order["id"], line["line_item"]["id"], line["quantity"])
                    cancelling._restock(line["line_item"], line["quantity"])
            refund = {
                "id": refund_id, "order_id": order["id"], "created_at": now,
                "processed_at": now, "note": body.get("note"), "user_id": None,
                "restock": any(x["restock_type"] != "no_restock" for x in lines),
                "admin_graphql_api_id": f"gid://shopify/Refund/{refund_id}",
                "refund_line_items": [
                    {"id": self.store.next_id(), **{k: v for k, v in x.items() if k != "price"},
                     "subtotal_set": _set(x["subtotal"], order["currency"]),
                     "total_tax_set": _set("0.00", order["currency"])} for x in lines],
                "transactions": transactions, "order_adjustments": [], "duties": [],
            }
            order.setdefault("refunds", []).append(refund)
            if transactions:
                paid_back = self._refunded(order)
                order["financial_status"] = (
                    "refunded" if paid_back >= Decimal(order["total_price"])
                    else "partially_refunded")
            order["updated_at"] = now
            return JSONResponse({"refund": refund}, status_code=201)

    def _transactions(self, order: Json, raw: Any) -> list[Json]:
        if not raw:
            return []
        sale, left = self._sale(order), Decimal(order["total_price"]) - self._refunded(order)
        out = []
        for entry in raw if isinstance(raw, list) else [None]:
            if not isinstance(entry, dict) or entry.get("parent_id") != sale["id"]:
                raise _unprocessable("transactions", "parent_id is invalid")
            if entry.get("kind", "refund") != "refund":
                raise _unprocessable("transactions", "kind must be refund")
            try:
                amount = Decimal(str(entry.get("amount")))
            except ArithmeticError:
                raise _unprocessable("transactions", "amount is invalid") from None
            if not 0 < amount <= left:
                raise _unprocessable("transactions",
                                     f"Amount cannot be greater than the refundable {left}")
            left -= amount
            out.append({"id": self.store.next_id(), "order_id": order["id"], "kind": "refund",
                        "gateway": entry.get("gateway") or sale["gateway"],
                        "status": "success", "parent_id": sale["id"],
                        "amount": _money(amount), "currency": order["currency"],
                        "created_at": self.store.stamp()})
        return out

    def _restock(self, line: Json, quantity: int, now: str) -> None:
        catalog = self.twin.catalog
        variant = catalog.variants.get(line.get("variant_id") or 0)
        if variant is None or variant["inventory_management"] != "shopify":
            return
        item = variant["inventory_item_id"]
        catalog._set_level(item, catalog._available(item) + quantity, now)
        variant["updated_at"] = now

    async def _update_order(self, request: Request) -> Response:
        body = (await _body(request)).get("order")
        if not isinstance(body, dict):
            raise ShopError(400, {"errors": {"order": "Required parameter missing or invalid"}})
        with self.store.lock:
            order = self.store.order(request.path_params["order_id"])
            changed = False
            for key in ("note", "tags", "note_attributes"):
                if key in body and body[key] != order.get(key):
                    order[key] = body[key]
                    changed = True
            if changed:
                order["updated_at"] = self.store.stamp()
            return JSONResponse({"order": self.twin.present(order)})


def _set(amount: str, currency: str) -> Json:
    money = {"amount": amount, "currency_code": currency}
    return {"shop_money": money, "presentment_money": money}


async def _body(request: Request) -> Json:
    try:
        body = json.loads(await request.body())
    except ValueError:
        raise ShopError(400, {"errors": {"base": "Invalid JSON"}}) from None
    if not isinstance(body, dict):
        raise ShopError(400, {"errors": {"base": "Invalid JSON"}})
    return body
