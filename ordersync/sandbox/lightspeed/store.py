"""The Lightspeed eCom twin's state: variants, checkouts, orders with their products,
shipments with their products and metafields. Thread-safe (one lock), no HTTP."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

Json = dict[str, Any]
ORDER_STATUSES = frozenset({
    "on_hold", "processing_awaiting_payment", "processing_awaiting_shipment",
    "processing_awaiting_pickup", "processing_ready_for_pickup", "completed",
    "completed_shipped", "completed_picked_up", "cancelled"})
SHIPMENT_STATUSES = frozenset({"not_shipped", "partially_shipped", "shipped", "cancelled"})


class LightspeedError(Exception):
    """An answer the platform gives as ``{"error": {...}}`` with ``status``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def stamp(when: datetime) -> str:
    return when.astimezone(UTC).replace(microsecond=0).isoformat()


def link(base: str, url: str, rid: int | bool) -> Json:
    return {"resource": {"id": rid, "url": url, "link": f"{base}/{url}.json"}}


class LightspeedStore:
    def __init__(self, now: Callable[[], datetime] = lambda: datetime.now(UTC),
                 base: str = "https://api.webshopapp.com/nl") -> None:
        self.now, self.base = now, base
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self._ids = itertools.count(1001)
            self.variants: dict[int, Json] = {}
            self.checkouts: dict[int, Json] = {}
            self.orders: dict[int, Json] = {}
            self.order_products: dict[int, list[Json]] = {}
            self.shipments: dict[int, Json] = {}
            self.shipment_products: dict[int, list[Json]] = {}
            self.metafields: dict[int, list[Json]] = {}

    def _stamp(self) -> str:
        return stamp(self.now())

    # -- variants ----------------------------------------------------------------------

    def add_variant(self, sku: str, title: str, price: float, stock: int,
                    ean: str = "", tracking: str = "enabled") -> Json:
        with self.lock:
            vid = next(self._ids)
            now = self._stamp()
            variant = {"id": vid, "createdAt": now, "updatedAt": now, "isDefault": True,
                       "articleCode": sku, "ean": ean, "sku": sku, "title": title,
                       "priceExcl": price, "priceIncl": price, "stockTracking": tracking,
                       "stockLevel": stock, "stockAlert": 0, "stockMinimum": 0,
                       "stockSold": 0, "product": link(self.base, f"products/{vid}", vid)}
            self.variants[vid] = variant
            return variant

    def variant(self, vid: int) -> Json:
        try:
            return self.variants[vid]
        except KeyError:
            raise LightspeedError(404, "Variant not found") from None

    def update_variant(self, vid: int, body: Json) -> Json:
        with self.lock:
            variant = self.variant(vid)
            for key in ("stockLevel", "stockTracking", "priceExcl", "priceIncl", "title"):
                if key in body:
                    variant[key] = body[key]
            variant["updatedAt"] = self._stamp()
            return variant

    def _take_stock(self, vid: int, quantity: int) -> None:
        variant = self.variants[vid]
        if variant["stockTracking"] == "enabled":
            variant["stockLevel"] -= quantity
            variant["stockSold"] += quantity

    # -- checkouts -> orders -----------------------------------------------------------

    def create_checkout(self, body: Json) -> Json:
        with self.lock:
            cid = next(self._ids)
            checkout = {"id": cid, "createdAt": self._stamp(), "customer": body.get("customer"),
                        "billing_address": body.get("billing_address"),
                        "shipping_address": body.get("shipping_address"),
                        "comment": str(body.get("comment") or ""), "products": [],
                        "order": None}
            self.checkouts[cid] = checkout
            return checkout

    def checkout(self, cid: int) -> Json:
        try:
            return self.checkouts[cid]
        except KeyError:
            raise LightspeedError(404, "Checkout not found") from None

    def add_checkout_product(self, cid: int, variant_id: Any, quantity: Any) -> Json:
        with self.lock:
            checkout = self.checkout(cid)
            if checkout["order"] is not None:
                raise LightspeedError(400, "Checkout is already converted to an order")
            if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
                raise LightspeedError(400, "Invalid quantity")
            if not isinstance(variant_id, int) or variant_id not in self.variants:
                raise LightspeedError(400, "Invalid variant_id")
            line = {"id": next(self._ids), "variant_id": variant_id, "quantity": quantity}
            checkout["products"].append(line)
            return line

    def place_order(self, cid: int) -> Json:
        """The checkout becomes an order: stock taken, one open shipment with every line."""
        with self.lock:
            checkout = self.checkout(cid)
            if checkout["order"] is not None:
                raise LightspeedError(400, "Checkout is already converted to an order")
            if not checkout["products"]:
                raise LightspeedError(400, "Checkout has no products")
            for line in checkout["products"]:
                variant = self.variants[line["variant_id"]]
                if (variant["stockTracking"] == "enabled"
                        and variant["stockLevel"] < line["quantity"]):
                    raise LightspeedError(400, f"Not enough stock for {variant['sku']}")
            oid = next(self._ids)
            now = self._stamp()
            customer = checkout.get("customer") or {}
            ship = checkout.get("shipping_address") or {}
            order = {
                "id": oid, "createdAt": now, "updatedAt": now, "number": f"ORD{oid:05d}",
                "status": "processing_awaiting_shipment", "channel": "api",
                "email": customer.get("email", ""), "firstname": customer.get("firstname", ""),
                "lastname": customer.get("lastname", ""), "phone": customer.get("phone", ""),
                "addressShippingName": ship.get("name", ""),
                "addressShippingStreet": ship.get("street", ""),
                "addressShippingZipcode": ship.get("zipcode", ""),
                "addressShippingCity": ship.get("city", ""),
                "paymentStatus": "paid", "shipmentStatus": "not_shipped",
                "comment": checkout["comment"], "memo": "",
                "products": link(self.base, f"orders/{oid}/products", False),
                "shipments": link(self.base, f"shipments?order={oid}", False),
                "metafields": link(self.base, f"orders/{oid}/metafields", False),
            }
            products = []
            for line in checkout["products"]:
                variant = self.variants[line["variant_id"]]
                self._take_stock(variant["id"], line["quantity"])
                products.append({
                    "id": next(self._ids), "productTitle": variant["title"],
                    "variantTitle": variant["title"], "quantityOrdered": line["quantity"],
                    "quantityShipped": 0, "quantityRefunded": 0, "quantityReturned": 0,
                    "articleCode": variant["articleCode"], "ean": variant["ean"],
                    "sku": variant["sku"], "priceIncl": variant["priceIncl"],
                    "variant": link(self.base, f"variants/{variant['id']}", variant["id"])})
            self.orders[oid] = order
            self.order_products[oid] = products
            self._new_shipment(oid, "not_shipped", "", [
                (p["id"], p["quantityOrdered"]) for p in products])
            checkout["order"] = oid
            return order

    # -- orders ------------------------------------------------------------------------

    def order(self, oid: int) -> Json:
        try:
            return self.orders[oid]
        except KeyError:
            raise LightspeedError(404, "Order not found") from None

    def update_order(self, oid: int, body: Json) -> Json:
        """``status`` (one of ``ORDER_STATUSES``) and ``memo``; cancelling gives the stock
        back once. A PUT that changes nothing leaves ``updatedAt`` alone."""
        with self.lock:
            order = self.order(oid)
            status = body.get("status", order["status"])
            if status not in ORDER_STATUSES:
                raise LightspeedError(400, f"Invalid status {status!r}")
            changed = False
            if status != order["status"]:
                if order["status"] == "cancelled":
                    raise LightspeedError(400, "A cancelled order cannot change status")
                if status == "cancelled":
                    self._cancel(order)
                order["status"] = status
                changed = True
            if "memo" in body and body["memo"] != order["memo"]:
                order["memo"], changed = str(body["memo"]), True
            if changed:
                order["updatedAt"] = self._stamp()
            return order

    def _cancel(self, order: Json) -> None:
        for product in self.order_products[order["id"]]:
            vid = product["variant"]["resource"]["id"]
            open_qty = product["quantityOrdered"] - product["quantityShipped"]
            if vid in self.variants and self.variants[vid]["stockTracking"] == "enabled":
                self.variants[vid]["stockLevel"] += open_qty
        for shipment in self._shipments_of(order["id"]):
            if shipment["status"] == "not_shipped":
                shipment["status"] = "cancelled"
                shipment["updatedAt"] = self._stamp()
        order["paymentStatus"] = "cancelled"

    # -- shipments ---------------------------------------------------------------------

    def _new_shipment(self, oid: int, status: str, code: str,
                      lines: list[tuple[int, int]]) -> Json:
        sid = next(self._ids)
        now = self._stamp()
        shipment = {"id": sid, "createdAt": now, "updatedAt": now, "number": f"SHIP{sid:05d}",
                    "status": status, "trackingCode": code, "doNotifyShipped": False,
                    "doNotifyReadyForPickup": False, "doNotifyTrackingCode": False,
                    "order": link(self.base, f"orders/{oid}", oid),
                    "products": link(self.base, f"shipments/{sid}/products", False),
                    "metafields": link(self.base, f"shipments/{sid}/metafields", False)}
        self.shipments[sid] = shipment
        by_id = {p["id"]: p for p in self.order_products[oid]}
        self.shipment_products[sid] = [
            {"id": next(self._ids), "quantity": qty, "title": by_id[pid]["productTitle"],
             "articleCode": by_id[pid]["articleCode"], "ean": by_id[pid]["ean"],
             "sku": by_id[pid]["sku"], "orderProductId": pid} for pid, qty in lines]
        self.metafields[sid] = []
        return shipment

    def _shipments_of(self, oid: int) -> list[Json]:
        return [s for s in self.shipments.values() if s["order"]["resource"]["id"] == oid]

    def shipments_of(self, oid: int | None) -> list[Json]:
        with self.lock:
            if oid is None:
                return list(self.shipments.values())
            return self._shipments_of(oid)

    def shipment(self, sid: int) -> Json:
        try:
            return self.shipments[sid]
        except KeyError:
            raise LightspeedError(404, "Shipment not found") from None

    def update_shipment(self, sid: int, body: Json) -> Json:
        """``status`` (shipped ships the shipment's lines) and ``trackingCode``."""
        with self.lock:
            shipment = self.shipment(sid)
            status = body.get("status", shipment["status"])
            if status not in SHIPMENT_STATUSES:
                raise LightspeedError(400, f"Invalid status {status!r}")
            changed = False
            if status != shipment["status"]:
                if status == "shipped":
                    self._ship_lines(shipment)
                shipment["status"], changed = status, True
            code = body.get("trackingCode")
            if code is not None and str(code) != shipment["trackingCode"]:
                shipment["trackingCode"], changed = str(code), True
            if changed:
                shipment["updatedAt"] = self._stamp()
                self._sync_order(shipment["order"]["resource"]["id"])
            return shipment

    def _ship_lines(self, shipment: Json) -> None:
        oid = shipment["order"]["resource"]["id"]
        by_id = {p["id"]: p for p in self.order_products[oid]}
        for line in self.shipment_products[shipment["id"]]:
            by_id[line["orderProductId"]]["quantityShipped"] += line["quantity"]

    def _sync_order(self, oid: int) -> None:
        """The order's shipmentStatus (and status, when all is shipped) from its lines."""
        order = self.orders[oid]
        products = self.order_products[oid]
        shipped = sum(p["quantityShipped"] for p in products)
        ordered = sum(p["quantityOrdered"] for p in products)
        extra = any(s["status"] == "shipped" for s in self._shipments_of(oid))
        order["shipmentStatus"] = ("shipped" if shipped >= ordered and ordered
                                   else "partially_shipped" if shipped or extra
                                   else "not_shipped")
        if order["shipmentStatus"] == "shipped" and order["status"] != "cancelled":
            order["status"] = "completed_shipped"
        order["updatedAt"] = self._stamp()

    def add_metafield(self, sid: int, key: str, value: str) -> Json:
        with self.lock:
            shipment = self.shipment(sid)
            now = self._stamp()
            field = {"id": next(self._ids), "createdAt": now, "updatedAt": now,
                     "key": key, "value": value}
            self.metafields[sid].append(field)
            shipment["updatedAt"] = now
            self.orders[shipment["order"]["resource"]["id"]]["updatedAt"] = now
            return field

    def add_shipment(self, oid: int, code: str) -> Json:
        """A further shipped shipment holding no lines (a second parcel's code)."""
        with self.lock:
            self.order(oid)
            shipment = self._new_shipment(oid, "shipped", code, [])
            self._sync_order(oid)
            return shipment
