"""The merchant in Magento's admin, on the twin (``ShopMerchant``).

- ``ship`` with ``lines`` None is the admin's *Invoice* + *Ship* of everything left (the order
  becomes ``complete``); with ``lines`` it creates one shipment of those quantities (the order
  stays ``processing``, not invoiced, until the merchant invoices it). A code becomes one
  track: ``ups``, ``dhl``, ``fedex``, ``usps`` as Magento's own ``carrier_code``, any other
  carrier as ``custom`` with the carrier as ``title``.
- ``add_tracking`` adds a track to the order's latest shipment (Shipment > Add Tracking).
- ``cancel`` cancels the whole order; Magento's admin has no per-line cancellation, so with
  ``lines`` the merchant takes those units out as the admin does: invoice, then a credit memo
  (offline refund) of the unshipped quantities (``qty_refunded``).
- ``marks`` counts the order's comments (status history) carrying a text; ``facts`` reads the
  order and its shipments for the demo's check (Magento keeps no cancel date: a cancelled
  order's ``updated_at`` stands for it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from ordersync.sandbox.magento.errors import MagentoError
from ordersync.sandbox.magento.store import DEFAULT_SOURCE, qty_to_ship
from ordersync.sandbox.magento.twin import MagentoTwin
from ordersync.sandbox.merchant import CatalogItem
from ordersync.sandbox.shop_facts import ShopFacts, moment

OPEN_STATES = frozenset({"new", "pending_payment", "processing", "holded", "payment_review"})


class MagentoMerchant:
    platform = "magento"

    def __init__(self, twin: MagentoTwin) -> None:
        self.twin = twin
        self.store = twin.store

    def stock_catalog(self, items: Iterable[CatalogItem]) -> None:
        for item in items:
            self.twin.add_product(item.sku, item.title, float(item.price), item.stock)

    def orders_for(self, reference: str) -> list[str]:
        with self.store.lock:
            return [str(o["entity_id"]) for o in self.twin.orders_with_reference(reference)]

    def ship(self, shop_id: str, code: str | None = None, carrier: str | None = None,
             lines: Mapping[str, int] | None = None) -> str:
        with self.store.lock:
            shipment = self.store.ship_lines(int(shop_id), lines, code, carrier)
            return str(shipment["entity_id"])

    def add_tracking(self, shop_id: str, code: str, carrier: str | None = None) -> None:
        with self.store.lock:
            self.store.track_latest(int(shop_id), code, carrier)

    def cancel(self, shop_id: str, lines: Mapping[str, int] | None = None) -> None:
        with self.store.lock:
            if lines is not None:
                self.store.refund_unshipped(int(shop_id), {k: q for k, q in lines.items() if q})
                return
            if not self.store.cancel(int(shop_id)):
                state = self.store.order(int(shop_id))["state"]
                raise MagentoError(400, "You cannot cancel the order (state %1).", [state])

    def lines(self, shop_id: str) -> dict[str, int]:
        """Marketplace line id (the item's ``ext_order_item_id``) -> quantity ordered."""
        with self.store.lock:
            return {str(i["ext_order_item_id"]): int(float(i.get("qty_ordered") or 0))
                    for i in self.store.order(int(shop_id))["items"]
                    if i.get("ext_order_item_id")}

    def marks(self, shop_id: str, text: str) -> int:
        """How many of the order's comments (status history) carry ``text``."""
        with self.store.lock:
            order = self.store.order(int(shop_id))
            return sum(text in (h.get("comment") or "")
                       for h in order.get("status_histories") or ())

    def facts(self, shop_id: str) -> ShopFacts:
        with self.store.lock:
            order = self.store.order(int(shop_id))
            line_of = {int(i["item_id"]): str(i.get("ext_order_item_id") or i["item_id"])
                       for i in order["items"]}
            shipments = sorted((s for s in self.store.shipments.values()
                                if s["order_id"] == int(shop_id)),
                               key=lambda s: s["entity_id"])
            codes: list[str] = []
            shipped: Counter[str] = Counter()
            holding: Counter[str] = Counter()
            for shipment in shipments:
                codes += [t["track_number"] for t in shipment["tracks"]
                          if t["track_number"] not in codes]
                for row in shipment["items"]:
                    line = line_of.get(int(row["order_item_id"]))
                    if line is not None:
                        shipped[line] += int(float(row["qty"]))
                        holding[line] += 1
            unshipped = any(qty_to_ship(i) > 0 for i in order["items"])
            first = shipments[0] if shipments else None
            return ShopFacts(
                str(order["entity_id"]), moment(order["created_at"]) or datetime.now(UTC),
                moment(order["updated_at"]) if order["state"] == "canceled" else None,
                moment(first["created_at"]) if first else None,
                first["tracks"][0]["track_number"] if first and first["tracks"] else None,
                codes=tuple(codes), shipped=dict(shipped), parcels_of=dict(holding),
                uncoded=any(not s["tracks"] for s in shipments),
                partial=bool(shipments) and unshipped)

    def order_state(self, shop_id: str) -> str:
        with self.store.lock:
            return str(self.store.order(int(shop_id))["status"])

    def stock(self, sku: str) -> int | None:
        """What is left to sell: the default source's quantity minus what open orders still
        hold (ordered - shipped - cancelled), never below 0; 0 when the source item is out of
        stock. This is MSI's salable quantity with every open order counted; Magento itself
        places no reservation for an order saved through ``POST /V1/orders``, so its admin's
        *Salable Quantity* column alone would not show the hub's orders."""
        with self.store.lock:
            item = self.store.source_items.get((sku, DEFAULT_SOURCE))
            if item is None:
                return None
            if int(item["status"]) != 1:
                return 0
            held = sum(max(0.0, qty_to_ship(i)) for o in self.store.orders.values()
                       if o["state"] in OPEN_STATES
                       for i in o["items"] if i.get("sku") == sku)
            return max(0, int(item["quantity"]) - int(held))

    def reset(self) -> None:
        self.twin.reset()
