"""A seeded chaos world over served twins: buyers order multi-line on a marketplace, the
merchant ships (with or without a code) or cancels in the webshop, bol.com buyers ask to cancel
one line or the whole order; the truth is read back from the twins, never from the hub."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from ordersync.order_loop import ConnectionSettings
from ordersync.orders import OrderStatus
from ordersync.sandbox.merchant import CatalogItem
from ordersync.sandbox.stack import SandboxStack

S = OrderStatus
PRODUCTS = (("MUG-350", "8712345678906", "Mug", 12.5), ("PLATE-22", "8712345678913", "Plate",
            7.25), ("BOWL-15", "8712345678920", "Bowl", 9.0))
CODES = ("3SABCD1234567", "3SXYZW7654321", "1Z999AA10123456784")
# The carrier each marketplace must be told for a code (PostNL's 3S, UPS's 1Z).
CARRIER = {("bolcom", "3S"): "TNT", ("amazon", "3S"): "PostNL", ("bolcom", "1Z"): "UPS",
           ("amazon", "1Z"): "UPS"}
FINAL = {S.SHIPPED, S.CANCELLED, S.MANUAL}
LEASE = timedelta(seconds=1)  # short, so a later run takes over a dead run's orders

# What the merchant (and on bol.com the buyer) does with an order once it is in the shop.
SHIP_CODE, SHIP_NO_CODE, CANCEL = "ship_code", "ship_no_code", "cancel"
PARTIAL_THEN_CANCEL, REQUEST_THEN_SHIP = "partial_request_then_cancel", "request_then_ship"
EARLY_REQUEST = "request_before_import_then_cancel"  # the buyer cancels while it is in flight
CANCELS = (CANCEL, PARTIAL_THEN_CANCEL, EARLY_REQUEST)


def pairs(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(marketplaces, shop) parameters; "bolcom+amazon" is two connections into one shop."""
    return list(items)


def settings() -> ConnectionSettings:
    """The chaos connection: ships without tracking at once, short lease, fast polls."""
    return ConnectionSettings(name="sandbox", tracking_wait=timedelta(0), lease=LEASE,
                              process_poll_interval=0.02)


def stack_for(marketplaces: tuple[str, ...], shop: str) -> SandboxStack:
    return SandboxStack(rate_limits=False, marketplaces=marketplaces, shop_platform=shop)


@dataclass
class Planned:
    marketplace: str
    order_id: str
    action: str
    done: bool = False  # the merchant acted
    code: str | None = None  # the track & trace code the merchant entered


@dataclass
class World:
    """Orders of one or more marketplaces (one order connection each) into one webshop."""

    stack: SandboxStack
    rng: random.Random
    amazon_no_code: bool = False  # Amazon shipments without tracking (branch amazonfeed)
    orders: dict[tuple[str, str], Planned] = field(default_factory=dict)

    @property
    def marketplaces(self) -> tuple[str, ...]:
        return self.stack.marketplaces

    @property
    def twins(self) -> tuple[str, ...]:
        return (*self.marketplaces, self.stack.shop_platform)

    def reset(self) -> None:
        for name in self.twins:
            twin = getattr(self.stack, name)
            twin.reset()
            twin.controls.clear()
        self.stack.merchant.stock_catalog(
            CatalogItem(sku, title, Decimal(str(price)), 10_000, ean)
            for sku, ean, title, price in PRODUCTS)

    # -- actions ------------------------------------------------------------------------
    def actions(self, marketplace: str) -> list[str]:
        if marketplace == "bolcom":
            return [SHIP_CODE, SHIP_NO_CODE, CANCEL, PARTIAL_THEN_CANCEL, REQUEST_THEN_SHIP,
                    EARLY_REQUEST]
        return [SHIP_CODE, CANCEL] + ([SHIP_NO_CODE] if self.amazon_no_code else [])

    def place(self) -> str:
        marketplace = self.rng.choice(self.marketplaces)
        lines = self.rng.sample(PRODUCTS, self.rng.randint(1, len(PRODUCTS)))
        if marketplace == "amazon":
            order_id = self.stack.amazon.place_order(items=[
                {"sku": sku, "title": title, "quantity": self.rng.randint(1, 3),
                 "unitPrice": price} for sku, _, title, price in lines])
        else:
            order_id = self.stack.bolcom.place_order(items=[
                {"ean": ean, "title": title, "quantity": self.rng.randint(1, 3),
                 "unitPrice": price, "offerReference": sku} for sku, ean, title, price in lines])
        action = self.rng.choice(self.actions(marketplace))
        self.orders[marketplace, order_id] = Planned(marketplace, order_id, action)
        if action == EARLY_REQUEST:
            self.stack.bolcom.request_cancellation(order_id)
        return order_id

    def act(self, share: float = 0.5) -> int:
        """The merchant acts on about ``share`` of the orders in the shop not acted on yet."""
        acted = 0
        for plan in self.orders.values():
            if plan.done or self.rng.random() > share:
                continue
            found = self.shop_orders(plan.marketplace, plan.order_id)
            if len(found) != 1:
                continue  # not in the shop yet (or duplicated: the truth check reports it)
            self._do(plan, found[0])
            plan.done, acted = True, acted + 1
        return acted

    def _do(self, plan: Planned, shop_id: str) -> None:
        merchant = self.stack.merchant
        if plan.action in (PARTIAL_THEN_CANCEL, REQUEST_THEN_SHIP):
            items = self.stack.bolcom.stored_order(plan.order_id)["orderItems"]
            ids = [items[0]["orderItemId"]] if plan.action == PARTIAL_THEN_CANCEL else None
            self.stack.bolcom.request_cancellation(plan.order_id, ids)
        if plan.action in CANCELS:
            merchant.cancel(shop_id)
        elif plan.action == SHIP_NO_CODE:
            merchant.ship(shop_id)
        else:
            plan.code = self.rng.choice(CODES)
            merchant.ship(shop_id, plan.code, "UPS" if plan.code.startswith("1Z") else "PostNL")

    # -- the twins' truth ---------------------------------------------------------------
    def shop_orders(self, marketplace: str, order_id: str) -> list[str]:
        return self.stack.merchant.orders_for(f"{marketplace}:{order_id}")

    def marketplace_lines(self, marketplace: str, order_id: str) -> list[dict]:
        """Per line: ordered, shipped, cancelled, shipment rows (from the marketplace twin)."""
        if marketplace == "amazon":
            record = self.stack.amazon.state.orders[order_id]
            shipments = self.stack.amazon.shipments_of(order_id)
            rows = Counter(r["orderItemId"] for r in shipments)
            sent = {(r["carrierCode"], r["trackingNumber"]) for r in shipments}
            return [{"ordered": i["QuantityOrdered"], "shipped": i["QuantityShipped"],
                     "cancelled": 0, "rows": rows[i["OrderItemId"]], "sent": sent}
                    for i in record.items]
        order = self.stack.bolcom.stored_order(order_id)
        shipments = self.stack.bolcom.shipments_of(order_id)
        rows = Counter(r["orderItemId"] for r in shipments)
        sent = {(r["transporterCode"], r["trackAndTrace"]) for r in shipments}
        return [{"ordered": i["quantity"], "shipped": i.get("quantityShipped") or 0,
                 "cancelled": i.get("quantityCancelled") or 0, "rows": rows[i["orderItemId"]],
                 "sent": sent} for i in order["orderItems"]]

    def truth(self, store) -> dict[str, Any]:
        """Duplicates, lost and stuck orders, judged on the twins (stuck: the hub's status
        is not final, or the marketplace does not show the merchant's decision)."""
        report: dict[str, Any] = {"orders": len(self.orders), "duplicates": [], "lost": [],
                                  "stuck": [], "double_confirmed": [], "unconfirmed": [],
                                  "wrong_carrier": []}
        for (marketplace, order_id), plan in self.orders.items():
            n = len(self.shop_orders(marketplace, order_id))
            ref = f"{marketplace}:{order_id}"
            if n == 0 and plan.action != EARLY_REQUEST:  # accepted before it reached the shop
                report["lost"].append(ref)
            elif n > 1:
                report["duplicates"].append(ref)
            lines = self.marketplace_lines(marketplace, order_id)
            if any(line["rows"] > 1 or line["shipped"] + line["cancelled"] > line["ordered"]
                   for line in lines):
                report["double_confirmed"].append(ref)
            want_ship = plan.action in (SHIP_CODE, SHIP_NO_CODE, REQUEST_THEN_SHIP)
            want_cancel = plan.action in CANCELS and marketplace == "bolcom"
            if want_ship and not all(li["shipped"] == li["ordered"] for li in lines):
                report["unconfirmed"].append((ref, plan.action, lines))
            if plan.code and lines:
                expected = {(CARRIER[marketplace, plan.code[:2]], plan.code)}
                if lines[0]["sent"] and lines[0]["sent"] != expected:
                    report["wrong_carrier"].append((ref, sorted(lines[0]["sent"], key=str)))
            if want_cancel and not all(li["cancelled"] == li["ordered"] for li in lines):
                report["unconfirmed"].append((ref, plan.action, lines))
            record = store.find(marketplace, "sandbox", order_id)
            if record is None or record.status not in FINAL:
                report["stuck"].append((ref, plan.action,
                                        record.status.value if record else None))
        return report


def clean(report: dict[str, Any]) -> bool:
    return not any(report[k] for k in ("duplicates", "lost", "stuck", "double_confirmed",
                                       "unconfirmed", "wrong_carrier"))
