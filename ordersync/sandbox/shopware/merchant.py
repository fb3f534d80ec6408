"""ShopMerchant over the Shopware twin: what a merchant does in the Administration.

Shipping sets the delivery's shipping method (the carrier the merchant picks; a new method is
created for an unknown carrier name), writes its ``trackingCodes`` and runs the
``order_delivery`` transition ``ship``, as the Administration's status change does.

Core Shopware keeps one delivery per order and has no per-line shipment: its
``shipped_partially`` state does not say which items left. Shipping *in parts* is therefore
done as shipping plugins and ERP integrations do it through the API: the shipped quantities
move from the open delivery into a new ``order_delivery`` (own positions, tracking codes and
state), which is then shipped; the rest stays open. Cancelling lines moves them into a
delivery that is cancelled the same way. Cancelling the whole order runs the ``order``
transition ``cancel`` (deliveries keep their state, as in the Administration).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from ordersync.connectors.shopware.criteria import LINE_FIELD, REFERENCE_FIELD
from ordersync.sandbox.merchant import CatalogItem
from ordersync.sandbox.shop_facts import ShopFacts, moment
from ordersync.sandbox.shopware.store import ShopwareStore, random_id
from ordersync.sandbox.shopware.twin import ShopwareTwin

Json = dict[str, Any]


class ShopwareMerchant:
    platform = "shopware"

    def __init__(self, twin: ShopwareTwin) -> None:
        self.twin = twin

    @property
    def store(self) -> ShopwareStore:
        return self.twin.store

    # -- catalogue ------------------------------------------------------------------------

    def stock_catalog(self, items: Iterable[CatalogItem]) -> None:
        for item in items:
            self.store.add_product(item.sku, item.title, float(item.price), item.stock)

    def stock(self, sku: str) -> int | None:
        with self.store.lock:
            for product in self.store.products.values():
                if product["productNumber"] == sku:
                    return int(product["stock"])
        return None

    # -- orders -------------------------------------------------------------------------

    def orders_for(self, reference: str) -> list[str]:
        with self.store.lock:
            return [o["id"] for o in self.store.orders.values()
                    if (o.get("customFields") or {}).get(REFERENCE_FIELD) == reference]

    def order_state(self, shop_id: str) -> str:
        """The order's status (``open``, ``in_progress``, ``completed``, ``cancelled``), as
        the Administration's order list shows it; ``delivery_states`` has the deliveries'."""
        with self.store.lock:
            return self._state(self.store.order(shop_id))

    def delivery_states(self, shop_id: str) -> list[str]:
        with self.store.lock:
            return [self._state(d) for d in self.store.order(shop_id)["deliveries"]]

    def _state(self, row: Json) -> str:
        return self.store.states[row["stateId"]]["technicalName"]

    def _method(self, carrier: str | None) -> str | None:
        if carrier is None:
            return None
        for method in self.store.shipping_methods.values():
            if method["name"].lower() == carrier.lower():
                return method["id"]
        return self.store.add_shipping_method(carrier)["id"]

    def _split(self, order: Json, lines: Mapping[str, int]) -> Json:
        """A new open delivery holding ``lines`` (marketplace line id -> quantity), taken
        from the open deliveries; the whole open delivery when that is all it holds."""
        item_of = {(li.get("customFields") or {}).get(LINE_FIELD): li["id"]
                   for li in order["lineItems"]}
        wanted = {item_of[line]: qty for line, qty in lines.items() if qty > 0}
        if None in item_of.values() or set(lines) - set(item_of):
            raise KeyError(f"unknown lines {sorted(set(lines) - set(item_of))}")
        open_ = [d for d in order["deliveries"] if self._state(d) == "open"]
        if not open_:
            raise ValueError(f"order {order['id']} has no open delivery")
        held = {p["orderLineItemId"]: p["quantity"] for d in open_ for p in d["positions"]}
        if any(held.get(item, 0) < qty for item, qty in wanted.items()):
            raise ValueError(f"order {order['id']}: more than is open ({wanted} of {held})")
        if len(open_) == 1 and held == wanted:
            return open_[0]
        source = open_[0]
        now = self.store.now()
        delivery = {k: v for k, v in source.items() if k != "positions"}
        delivery.update(id=random_id(), trackingCodes=[], createdAt=now, updatedAt=None,
                        stateId=self.store.state_id("order_delivery.state", "open"))
        positions = []
        for item, qty in wanted.items():
            left = qty
            for d in open_:
                for p in d["positions"]:
                    if p["orderLineItemId"] == item and left:
                        take = min(left, p["quantity"])
                        p["quantity"] -= take
                        left -= take
                        positions.append({**p, "id": random_id(), "quantity": take,
                                          "orderDeliveryId": delivery["id"], "createdAt": now,
                                          "updatedAt": None})
                d["positions"] = [p for p in d["positions"] if p["quantity"] > 0]
        delivery["positions"] = positions
        order["deliveries"].append(delivery)
        return delivery

    def ship(self, shop_id: str, code: str | None = None, carrier: str | None = None,
             lines: Mapping[str, int] | None = None) -> str:
        with self.store.lock:
            order = self.store.order(shop_id)
            if lines is None:
                targets = [d for d in order["deliveries"] if self._state(d) == "open"]
                if not targets:
                    raise ValueError(f"order {shop_id} has nothing left to ship")
            else:
                targets = [self._split(order, lines)]
            method = self._method(carrier)
            for n, delivery in enumerate(targets):
                if method is not None:
                    delivery["shippingMethodId"] = method
                if code and n == 0:
                    self.store.set_tracking(delivery["id"], [*delivery["trackingCodes"], code])
                self.store.transition("order_delivery", delivery["id"], "ship")
            return str(targets[0]["id"])

    def add_tracking(self, shop_id: str, code: str, carrier: str | None = None) -> None:
        with self.store.lock:
            order = self.store.order(shop_id)
            shipped = [d for d in order["deliveries"]
                       if self._state(d) in ("shipped", "shipped_partially")]
            if not shipped:
                raise ValueError(f"order {shop_id} has no shipped delivery")
            uncoded = [d for d in shipped if not d["trackingCodes"]]
            delivery = (uncoded or sorted(shipped, key=lambda d: d["createdAt"]))[-1]
            method = self._method(carrier)
            if method is not None:
                delivery["shippingMethodId"] = method
            self.store.set_tracking(delivery["id"], [*delivery["trackingCodes"], code])

    def cancel(self, shop_id: str, lines: Mapping[str, int] | None = None) -> None:
        with self.store.lock:
            order = self.store.order(shop_id)
            if lines is None:
                self.store.transition("order", shop_id, "cancel")
                return
            delivery = self._split(order, lines)
            self.store.transition("order_delivery", delivery["id"], "cancel")

    def lines(self, shop_id: str) -> dict[str, int]:
        """Marketplace line id -> quantity ordered, as the order's line items hold them."""
        with self.store.lock:
            order = self.store.order(shop_id)
            return {str(key): int(li["quantity"]) for li in order["lineItems"]
                    if (key := (li.get("customFields") or {}).get(LINE_FIELD))}

    def marks(self, shop_id: str, text: str) -> int:
        """Lines of the order's internal comment carrying ``text`` (Shopware has no refunds in
        core; the hub writes nothing else on an existing order)."""
        with self.store.lock:
            order = self.store.order(shop_id)
            return sum(text in line for line in
                       str(order.get("internalComment") or "").splitlines())

    def facts(self, shop_id: str) -> ShopFacts:
        """Parcels are the shipped deliveries, oldest first (the connector reads them so)."""
        with self.store.lock:
            order = self.store.order(shop_id)
            line_of = {li["id"]: str(key) for li in order["lineItems"]
                       if (key := (li.get("customFields") or {}).get(LINE_FIELD))}
            deliveries = sorted(order["deliveries"], key=lambda d: (d.get("createdAt") or "",
                                                                     d["id"]))
            states = [self._state(d) for d in deliveries]
            sent = [d for d, s in zip(deliveries, states, strict=True)
                    if s in ("shipped", "shipped_partially")]
            codes: list[str] = []
            shipped: Counter[str] = Counter()
            holding: Counter[str] = Counter()
            uncoded = False
            for delivery in sent:
                codes += [c for c in delivery["trackingCodes"] if c not in codes]
                uncoded = uncoded or not delivery["trackingCodes"]
                for position in delivery["positions"]:
                    if (line := line_of.get(position["orderLineItemId"])) is not None:
                        shipped[line] += int(position["quantity"])
                        holding[line] += 1
            cancelled = self._state(order) == "cancelled"
            open_left = any(s == "open" and d["positions"]
                            for d, s in zip(deliveries, states, strict=True))
            first = sent[0] if sent else None
            return ShopFacts(
                str(order["id"]), moment(order["createdAt"]) or datetime.now(UTC),
                moment(order.get("updatedAt") or order["createdAt"]) if cancelled else None,
                moment(first.get("updatedAt") or first["createdAt"]) if first else None,
                (first["trackingCodes"] or [None])[0] if first else None,
                codes=tuple(codes), shipped=dict(shipped), parcels_of=dict(holding),
                uncoded=uncoded, partial=bool(sent) and open_left and not cancelled)

    def reset(self) -> None:
        self.twin.reset()
