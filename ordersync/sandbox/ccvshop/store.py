"""The CCV Shop twin's state: products with stock, orders with their rows and notes.

Orders take stock when created (unless cancelled) and give it back when cancelled (status 8)
- as the CCV back office does for products with ``stockenabled`` (*unverified*, see
``ordersync.connectors.ccvshop.facts``). Internal times (``_shipped``, ``_cancelled``) are never
served: CCV's order resource has no modification or shipping date.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

Json = dict[str, Any]
STATUSES = range(1, 15)
SHIPPED, CANCELLED = frozenset({5, 6, 7}), 8
ORDER_PATCH = frozenset({
    "invoicenumber", "paid", "safety_deposit_returned", "total_shipping", "paymethod_costs",
    "extra_costs", "extra_costs_description", "taxes_included", "order_row_taxes_included",
    "shipping_taxes_included", "is_intra_community_order", "currency", "is_platform_sale",
    "orderedinlng", "status", "note", "track_and_trace_code", "track_and_trace_carrier", "mail",
    "deliver_date", "deliver_method", "takeoutslot", "reservationnumber", "customer",
    "orderrows"})
DEEPLINK = "https://jouw.postnl.nl/track-and-trace/{code}"


class CcvError(Exception):
    """An API error: ``{"code": "<status>.<sub>", "status", "developermessage"}``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def body(self) -> Json:
        return {"code": self.code, "status": self.status, "developermessage": self.message,
                "moreinfo": "https://demo.ccvshop.nl/API/Docs/"}


def stamp(when: datetime) -> str:
    return when.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class CcvStore:
    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.products: dict[int, Json] = {}
            self.orders: dict[int, Json] = {}
            self.rows: dict[int, list[Json]] = {}
            self.notes: dict[int, list[Json]] = {}
            self._next = {"product": 1000, "order": 5000, "row": 90000, "note": 70000}

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def _id(self, kind: str) -> int:
        self._next[kind] += 1
        return self._next[kind]

    # -- products -----------------------------------------------------------------------

    def create_product(self, body: Json) -> Json:
        with self.lock:
            pid = self._id("product")
            now = stamp(self.now())
            product = {"href": f"/api/rest/v1/products/{pid}/", "id": pid, "is_active": True,
                       "createdate": now, "modifydate": now,
                       "productnumber": str(body.get("productnumber") or ""),
                       "eannumber": str(body.get("eannumber") or ""),
                       "name": str(body.get("name") or ""), "price": float(body.get("price") or 0),
                       "discount": 0.0, "stockenabled": bool(body.get("stockenabled", True)),
                       "stock": float(body.get("stock") or 0), "unit": "piece"}
            self.products[pid] = product
            return product

    def product(self, pid: int) -> Json:
        product = self.products.get(pid)
        if product is None:
            raise CcvError(404, "404.10", f"Product {pid} not found.")
        return product

    def update_product(self, pid: int, body: Json) -> None:
        with self.lock:
            product = self.product(pid)
            for key in ("productnumber", "eannumber", "name", "price", "stockenabled", "stock"):
                if key in body:
                    product[key] = body[key]
            product["modifydate"] = stamp(self.now())

    def _take(self, rows: list[Json], sign: int) -> None:
        for row in rows:
            product = self.products.get(row.get("product_id") or 0)
            if product is not None and product["stockenabled"]:
                product["stock"] = float(product["stock"]) - sign * float(row["count"])

    # -- orders -------------------------------------------------------------------------

    def create_order(self, body: Json, created: datetime | None = None) -> Json:
        with self.lock:
            rows_in = body.get("orderrows")
            if not isinstance(rows_in, list) or not rows_in:
                raise CcvError(400, "400.10", "Property 'orderrows' is required.")
            status = body.get("status", 1)
            if status not in STATUSES:
                raise CcvError(400, "400.10", f"Property 'status' {status!r} is invalid.")
            oid = self._id("order")
            rows = [self._row(oid, row) for row in rows_in]
            total = round(sum(r["price"] * r["count"] for r in rows), 2)
            order = {
                "href": f"/api/rest/v1/orders/{oid}/", "id": oid, "ordernumber_prefix": "",
                "ordernumber": oid - 4000, "ordernumber_full": str(oid - 4000),
                "invoicenumber": None, "transaction_id": None,
                "create_date": stamp(created or self.now()), "deliver_method": "shipping",
                "deliver_date": None, "is_platform_sale": bool(body.get("is_platform_sale")),
                "orderedinlng": "nl", "status": status, "is_completed": True,
                "paid": bool(body.get("paid")), "currency": body.get("currency") or "EUR",
                "total_orderrow_price": total,
                "total_shipping": float(body.get("total_shipping") or 0),
                "total_price": total + float(body.get("total_shipping") or 0),
                "extra_costs_description": body.get("extra_costs_description") or "",
                "track_and_trace_code": body.get("track_and_trace_code") or "",
                "track_and_trace_carrier": body.get("track_and_trace_carrier"),
                "track_and_trace_deeplink": "",
                "reservationnumber": body.get("reservationnumber"),
                "customer": body.get("customer") or {},
                "orderrows": {"href": f"/api/rest/v1/orders/{oid}/orderrows/"},
                "ordernotes": {"href": f"/api/rest/v1/orders/{oid}/ordernotes/"},
                "_shipped": None, "_cancelled": None,
            }
            self.orders[oid], self.rows[oid], self.notes[oid] = order, rows, []
            if status != CANCELLED:
                self._take(rows, +1)
            return order

    def _row(self, oid: int, row: Json) -> Json:
        pid = row.get("product_id")
        product = self.products.get(pid) if pid is not None else None
        if pid is not None and product is None:
            raise CcvError(400, "400.10", f"Product {pid} does not exist.")
        count = row.get("count")
        if not isinstance(count, int | float) or isinstance(count, bool) or count <= 0:
            raise CcvError(400, "400.10", "Property 'count' must be a positive number.")
        rid = self._id("row")
        return {"href": f"/api/rest/v1/orderrows/{rid}/", "id": rid, "order_id": oid,
                "product_type": "default", "product_id": pid,
                "product_name": (product or {}).get("name") or row.get("product_name") or "",
                "product_number": (product or {}).get("productnumber")
                or row.get("product_number") or "",
                "count": float(count), "price": float(row.get("price")
                                                      or (product or {}).get("price") or 0),
                "discount": 0.0, "memo": row.get("memo") or ""}

    def order(self, oid: int) -> Json:
        order = self.orders.get(oid)
        if order is None:
            raise CcvError(404, "404.10", f"Order {oid} not found.")
        return order

    def update_order(self, oid: int, body: Json) -> None:
        """PATCH semantics: known properties only (400 otherwise); a status change to 8 gives
        the stock back, to sent/delivered/completed stamps the (internal) shipping time; a
        ``note`` with ``mail`` is kept as an order note."""
        with self.lock:
            order = self.order(oid)
            unknown = set(body) - ORDER_PATCH
            if unknown:
                raise CcvError(400, "400.10", f"Unknown property {sorted(unknown)[0]!r}.")
            status = body.get("status", order["status"])
            if status not in STATUSES:
                raise CcvError(400, "400.10", f"Property 'status' {status!r} is invalid.")
            if status == CANCELLED and order["status"] != CANCELLED:
                self._take(self.rows[oid], -1)
                order["_cancelled"] = stamp(self.now())
            if status in SHIPPED and order["_shipped"] is None:
                order["_shipped"] = stamp(self.now())
            for key in ("paid", "currency", "reservationnumber", "extra_costs_description",
                        "track_and_trace_code", "track_and_trace_carrier", "is_platform_sale"):
                if key in body:
                    order[key] = body[key]
            order["status"] = status
            code = str(order.get("track_and_trace_code") or "")
            order["track_and_trace_deeplink"] = (DEEPLINK.format(code=code.split(",")[0])
                                                 if code else "")
            if body.get("note"):
                self.add_note(oid, str(body["note"]), "external" if body.get("mail") else
                              "internal")

    def add_note(self, oid: int, text: str, kind: str = "internal") -> Json:
        with self.lock:
            self.order(oid)
            nid = self._id("note")
            note = {"href": f"/api/rest/v1/ordernotes/{nid}/", "id": nid, "note": text,
                    "type": kind, "create_date": stamp(self.now()),
                    "parent": {"href": f"/api/rest/v1/orders/{oid}/"}}
            self.notes[oid].append(note)
            return note


def public(order: Json) -> Json:
    """The order as the API serves it (internal keys left out)."""
    return {k: v for k, v in order.items() if not k.startswith("_")}
