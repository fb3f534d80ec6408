"""The merchant in the WooCommerce twin's admin (``ShopMerchant``): products with managed
stock, complete an order with or without a Shipment Tracking entry, add tracking, cancel.
In-process, over the twin's store."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from ordersync.sandbox.merchant import CatalogItem
from ordersync.sandbox.shop_facts import ShopFacts, moment
from ordersync.sandbox.woocommerce.twin import WooCommerceTwin


class WooCommerceMerchant:
    platform = "woocommerce"

    def __init__(self, twin: WooCommerceTwin) -> None:
        self.twin = twin

    def _product(self, sku: str) -> dict | None:
        return next((p for p in list(self.twin.store.products.values()) if p["sku"] == sku),
                    None)

    def stock_catalog(self, items: Iterable[CatalogItem]) -> None:
        for item in items:
            product = self._product(item.sku)
            if product is None:
                self.twin.add_product(item.title, item.sku, price=f"{item.price:.2f}",
                                      stock=item.stock)
            else:
                self.twin.store.update_product(product["id"], {
                    "manage_stock": True, "stock_quantity": item.stock})

    def orders_for(self, reference: str) -> list[str]:
        return [str(o["id"]) for o in list(self.twin.store.orders.values())
                if any(m.get("value") == reference for m in o.get("meta_data") or [])]

    def facts(self, shop_id: str) -> ShopFacts:
        """WooCommerce keeps no cancellation time: the last modification stands in for it."""
        with self.twin.store.lock:
            order = self.twin.get(shop_id)
            trackings = self.twin.store.trackings.get(int(shop_id)) or []
            cancelled = order["status"] == "cancelled"
            return ShopFacts(str(order["id"]),
                             moment(order["date_created_gmt"]) or datetime.now(UTC),
                             moment(order["date_modified_gmt"]) if cancelled else None,
                             moment(order.get("date_completed_gmt")),
                             trackings[0]["tracking_number"] if trackings else None)

    def ship(self, shop_id: str, code: str | None = None, carrier: str | None = None,
             lines: Mapping[str, int] | None = None) -> str:
        if lines is not None:
            raise NotImplementedError("the WooCommerce twin ships whole orders only: core "
                                      "WooCommerce has no per-line fulfilment, and the hub's "
                                      "lines carry no marketplace line id yet")
        with self.twin.store.lock:
            self.twin.complete(shop_id, code, carrier or "")
            trackings = self.twin.store.trackings.get(int(shop_id)) or []
            return str(trackings[-1]["tracking_id"]) if code else f"{shop_id}-completed"

    def add_tracking(self, shop_id: str, code: str, carrier: str | None = None) -> None:
        self.twin.store.add_tracking(int(shop_id), {"tracking_provider": carrier or "",
                                                    "tracking_number": code})

    def cancel(self, shop_id: str, lines: Mapping[str, int] | None = None) -> None:
        if lines is not None:
            raise NotImplementedError("WooCommerce cancels whole orders (a line is refunded, "
                                      "not cancelled)")
        self.twin.set_status(shop_id, "cancelled")

    def lines(self, shop_id: str) -> dict[str, int]:
        raise NotImplementedError("WooCommerce ships whole orders: its order lines carry no "
                                  "marketplace line id the merchant could ship by")

    def marks(self, shop_id: str, text: str) -> int:
        """How often the order carries ``text``: its notes, and its refunds' reasons."""
        oid = int(shop_id)
        with self.twin.store.lock:
            notes = sum(text in (n.get("note") or "")
                        for n in self.twin.store.notes.get(oid, []))
        refunds = sum(text in (r.get("reason") or "")
                      for r in self.twin.refunds.refunds.get(oid, []))
        return notes + refunds

    def order_state(self, shop_id: str) -> str:
        return str(self.twin.get(shop_id)["status"])

    def stock(self, sku: str) -> int | None:
        product = self._product(sku)
        if product is None or not product["manage_stock"]:
            return None
        return int(product["stock_quantity"])

    def reset(self) -> None:
        self.twin.reset()
