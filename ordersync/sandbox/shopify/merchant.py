"""The merchant in the Shopify twin's admin (``ShopMerchant``): stock, ship per fulfillment
order line with or without tracking, add tracking, cancel. In-process, over the twin's state."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from ordersync.sandbox.merchant import CatalogItem
from ordersync.sandbox.shop_facts import ShopFacts, moment
from ordersync.sandbox.shopify.twin import ShopifyTwin

LINE_PROPERTY = "_marketplace_line_id"  # the connector keeps the marketplace line id here


class ShopifyMerchant:
    platform = "shopify"

    def __init__(self, twin: ShopifyTwin) -> None:
        self.twin = twin

    def stock_catalog(self, items: Iterable[CatalogItem]) -> None:
        for item in items:
            try:
                self.twin.catalog.variant_by_sku(item.sku)
            except KeyError:
                self.twin.catalog.add_product(item.title, [{
                    "sku": item.sku, "price": f"{item.price:.2f}", "quantity": item.stock,
                    "barcode": item.ean}])
            else:
                self.twin.catalog.set_stock(item.sku, item.stock)

    def orders_for(self, reference: str) -> list[str]:
        """The hub's orders are live ones (never seeded history): no need to render those."""
        store = self.twin.store
        with store.lock:
            return [str(o["id"]) for o in store.orders.values()
                    if o.get("source_identifier") == reference]

    def facts(self, shop_id: str) -> ShopFacts:
        order = self.twin.get(shop_id)
        first = (order.get("fulfillments") or [None])[0]
        items = {li["id"]: _line_id(li) for li in order.get("line_items") or ()}
        codes: list[str] = []
        shipped: Counter[str] = Counter()
        holding: Counter[str] = Counter()
        uncoded = False
        for fulfillment in order.get("fulfillments") or ():
            codes += [c for c in fulfillment.get("tracking_numbers") or () if c not in codes]
            uncoded = uncoded or not fulfillment.get("tracking_numbers")
            for line in fulfillment.get("line_items") or ():
                if (item := items.get(line["id"])) is not None:
                    shipped[item] += line["quantity"]
                    holding[item] += 1
        return ShopFacts(str(order["id"]), moment(order["created_at"]) or datetime.now(UTC),
                         moment(order.get("cancelled_at")),
                         moment(first["created_at"]) if first else None,
                         first.get("tracking_number") if first else None,
                         codes=tuple(codes), shipped=dict(shipped), parcels_of=dict(holding),
                         uncoded=uncoded,
                         partial=order.get("fulfillment_status") == "partial")

    def ship(self, shop_id: str, code: str | None = None, carrier: str | None = None,
             lines: Mapping[str, int] | None = None) -> str:
        if lines is None:
            return str(self.twin.complete(shop_id, code, carrier)["id"])
        store = self.twin.store
        with store.lock:
            order = store.order(int(shop_id))
            item_of = {_line_id(li): li["id"] for li in order["line_items"]}
            unknown = sorted(set(lines) - set(item_of))
            if unknown:
                raise KeyError(f"order {shop_id} has no marketplace line {', '.join(unknown)}")
            wanted = {item_of[k]: q for k, q in lines.items() if q}
            picks = []
            for fo in store.fulfillment_orders.get(order["id"], []):
                chosen = [{"id": li["id"], "quantity": wanted[li["line_item_id"]]}
                          for li in fo["line_items"] if li["line_item_id"] in wanted]
                if chosen and fo["status"] in ("open", "in_progress"):
                    picks.append({"fulfillment_order_id": fo["id"],
                                  "fulfillment_order_line_items": chosen})
            return str(store.fulfill({"fulfillment": {
                "line_items_by_fulfillment_order": picks,
                "tracking_info": {"number": code, "company": carrier},
                "notify_customer": False}})["id"])

    def add_tracking(self, shop_id: str, code: str, carrier: str | None = None) -> None:
        self.twin.add_tracking(shop_id, code, carrier)

    def cancel(self, shop_id: str, lines: Mapping[str, int] | None = None) -> None:
        """The whole order, or these quantities of its lines (a refund with restock type
        cancel, as Shopify's admin does it for unfulfilled units)."""
        if lines is None:
            self.twin.cancel(shop_id)
            return
        order = self.twin.get(shop_id)
        item_of = {_line_id(li): li["id"] for li in order["line_items"]}
        unknown = sorted(set(lines) - set(item_of))
        if unknown:
            raise KeyError(f"order {shop_id} has no marketplace line {', '.join(unknown)}")
        self.twin.cancel_lines(shop_id, {item_of[k]: q for k, q in lines.items() if q})

    def lines(self, shop_id: str) -> dict[str, int]:
        """Marketplace line id -> quantity ordered, as the order's line items hold them."""
        order = self.twin.get(shop_id)
        return {key: li["quantity"] for li in order["line_items"]
                if (key := _line_id(li)) is not None}

    def marks(self, shop_id: str, text: str) -> int:
        """How often the order carries ``text``: lines of its note, and its refunds' notes."""
        order = self.twin.get(shop_id)
        note = sum(text in line for line in (order.get("note") or "").splitlines())
        return note + sum(text in (r.get("note") or "") for r in order.get("refunds") or [])

    def order_state(self, shop_id: str) -> str:
        order = self.twin.get(shop_id)
        if order["cancelled_at"]:
            return "cancelled"
        return order["fulfillment_status"] or "unfulfilled"

    def stock(self, sku: str) -> int | None:
        try:
            return int(self.twin.catalog.stock_of(sku))
        except KeyError:
            return None

    def reset(self) -> None:
        self.twin.reset()


def _line_id(line: Mapping[str, Any]) -> str | None:
    for prop in line.get("properties") or []:
        if prop.get("name") == LINE_PROPERTY:
            return str(prop.get("value"))
    return None
