"""The merchant in the CCV Shop twin's back office (``ShopMerchant`` + ``MerchantFacts``):
products with stock, ship an order (status Sent, with or without track & trace), add a code,
cancel. In-process, over the twin's store. CCV ships whole orders: one track & trace field
per order and no shipment per order row."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from ordersync.connectors.ccvshop.facts import CODE_SEPARATOR, STATUS_NAMES
from ordersync.sandbox.ccvshop.store import CANCELLED
from ordersync.sandbox.ccvshop.twin import CcvShopTwin
from ordersync.sandbox.merchant import CatalogItem
from ordersync.sandbox.shop_facts import ShopFacts, moment

WHOLE_ORDERS = ("CCV Shop ships whole orders: an order has one status and one track & trace "
                "field, no shipment per order row")


class CcvShopMerchant:
    platform = "ccvshop"

    def __init__(self, twin: CcvShopTwin) -> None:
        self.twin = twin

    def _product(self, sku: str) -> dict | None:
        return next((p for p in list(self.twin.store.products.values())
                     if p["productnumber"] == sku), None)

    def stock_catalog(self, items: Iterable[CatalogItem]) -> None:
        for item in items:
            product = self._product(item.sku)
            if product is None:
                self.twin.add_product(item.title, item.sku, float(item.price), item.stock,
                                      item.ean or "")
            else:
                self.twin.store.update_product(product["id"], {"stockenabled": True,
                                                               "stock": float(item.stock)})

    def orders_for(self, reference: str) -> list[str]:
        return [str(o["id"]) for o in list(self.twin.store.orders.values())
                if o.get("reservationnumber") == reference]

    def facts(self, shop_id: str) -> ShopFacts:
        with self.twin.store.lock:
            order = self.twin.get(shop_id)
            codes = tuple(c.strip() for c in str(order["track_and_trace_code"] or "").split(
                CODE_SEPARATOR) if c.strip())
            return ShopFacts(str(order["id"]),
                             moment(order["create_date"]) or datetime.now(UTC),
                             moment(order["_cancelled"]), moment(order["_shipped"]),
                             codes[0] if codes else None, codes=codes,
                             uncoded=order["_shipped"] is not None and not codes)

    def ship(self, shop_id: str, code: str | None = None, carrier: str | None = None,
             lines: Mapping[str, int] | None = None) -> str:
        if lines is not None:
            raise NotImplementedError(WHOLE_ORDERS)
        self.twin.ship(shop_id, code, carrier)
        return f"{shop_id}-sent"

    def add_tracking(self, shop_id: str, code: str, carrier: str | None = None) -> None:
        """A further code goes into the order's one field, comma-separated (its carrier
        paired by position)."""
        with self.twin.store.lock:
            order = self.twin.get(shop_id)
            codes = [c for c in str(order["track_and_trace_code"] or "").split(
                CODE_SEPARATOR) if c.strip()]
            carriers = [c for c in str(order["track_and_trace_carrier"] or "").split(
                CODE_SEPARATOR)] if codes else []
            body = {"track_and_trace_code": CODE_SEPARATOR.join([*codes, code]),
                    "track_and_trace_carrier": CODE_SEPARATOR.join([*carriers, carrier or ""])}
            if order["status"] not in (5, 6, 7):
                body["status"] = 5
            self.twin.store.update_order(int(shop_id), body)

    def cancel(self, shop_id: str, lines: Mapping[str, int] | None = None) -> None:
        if lines is not None:
            raise NotImplementedError("CCV Shop cancels whole orders (status 8); a row is "
                                      "changed by replacing every order row")
        self.twin.store.update_order(int(shop_id), {"status": CANCELLED})

    def lines(self, shop_id: str) -> dict[str, int]:
        raise NotImplementedError(WHOLE_ORDERS)

    def marks(self, shop_id: str, text: str) -> int:
        with self.twin.store.lock:
            return sum(text in (n.get("note") or "")
                       for n in self.twin.store.notes.get(int(shop_id), []))

    def order_state(self, shop_id: str) -> str:
        return STATUS_NAMES.get(self.twin.get(shop_id)["status"], "unknown")

    def stock(self, sku: str) -> int | None:
        product = self._product(sku)
        if product is None or not product["stockenabled"]:
            return None
        return int(product["stock"])

    def reset(self) -> None:
        self.twin.reset()
