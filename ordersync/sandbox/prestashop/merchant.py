"""The merchant in the PrestaShop twin's back office (``ShopMerchant`` and ``MerchantFacts``):
products with stock, ship an order (state Shipped, the carrier and tracking number on its
order_carrier), add a tracking number, cancel (state Canceled). In-process, over the store.
Like the admin (AdminOrdersController), setting a tracking number updates the order, so its
``date_upd`` moves. PrestaShop ships and cancels whole orders: order_carriers name no lines."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from ordersync.connectors.prestashop.facts import CANCELLED_STATES, COMPLETED_STATES, SHIPPED
from ordersync.sandbox.merchant import CatalogItem
from ordersync.sandbox.prestashop.store import Row, now
from ordersync.sandbox.prestashop.twin import PrestaShopTwin
from ordersync.sandbox.shop_facts import ShopFacts, moment

WHOLE_ORDERS = ("PrestaShop ships whole orders: an order_carrier (the tracking number's home) "
                "names no order lines, and order states apply to the whole order")


class PrestaShopMerchant:
    platform = "prestashop"

    def __init__(self, twin: PrestaShopTwin) -> None:
        self.twin = twin
        self.store = twin.store

    def stock_catalog(self, items: Iterable[CatalogItem]) -> None:
        with self.store.lock:
            for item in items:
                product = self.store.product_by_reference(item.sku)
                if product is None:
                    product = self.store.add("products", {
                        "reference": item.sku, "name": item.title, "price": f"{item.price:.2f}",
                        "ean13": item.ean or "", "active": "1"})
                    self.store.add("stock_availables", {
                        "id_product": str(product["id"]), "id_product_attribute": "0",
                        "id_shop": "1", "quantity": str(item.stock), "depends_on_stock": "0",
                        "out_of_stock": "2"})
                else:
                    self.store.stock_row(product["id"])["quantity"] = str(item.stock)

    def orders_for(self, reference: str) -> list[str]:
        with self.store.lock:
            return [str(o["id"]) for o in self.store.rows["orders"].values()
                    if o.get("note") == reference]

    def _order(self, shop_id: str) -> Row:
        return self.store.get("orders", int(shop_id))

    def _carrier_rows(self, shop_id: str) -> list[Row]:
        return [r for r in self.store.rows["order_carriers"].values()
                if r["id_order"] == str(int(shop_id))]

    def _carrier_id(self, name: str | None) -> str:
        if not name:
            return "1"
        for carrier in self.store.rows["carriers"].values():
            if carrier["name"] == name:
                return str(carrier["id"])
        return str(self.store.add("carriers", {"name": name, "active": "1",
                                               "deleted": "0"})["id"])

    def _set_tracking(self, shop_id: str, code: str, carrier: str | None) -> Row:
        """The first order_carrier without a number gets it, else a new row (a second
        parcel); the order is updated, as the admin does."""
        rows = self._carrier_rows(shop_id)
        row = next((r for r in rows if not r["tracking_number"]), None)
        if row is None:
            row = self.store.add("order_carriers", {**{k: v for k, v in rows[0].items()
                                                       if k != "id"}, "date_add": now()})
        row.update(tracking_number=code)
        if carrier:
            row["id_carrier"] = self._carrier_id(carrier)
        order = self._order(shop_id)
        order.update(date_upd=now(), shipping_number=code)
        return row

    def ship(self, shop_id: str, code: str | None = None, carrier: str | None = None,
             lines: Mapping[str, int] | None = None) -> str:
        if lines is not None:
            raise NotImplementedError(WHOLE_ORDERS)
        with self.store.lock:
            rows = self._carrier_rows(shop_id)
            if carrier:
                rows[0]["id_carrier"] = self._carrier_id(carrier)
            row = self._set_tracking(shop_id, code, carrier) if code else rows[0]
            if int(self._order(shop_id)["current_state"]) not in COMPLETED_STATES:
                self.store.change_state(int(shop_id), SHIPPED)
            return str(row["id"])

    def add_tracking(self, shop_id: str, code: str, carrier: str | None = None) -> None:
        with self.store.lock:
            self._set_tracking(shop_id, code, carrier)

    def cancel(self, shop_id: str, lines: Mapping[str, int] | None = None) -> None:
        if lines is not None:
            raise NotImplementedError("PrestaShop cancels whole orders (a line is refunded "
                                      "or returned, not cancelled)")
        with self.store.lock:
            self.store.change_state(int(shop_id), 6)

    def lines(self, shop_id: str) -> dict[str, int]:
        raise NotImplementedError(WHOLE_ORDERS)

    def marks(self, shop_id: str, text: str) -> int:
        """How often the order's note carries ``text`` (the twin keeps no order messages)."""
        with self.store.lock:
            return str(self._order(shop_id).get("note") or "").count(text)

    def order_state(self, shop_id: str) -> str:
        with self.store.lock:
            state = int(self._order(shop_id)["current_state"])
            return str(self.store.get("order_states", state)["name"]).lower()

    def stock(self, sku: str) -> int | None:
        with self.store.lock:
            product = self.store.product_by_reference(sku)
            return None if product is None else int(self.store.stock_row(product["id"])
                                                    ["quantity"])

    def facts(self, shop_id: str) -> ShopFacts:
        with self.store.lock:
            order = self._order(shop_id)
            history = [h for h in self.store.rows["order_histories"].values()
                       if h["id_order"] == str(int(shop_id))]
            first = {}
            for h in history:
                first.setdefault(int(h["id_order_state"]), h["date_add"])
            cancelled = next((first[s] for s in sorted(CANCELLED_STATES) if s in first), None)
            shipped = next((first[s] for s in sorted(COMPLETED_STATES) if s in first), None)
            codes = tuple(r["tracking_number"] for r in self._carrier_rows(shop_id)
                          if r["tracking_number"])
            return ShopFacts(str(order["id"]), moment(order["date_add"]) or datetime.now(UTC),
                             moment(cancelled), moment(shipped),
                             codes[0] if codes else None, codes=codes)

    def reset(self) -> None:
        self.twin.reset()
