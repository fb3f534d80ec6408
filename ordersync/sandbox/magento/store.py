"""The Magento twin's state: products, MSI source items, orders with items and addresses,
shipments with items and tracks, and the order state machine (order-states.json).

Faithful where the loop depends on it:
- ``POST /V1/orders`` is the order repository's save: the entity as given (state/status
  default new/pending), ids and dates assigned, no stock reserved (MSI reserves only for
  orders placed through a cart; sources are deducted when an order ships).
- Ship (``POST /V1/order/{id}/ship``): not for canceled, closed or held orders, nor for
  quantities beyond what is left (Magento's validation messages); deducts the default source;
  the order becomes ``complete`` once everything is shipped and invoiced, else stays
  ``processing``.
- Cancel (``POST /V1/orders/{id}/cancel``) answers false when ``canCancel()`` is false
  (canceled, complete, closed, holded, payment_review, or nothing left to cancel); else the
  remaining quantities are cancelled and the state becomes canceled (complete/processing when
  some items had shipped).
- Dates are UTC ``Y-m-d H:i:s``; adding a track saves its shipment (``updated_at``), not the
  order.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from ordersync.sandbox.magento.errors import NOT_FOUND, MagentoError

Json = dict[str, Any]
STATUS_OF_STATE = {"new": "pending", "pending_payment": "pending_payment",
                   "processing": "processing", "complete": "complete", "closed": "closed",
                   "canceled": "canceled", "holded": "holded", "payment_review": "payment_review"}
NOT_CANCELABLE = frozenset({"canceled", "complete", "closed", "holded", "payment_review"})
NOT_SHIPPABLE = frozenset({"canceled", "closed", "holded", "payment_review"})
SHIP_REFUSED = ("Shipment Document Validation Error(s):\n"
                "The order does not allow a shipment to be created.")
BAD_QTY = 'We found an invalid quantity to ship for item "%1".'
DEFAULT_SOURCE = "default"
MAGENTO_CARRIERS = {"ups": "ups", "dhl": "dhl", "fedex": "fedex", "usps": "usps"}


def track_entity(code: str, carrier: str | None) -> dict[str, str]:
    """A track as the admin makes it: Magento's own carrier code for UPS, DHL, FedEx and
    USPS, else ``custom`` with the carrier as ``title``."""
    key = (carrier or "").strip().lower()
    return {"track_number": code, "carrier_code": MAGENTO_CARRIERS.get(key, "custom"),
            "title": carrier or ""}


def _qty(item: Mapping[str, Any], key: str) -> float:
    return float(item.get(key) or 0)


def qty_to_ship(item: Mapping[str, Any]) -> float:
    """Quantity still to ship: ordered - max(shipped, refunded) - cancelled (Magento's
    ``Item::getSimpleQtyToShip``: a credit memo before shipment takes units out)."""
    return (_qty(item, "qty_ordered") - max(_qty(item, "qty_shipped"), _qty(item, "qty_refunded"))
            - _qty(item, "qty_canceled"))


class MagentoStore:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        self.products: dict[str, Json] = {}
        self.source_items: dict[tuple[str, str], Json] = {}
        self.orders: dict[int, Json] = {}
        self.shipments: dict[int, Json] = {}
        self._ids: dict[str, int] = {}

    def now(self) -> str:
        return datetime.fromtimestamp(self.clock(), UTC).strftime("%Y-%m-%d %H:%M:%S")

    def next_id(self, kind: str) -> int:
        self._ids[kind] = self._ids.get(kind, 0) + 1
        return self._ids[kind]

    # -- catalogue ------------------------------------------------------------------------

    def save_product(self, sku: str, name: str, price: float) -> Json:
        now = self.now()
        product = self.products.get(sku)
        if product is None:
            product = {"id": self.next_id("product"), "sku": sku, "attribute_set_id": 4,
                       "status": 1, "visibility": 4, "type_id": "simple", "created_at": now,
                       "weight": 1, "extension_attributes": {"website_ids": [1]},
                       "custom_attributes": []}
            self.products[sku] = product
        product.update(name=name, price=price, updated_at=now)
        return product

    def save_source_item(self, sku: str, quantity: float, status: int | None = None,
                         source_code: str = DEFAULT_SOURCE) -> Json:
        if sku not in self.products:
            raise MagentoError(400, 'Product that you are trying to add is not exists.')
        item = {"sku": sku, "source_code": source_code, "quantity": float(quantity),
                "status": int(status if status is not None else (1 if quantity > 0 else 0))}
        self.source_items[(sku, source_code)] = item
        return item

    # -- orders ---------------------------------------------------------------------------

    def order(self, order_id: int) -> Json:
        order = self.orders.get(int(order_id))
        if order is None:
            raise MagentoError(404, NOT_FOUND)
        return order

    def save_order(self, entity: Mapping[str, Any]) -> Json:
        """The repository save of a new order (``POST /V1/orders``)."""
        for field in ("customer_email", "base_grand_total", "grand_total"):
            if entity.get(field) in (None, ""):
                raise MagentoError(400, '"%fieldName" is required. Enter and try again.',
                                   {"fieldName": field})
        items = entity.get("items")
        if not isinstance(items, list) or not items:
            raise MagentoError(400, '"%fieldName" is required. Enter and try again.',
                               {"fieldName": "items"})
        now, oid = self.now(), self.next_id("order")
        order: Json = copy.deepcopy(dict(entity))
        order.pop("extension_attributes", None)
        state = order.get("state") or "new"
        order.update(entity_id=oid, increment_id=f"{oid:09d}", created_at=now, updated_at=now,
                     state=state, status=order.get("status") or STATUS_OF_STATE[state],
                     store_id=order.get("store_id", 1), customer_is_guest=1,
                     total_item_count=len(items), protect_code=f"sandbox{oid:06d}")
        order["items"] = [self._item(oid, raw, now) for raw in items]
        billing = self._address(oid, order.get("billing_address") or {}, "billing")
        order["billing_address"] = billing
        order["billing_address_id"] = billing["entity_id"]
        payment = dict(order.get("payment") or {})
        payment.setdefault("method", "checkmo")
        payment.setdefault("additional_information", [])
        payment.update(entity_id=self.next_id("payment"), parent_id=oid,
                       account_status=payment.get("account_status"),
                       cc_last4=payment.get("cc_last4"),
                       amount_ordered=order["grand_total"],
                       base_amount_ordered=order["grand_total"])
        order["payment"] = payment
        order["status_histories"] = [
            {"entity_id": self.next_id("history"), "parent_id": oid, "created_at": now,
             "comment": h.get("comment"), "is_customer_notified": h.get("is_customer_notified"),
             "is_visible_on_front": h.get("is_visible_on_front", 0), "status": order["status"],
             "entity_name": "order"} for h in order.get("status_histories") or ()]
        assignments = []
        for assignment in (entity.get("extension_attributes") or {}).get(
                "shipping_assignments") or ():
            shipping = dict(assignment.get("shipping") or {})
            address = self._address(oid, shipping.get("address") or {}, "shipping")
            assignments.append({"shipping": {"address": address, "method": shipping.get("method"),
                                             "total": {"shipping_amount": 0}},
                                "items": order["items"]})
        order["extension_attributes"] = {"shipping_assignments": assignments,
                                         "payment_additional_info": []}
        self.orders[oid] = order
        return order

    def _item(self, oid: int, raw: Mapping[str, Any], now: str) -> Json:
        if not raw.get("sku"):
            raise MagentoError(400, '"%fieldName" is required. Enter and try again.',
                               {"fieldName": "sku"})
        item = {k: v for k, v in raw.items() if k not in ("parent_item", "product_option")}
        product = self.products.get(str(raw["sku"]))
        item.update(item_id=self.next_id("item"), order_id=oid, created_at=now, updated_at=now,
                    qty_ordered=float(raw.get("qty_ordered") or 0), qty_shipped=0.0,
                    qty_canceled=0.0, qty_invoiced=float(raw.get("qty_invoiced") or 0),
                    qty_refunded=0.0, product_type=raw.get("product_type", "simple"),
                    product_id=raw.get("product_id") or (product or {}).get("id"),
                    store_id=1, is_virtual=0)
        return item

    def _address(self, oid: int, raw: Mapping[str, Any], kind: str) -> Json:
        address = dict(raw)
        address.update(entity_id=self.next_id("address"), parent_id=oid, address_type=kind)
        return address

    def touch(self, order: Json) -> None:
        order["updated_at"] = self.now()

    def invoice(self, order_id: int) -> None:
        """The merchant invoices everything (marks every item invoiced)."""
        order = self.order(order_id)
        for item in order["items"]:
            item["qty_invoiced"] = item["qty_ordered"] - _qty(item, "qty_canceled")
        order["total_invoiced"] = order.get("grand_total")
        self._settle(order)
        self.touch(order)

    def _settle(self, order: Json) -> None:
        """The state after a shipment or an invoice (Magento's order state handler)."""
        if order["state"] in ("canceled", "closed", "holded"):
            return
        items = order["items"]
        left = any(qty_to_ship(i) > 0 for i in items)
        invoiced = all(_qty(i, "qty_invoiced") + _qty(i, "qty_canceled") >= _qty(i, "qty_ordered")
                       for i in items)
        shipped = any(_qty(i, "qty_shipped") > 0 for i in items)
        if not left and invoiced and shipped:
            state = "complete"
        elif order["state"] == "new" and shipped:
            state = "processing"
        else:
            return
        order.update(state=state, status=STATUS_OF_STATE[state])

    # -- shipments ------------------------------------------------------------------------

    def ship(self, order_id: int, items: list[Mapping[str, Any]] | None,
             tracks: list[Mapping[str, Any]] | None = None) -> Json:
        order = self.order(order_id)
        by_id = {int(i["item_id"]): i for i in order["items"]}
        if order["state"] in NOT_SHIPPABLE or not any(
                qty_to_ship(i) > 0 for i in order["items"]):
            raise MagentoError(400, SHIP_REFUSED)
        wanted: dict[int, float] = {}
        if items:
            for row in items:
                item = by_id.get(int(row.get("order_item_id") or 0))
                qty = float(row.get("qty") or 0)
                if item is None:
                    raise MagentoError(400, SHIP_REFUSED)
                left = qty_to_ship(item)
                if qty <= 0 or qty > left + 1e-9:
                    raise MagentoError(400, BAD_QTY, [item.get("sku")])
                wanted[int(item["item_id"])] = wanted.get(int(item["item_id"]), 0) + qty
        else:
            wanted = {i: qty_to_ship(it) for i, it in by_id.items()}
            wanted = {i: q for i, q in wanted.items() if q > 0}
        now, sid = self.now(), self.next_id("shipment")
        shipment: Json = {
            "entity_id": sid, "increment_id": f"{sid:09d}", "order_id": int(order_id),
            "store_id": 1, "created_at": now, "updated_at": now,
            "billing_address_id": order.get("billing_address_id"),
            "total_qty": sum(wanted.values()), "email_sent": None, "packages": [],
            "comments": [], "tracks": [], "items": []}
        for item_id, qty in wanted.items():
            item = by_id[item_id]
            item["qty_shipped"] = _qty(item, "qty_shipped") + qty
            shipment["items"].append({
                "entity_id": self.next_id("shipment_item"), "parent_id": sid,
                "order_item_id": item_id, "qty": qty, "sku": item.get("sku"),
                "name": item.get("name"), "price": item.get("price"),
                "product_id": item.get("product_id"), "weight": item.get("weight")})
            self._deduct(str(item.get("sku")), qty)
        self.shipments[sid] = shipment
        for track in tracks or ():
            self.add_track({**track, "order_id": int(order_id), "parent_id": sid})
        self._settle(order)
        self.touch(order)
        return shipment

    def ship_lines(self, order_id: int, lines: Mapping[str, int] | None,
                   code: str | None = None, carrier: str | None = None) -> Json:
        """The merchant ships in the admin: ``lines`` (marketplace line id -> qty) as one
        shipment, or (None) *Invoice* + *Ship* of everything left; ``code`` as its track."""
        order = self.order(order_id)
        tracks = [track_entity(code, carrier)] if code else None
        if lines is None:
            self.invoice(order_id)
            return self.ship(order_id, None, tracks)
        by_line = {str(i.get("ext_order_item_id") or i["item_id"]): int(i["item_id"])
                   for i in order["items"]}
        unknown = sorted(set(lines) - set(by_line))
        if unknown:
            raise MagentoError(400, 'The order has no item "%1".', [", ".join(unknown)])
        items = [{"order_item_id": by_line[line], "qty": qty}
                 for line, qty in lines.items() if qty > 0]
        return self.ship(order_id, items, tracks)

    def track_latest(self, order_id: int, code: str, carrier: str | None = None) -> Json:
        """Shipment > Add Tracking Number on the order's latest shipment."""
        shipments = [s for s in self.shipments.values() if s["order_id"] == int(order_id)]
        if not shipments:
            raise MagentoError(400, "The shipment doesn't exist.")
        latest = max(shipments, key=lambda s: s["entity_id"])
        return self.add_track({**track_entity(code, carrier), "parent_id": latest["entity_id"]})

    def _deduct(self, sku: str, qty: float) -> None:
        source = self.source_items.get((sku, DEFAULT_SOURCE))
        if source is not None:
            source["quantity"] = source["quantity"] - qty
            if source["quantity"] <= 0:
                source["status"] = 0

    def add_track(self, entity: Mapping[str, Any]) -> Json:
        """``POST /V1/shipment/track``: a track on an existing shipment (saves the shipment,
        not the order)."""
        shipment = self.shipments.get(int(entity.get("parent_id") or 0))
        if shipment is None:
            raise MagentoError(400, "The shipment doesn't exist.")
        if not str(entity.get("track_number") or "").strip():
            raise MagentoError(400, "Please enter a tracking number.")
        now = self.now()
        track = {"entity_id": self.next_id("track"), "parent_id": shipment["entity_id"],
                 "order_id": shipment["order_id"], "track_number": str(entity["track_number"]),
                 "title": entity.get("title") or "", "carrier_code":
                 entity.get("carrier_code") or "custom", "weight": entity.get("weight"),
                 "qty": entity.get("qty"), "description": entity.get("description"),
                 "created_at": now, "updated_at": now}
        shipment["tracks"].append(track)
        shipment["updated_at"] = now
        return track

    # -- credit memos -----------------------------------------------------------------------

    def refund_unshipped(self, order_id: int, lines: Mapping[str, int]) -> Json:
        """Sales > Orders > Invoice, then Credit Memo (offline) of these unshipped quantities
        (marketplace line id -> qty): the admin's way to take units out of an order, since
        Magento cancels whole orders only. Sets ``qty_refunded`` on the items; the order
        becomes ``closed`` once nothing is left and nothing shipped."""
        order = self.order(order_id)
        if order["state"] in NOT_SHIPPABLE:
            raise MagentoError(400, "The order does not allow a creditmemo to be created.")
        by_line = {str(i.get("ext_order_item_id") or i["item_id"]): i for i in order["items"]}
        unknown = sorted(set(lines) - set(by_line))
        if unknown:
            raise MagentoError(400, 'The order has no item "%1".', [", ".join(unknown)])
        for line, qty in lines.items():
            if qty > qty_to_ship(by_line[line]) + 1e-9:
                raise MagentoError(400, "The most money available to refund is %1.", ["0"])
        self.invoice(order_id)
        memo: Json = {"entity_id": self.next_id("creditmemo"), "order_id": int(order_id),
                      "created_at": self.now(), "items": []}
        for line, qty in lines.items():
            item = by_line[line]
            item["qty_refunded"] = _qty(item, "qty_refunded") + qty
            memo["items"].append({"order_item_id": item["item_id"], "qty": float(qty),
                                  "sku": item.get("sku"), "back_to_stock": True})
        if not any(qty_to_ship(i) > 0 for i in order["items"]) and not any(
                _qty(i, "qty_shipped") > 0 for i in order["items"]):
            order.update(state="closed", status=STATUS_OF_STATE["closed"])
        else:
            self._settle(order)
        self.touch(order)
        return memo

    # -- cancellation ---------------------------------------------------------------------

    def cancel(self, order_id: int) -> bool:
        """``OrderManagementInterface::cancel``: False when ``canCancel()`` is false."""
        order = self.order(order_id)
        left = {int(i["item_id"]): qty_to_ship(i) for i in order["items"]}
        if order["state"] in NOT_CANCELABLE or not any(q > 0 for q in left.values()):
            return False
        for item in order["items"]:
            item["qty_canceled"] = _qty(item, "qty_canceled") + max(
                0.0, left[int(item["item_id"])])
        shipped = any(_qty(i, "qty_shipped") > 0 for i in order["items"])
        state = "canceled" if not shipped else "processing"
        order.update(state=state, status=STATUS_OF_STATE[state])
        if shipped:
            self._settle(order)
        self.touch(order)
        return True
