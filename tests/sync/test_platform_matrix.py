"""The order loop on every marketplace x webshop pair the hub supports, against served twins:
bol.com and Amazon orders into Shopify, WooCommerce and Shopware, shipments back with the right
carrier, and an uncertain webshop write reconciled instead of repeated."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest

from ordersync.orders import OrderStatus
from ordersync.sandbox.common import Fault
from ordersync.sandbox.shopware.merchant import ShopwareMerchant
from ordersync.sandbox.stack import SandboxStack
from tests.sync.test_order_loop import cycle

S = OrderStatus
SKUS = ("MUG-350", "PLATE-22")
POSTNL = "3SABCD1234567"


@pytest.fixture(scope="module", params=["shopify", "woocommerce", "shopware"])
def matrix_stack(request):
    with SandboxStack(rate_limits=False, marketplaces=("bolcom", "amazon"),
                      shop_platform=request.param) as stack:
        yield stack


@dataclass
class Pair:
    stack: SandboxStack
    marketplace: str

    # -- the buyer, on the marketplace ---------------------------------------------------
    def place_order(self, quantity: int = 2) -> str:
        if self.marketplace == "amazon":
            return self.stack.amazon.place_order(items=[
                {"sku": SKUS[0], "title": "Mug", "quantity": quantity, "unitPrice": 12.5},
                {"sku": SKUS[1], "title": "Plate", "quantity": 1, "unitPrice": 7.25}])
        return self.stack.bolcom.place_order(items=[
            {"ean": "8712345678906", "title": "Mug", "quantity": quantity, "unitPrice": 12.5,
             "offerReference": SKUS[0]},
            {"ean": "8712345678913", "title": "Plate", "quantity": 1, "unitPrice": 7.25,
             "offerReference": SKUS[1]}])

    def shipments(self, order_id: str) -> list[tuple[str, str | None]]:
        """(carrier code, tracking number) per shipped line."""
        if self.marketplace == "amazon":
            return [(row["carrierCode"], row["trackingNumber"])
                    for row in self.stack.amazon.shipments_of(order_id)]
        return [(row["transporterCode"], row["trackAndTrace"])
                for row in self.stack.bolcom.shipments_of(order_id)]

    # -- the merchant, in the webshop ----------------------------------------------------
    def shop_orders(self, order_id: str) -> list[dict]:
        reference = f"{self.marketplace}:{order_id}"
        if self.stack.shop_platform == "shopify":
            return self.stack.shopify.orders_with_reference(reference)
        if self.stack.shop_platform == "shopware":
            orders = self.stack.shopware.store.orders
            return [orders[i] for i in ShopwareMerchant(self.stack.shopware).orders_for(reference)]
        woo = self.stack.woocommerce
        return [o for o in woo.store.orders.values()
                if any(m.get("value") == reference for m in o.get("meta_data", []))]

    def shop_order(self, order_id: str) -> dict:
        found = self.shop_orders(order_id)
        assert len(found) == 1, f"expected one webshop order for {order_id}, got {len(found)}"
        return found[0]

    def complete(self, order_id: str, tracking: str | None = None) -> None:
        shop_id = self.shop_order(order_id)["id"]
        if self.stack.shop_platform == "shopify":
            self.stack.shopify.complete(shop_id, tracking, None)
        elif self.stack.shop_platform == "shopware":
            ShopwareMerchant(self.stack.shopware).ship(shop_id, tracking)
        else:
            self.stack.woocommerce.complete(shop_id, tracking)

    def shop_lines(self, order_id: str) -> list[tuple[int, str]]:
        order = self.shop_order(order_id)
        if self.stack.shop_platform == "shopify":
            return [(li["quantity"], li["price"]) for li in order["line_items"]]
        if self.stack.shop_platform == "shopware":
            return [(li["quantity"], li["totalPrice"]) for li in order["lineItems"]]
        return [(li["quantity"], li["total"]) for li in order["line_items"]]

    def shop_path(self) -> str:
        return {"shopify": "^/admin/api/[^/]+/orders.json$",
                "shopware": "^/api/order$"}.get(self.stack.shop_platform,
                                                "^/wp-json/wc/v3/orders$")


@pytest.fixture(params=["bolcom", "amazon"])
def pair(request, matrix_stack):
    stack = matrix_stack
    for twin in (stack.bolcom, stack.amazon, stack.shopify, stack.woocommerce, stack.shopware):
        twin.reset()
        twin.controls.clear()
    if stack.shop_platform == "woocommerce":
        for sku in SKUS:
            stack.woocommerce.add_product(sku.title(), sku)
    if stack.shop_platform == "shopware":
        for sku in SKUS:
            stack.shopware.store.add_product(sku, sku.title())
    return Pair(stack, request.param)


def ctx_for(pair: Pair, store):
    return pair.stack.context(store, marketplace=pair.marketplace)


def test_new_order_reaches_the_webshop_once_with_lines_and_address(pair, store):
    ctx = ctx_for(pair, store)
    order_id = pair.place_order(quantity=2)

    counts = cycle(ctx).counts
    cycle(ctx)  # a second cycle creates nothing again

    assert counts["imported"] == 1 and counts["created"] == 1
    assert [q for q, _ in pair.shop_lines(order_id)] == [2, 1]
    order = pair.shop_order(order_id)
    address = {"shopify": lambda: order["shipping_address"],
               "shopware": lambda: order["addresses"][0]}.get(pair.stack.shop_platform,
                                                             lambda: order["shipping"])()
    assert address.get("city"), "the webshop order carries the recipient's address"
    assert store.find(pair.marketplace, "sandbox", order_id).status == S.NOT_SHIPPED


def test_completed_with_postnl_code_is_confirmed_on_the_marketplace_once(pair, store):
    ctx = ctx_for(pair, store)
    order_id = pair.place_order()
    cycle(ctx)

    pair.complete(order_id, POSTNL)
    counts = cycle(ctx).counts
    cycle(ctx)

    assert counts["shipped"] == 1 and counts["pushed"] == 1
    shipments = pair.shipments(order_id)
    expected = "TNT" if pair.marketplace == "bolcom" else "PostNL"
    assert shipments and {s for s in shipments} == {(expected, POSTNL)}
    record = store.find(pair.marketplace, "sandbox", order_id)
    assert record.status == S.SHIPPED and record.carrier == "postnl"
    assert record.marketplace_confirmed_at is not None


def test_completed_without_code_waits_for_tracking(pair, store):
    ctx = ctx_for(pair, store)
    order_id = pair.place_order()
    cycle(ctx)

    pair.complete(order_id)
    counts = cycle(ctx).counts

    assert counts["waiting"] == 1
    assert store.find(pair.marketplace, "sandbox", order_id).status == S.WAITING
    assert pair.shipments(order_id) == []


def test_webshop_write_that_succeeded_but_answered_500_is_not_repeated(pair, store):
    ctx = ctx_for(pair, store)
    order_id = pair.place_order()
    twin = getattr(pair.stack, pair.stack.shop_platform)
    twin.controls.faults.append(Fault(method="POST", path=re.compile(pair.shop_path()),
                                      status=500, after_handling=True))

    cycle(ctx)  # the order is created, but the answer is lost
    assert len(pair.shop_orders(order_id)) == 1
    assert store.find(pair.marketplace, "sandbox", order_id).webshop_order_id is None

    later = pair.stack.context(store, marketplace=pair.marketplace,
                               clock=lambda: ctx.clock() + ctx.settings.lease + timedelta(1))
    cycle(later)  # another run, after the lease: looks the order up instead of creating it

    webshop_id = str(pair.shop_order(order_id)["id"])  # still exactly one
    assert store.find(pair.marketplace, "sandbox", order_id).webshop_order_id == webshop_id
