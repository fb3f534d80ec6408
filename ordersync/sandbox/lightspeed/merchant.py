"""The merchant in the Lightspeed eCom twin's back office (``ShopMerchant`` +
``MerchantFacts``): variants with tracked stock, ship the order's shipment with or without a
tracking code (the carrier as a shipment metafield), add a code, cancel. In-process, over the
twin's store."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from ordersync.connectors.lightspeed.mapping import CARRIER_KEY, reference_text
from ordersync.sandbox.lightspeed.twin import LightspeedTwin
from ordersync.sandbox.merchant import CatalogItem
from ordersync.sandbox.shop_facts import ShopFacts, moment

PER_LINE = ("the hub creates Lightspeed orders through the checkout, whose lines carry no "
            "marketplace line id, so a shipment's lines cannot be named by it; each shipment "
            "is read as a whole-order parcel")


class LightspeedMerchant:
    platform = "lightspeed"

    def __init__(self, twin: LightspeedTwin) -> None:
        self.twin = twin
        self.store = twin.store

    def _variant(self, sku: str) -> dict | None:
        return next((v for v in list(self.store.variants.values()) if v["sku"] == sku), None)

    def stock_catalog(self, items: Iterable[CatalogItem]) -> None:
        for item in items:
            variant = self._variant(item.sku)
            if variant is None:
                self.store.add_variant(item.sku, item.title, float(item.price), item.stock,
                                       item.ean or "")
            else:
                self.store.update_variant(variant["id"], {"stockTracking": "enabled",
                                                          "stockLevel": item.stock})

    def orders_for(self, reference: str) -> list[str]:
        text = reference_text(reference)
        return [str(o["id"]) for o in list(self.store.orders.values()) if o["comment"] == text]

    def ship(self, shop_id: str, code: str | None = None, carrier: str | None = None,
             lines: Mapping[str, int] | None = None) -> str:
        if lines is not None:
            raise NotImplementedError(PER_LINE)
        with self.store.lock:
            shipment = next((s for s in self.store.shipments_of(int(shop_id))
                             if s["status"] == "not_shipped"), None)
            if shipment is None:
                raise ValueError(f"order {shop_id} has no open shipment")
            self.store.update_shipment(shipment["id"], {"status": "shipped",
                                                        "trackingCode": code or ""})
            if code and carrier:
                self.store.add_metafield(shipment["id"], CARRIER_KEY, carrier)
            return str(shipment["id"])

    def add_tracking(self, shop_id: str, code: str, carrier: str | None = None) -> None:
        """The code goes on a shipped shipment without one; else a further shipment."""
        with self.store.lock:
            shipment = next((s for s in self.store.shipments_of(int(shop_id))
                             if s["status"] == "shipped" and not s["trackingCode"]), None)
            if shipment is None:
                shipment = self.store.add_shipment(int(shop_id), code)
            else:
                self.store.update_shipment(shipment["id"], {"trackingCode": code})
            if carrier:
                self.store.add_metafield(shipment["id"], CARRIER_KEY, carrier)

    def cancel(self, shop_id: str, lines: Mapping[str, int] | None = None) -> None:
        if lines is not None:
            raise NotImplementedError("Lightspeed cancels whole orders (a line is credited, "
                                      "not cancelled)")
        self.store.update_order(int(shop_id), {"status": "cancelled"})

    def lines(self, shop_id: str) -> dict[str, int]:
        raise NotImplementedError(PER_LINE)

    def marks(self, shop_id: str, text: str) -> int:
        order = self.store.order(int(shop_id))
        return int(text in (order.get("memo") or ""))

    def order_state(self, shop_id: str) -> str:
        return str(self.store.order(int(shop_id))["status"])

    def stock(self, sku: str) -> int | None:
        variant = self._variant(sku)
        if variant is None or variant["stockTracking"] != "enabled":
            return None
        return int(variant["stockLevel"])

    def facts(self, shop_id: str) -> ShopFacts:
        """Lightspeed keeps no cancellation time: the last update stands in for it."""
        with self.store.lock:
            order = self.store.order(int(shop_id))
            shipped = sorted((s for s in self.store.shipments_of(int(shop_id))
                              if s["status"] == "shipped"), key=lambda s: s["id"])
            codes = tuple(s["trackingCode"] for s in shipped if s["trackingCode"])
            return ShopFacts(
                str(order["id"]), moment(order["createdAt"]) or datetime.now(UTC),
                moment(order["updatedAt"]) if order["status"] == "cancelled" else None,
                moment(shipped[0]["updatedAt"]) if shipped else None,
                codes[0] if codes else None, codes=codes,
                uncoded=any(not s["trackingCode"] for s in shipped),
                partial=order["shipmentStatus"] == "partially_shipped")

    def reset(self) -> None:
        self.twin.reset()
