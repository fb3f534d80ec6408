"""Several order connections into one webshop (issue 9.3): bol.com and Amazon - and a second
bol.com retailer account - into one Shopify shop and one WooCommerce shop. Each connection acts
on its own orders only, and each shipment reaches its own marketplace once, with that
marketplace's carrier code (checked on the marketplace twins)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from ordersync import order_loop as sync
from ordersync.connectors.bolcom import BolcomConnector
from ordersync.order_loop import ConnectionSettings, SyncContext
from ordersync.orders import OrderStatus
from ordersync.sandbox.bolcom import BolcomTwin
from ordersync.sandbox.common import ServedApp
from ordersync.sandbox.stack import BOL_CLIENT_ID, BOL_CLIENT_SECRET, SandboxStack
from tests.sync.test_order_loop import cycle

S = OrderStatus
SKUS = ("MUG-350", "PLATE-22")
POSTNL = "3SABCD1234567"
SECOND = "retailer-2"


@pytest.fixture(scope="module", params=["shopify", "woocommerce"])
def shared_stack(request):
    with SandboxStack(rate_limits=False, marketplaces=("bolcom", "amazon"),
                      shop_platform=request.param) as stack:
        second = BolcomTwin(rate_limits=False)  # another retailer account: its own data
        served = ServedApp(second.app).start()
        try:
            yield stack, second, served.url
        finally:
            served.stop()


@dataclass
class Shop:
    stack: SandboxStack

    def orders(self, reference: str) -> list[dict]:
        if self.stack.shop_platform == "shopify":
            return self.stack.shopify.orders_with_reference(reference)
        return [o for o in self.stack.woocommerce.store.orders.values()
                if any(m.get("value") == reference for m in o.get("meta_data", []))]

    def order_id(self, reference: str) -> int:
        found = self.orders(reference)
        assert len(found) == 1, f"expected one webshop order for {reference}, got {len(found)}"
        return found[0]["id"]

    def complete(self, reference: str, tracking: str) -> None:
        if self.stack.shop_platform == "shopify":
            self.stack.shopify.complete(self.order_id(reference), tracking, None)
        else:
            self.stack.woocommerce.complete(self.order_id(reference), tracking)

    def cancel(self, reference: str) -> None:
        if self.stack.shop_platform == "shopify":
            self.stack.shopify.cancel(self.order_id(reference))
        else:
            self.stack.woocommerce.set_status(self.order_id(reference), "cancelled")


@pytest.fixture
def shared(shared_stack):
    stack, second, url = shared_stack
    for twin in (stack.bolcom, stack.amazon, stack.shopify, stack.woocommerce, second):
        twin.reset()
        twin.controls.clear()
    if stack.shop_platform == "woocommerce":
        for sku in SKUS:
            stack.woocommerce.add_product(sku.title(), sku)
    return stack, second, url


def settings(name: str, **kw) -> ConnectionSettings:
    return ConnectionSettings(name=name, process_poll_interval=0.05, **kw)


def bol_item(ean: str = "8712345678906", sku: str = SKUS[0]) -> dict:
    return {"ean": ean, "title": "Mug", "quantity": 1, "unitPrice": 12.5, "offerReference": sku}


def test_bolcom_and_amazon_in_one_shop_ship_with_their_own_codes(shared, store):
    stack, _, _ = shared
    shop = Shop(stack)
    bol = stack.context(store, settings("bol"), marketplace="bolcom")
    amz = stack.context(store, settings("amz"), marketplace="amazon")
    bol_id = stack.bolcom.place_order(items=[bol_item()])
    amz_id = stack.amazon.place_order(items=[
        {"sku": SKUS[0], "title": "Mug", "quantity": 1, "unitPrice": 12.5}])
    cycle(bol)
    cycle(amz)

    shop.complete(f"bolcom:{bol_id}", POSTNL)
    shop.complete(f"amazon:{amz_id}", POSTNL)
    amz_counts = cycle(amz).counts  # Amazon's connection reads the shop first
    bol_counts = cycle(bol).counts
    cycle(amz)
    cycle(bol)

    assert [(r["transporterCode"], r["trackAndTrace"])
            for r in stack.bolcom.shipments_of(bol_id)] == [("TNT", POSTNL)]
    assert [(r["carrierCode"], r["trackingNumber"])
            for r in stack.amazon.shipments_of(amz_id)] == [("PostNL", POSTNL)]
    assert amz_counts["shipped"] == 1 and bol_counts["shipped"] == 1  # each its own only
    for platform, ext, code in (("bolcom", bol_id, "TNT"), ("amazon", amz_id, "PostNL")):
        record = store.find(platform, "sandbox", ext)
        assert record.status == S.SHIPPED and record.marketplace_confirmed_at is not None
        assert (record.carrier, record.carrier_code) == ("postnl", code)
        kinds = [e["kind"] for e in store.events(record.id)]
        assert kinds.count("shipped") == 1 and kinds.count("confirm_shipment") == 1


def test_three_connections_in_one_shop_each_ship_and_cancel_their_own(shared, store):
    stack, second, url = shared
    shop = Shop(stack)
    bol2_mp = BolcomConnector(client_id=BOL_CLIENT_ID, client_secret=BOL_CLIENT_SECRET,
                              account=SECOND, api_url=url, login_url=url, rate_limits=False)
    # The second account sends PostNL letterbox parcels: its own override.
    bol2 = SyncContext(store=store, marketplace=bol2_mp, webshop=stack.webshop(),
                       settings=settings("bol-2", carrier_overrides={"postnl": "TNT-EXTRA"}))
    amz = stack.context(store, settings("amz"), marketplace="amazon")
    bol = stack.context(store, settings("bol"), marketplace="bolcom")
    connections = (bol2, amz, bol)
    bol_ship, bol_cancel = (stack.bolcom.place_order(items=[bol_item()]) for _ in range(2))
    # bol.com order ids are unique across retailers; the second twin must not reuse them
    b2_ship, b2_cancel = (second.place_order(items=[bol_item()], orderId=f"B2{n}")
                          for n in range(2))
    amz_ship = stack.amazon.place_order(items=[
        {"sku": SKUS[1], "title": "Plate", "quantity": 1, "unitPrice": 7.25}])
    for ctx in connections:
        cycle(ctx)

    for ref in (f"bolcom:{bol_ship}", f"bolcom:{b2_ship}", f"amazon:{amz_ship}"):
        shop.complete(ref, POSTNL)
    shop.cancel(f"bolcom:{bol_cancel}")
    shop.cancel(f"bolcom:{b2_cancel}")
    for _ in range(2):
        for ctx in connections:
            cycle(ctx)

    assert [(r["transporterCode"], r["trackAndTrace"])
            for r in stack.bolcom.shipments_of(bol_ship)] == [("TNT", POSTNL)]
    assert [(r["transporterCode"], r["trackAndTrace"])
            for r in second.shipments_of(b2_ship)] == [("TNT-EXTRA", POSTNL)]
    assert [(r["carrierCode"], r["trackingNumber"])
            for r in stack.amazon.shipments_of(amz_ship)] == [("PostNL", POSTNL)]
    for twin, ext in ((stack.bolcom, bol_cancel), (second, b2_cancel)):
        assert all(i["quantityCancelled"] == i["quantity"]
                   for i in twin.stored_order(ext)["orderItems"])
    assert stack.bolcom.shipments_of(bol_cancel) == second.shipments_of(b2_cancel) == []
    expected = {("bolcom", "sandbox", bol_ship): S.SHIPPED,
                ("bolcom", "sandbox", bol_cancel): S.CANCELLED,
                ("bolcom", SECOND, b2_ship): S.SHIPPED,
                ("bolcom", SECOND, b2_cancel): S.CANCELLED,
                ("amazon", "sandbox", amz_ship): S.SHIPPED}
    for key, status in expected.items():
        record = store.find(*key)
        assert record.status == status, key
        assert record.marketplace_confirmed_at is not None or status == S.CANCELLED, key
        # only the order's own connection acted on it
        assert [e["kind"] for e in store.events(record.id)].count(
            "shipped" if status == S.SHIPPED else "cancelled") == 1, key
    for ctx in connections:
        ctx.close()


def test_a_tracking_timeout_acts_only_on_its_own_connections_order(shared, store):
    stack, _, _ = shared
    shop = Shop(stack)
    bol = stack.context(store, settings("bol"), marketplace="bolcom")
    bol_id = stack.bolcom.place_order(items=[bol_item()])
    cycle(bol)
    if stack.shop_platform == "shopify":
        stack.shopify.complete(shop.order_id(f"bolcom:{bol_id}"), None, None)
    else:
        stack.woocommerce.complete(shop.order_id(f"bolcom:{bol_id}"))
    [(order_id, since)] = cycle(bol).waiting
    due = since + bol.settings.tracking_wait + timedelta(seconds=1)
    amz = stack.context(store, settings("amz"), marketplace="amazon", clock=lambda: due)

    assert sync.tracking_timeout(amz, order_id).counts == {"skipped": 1}
    assert store.get(order_id).status == S.WAITING
    late_bol = stack.context(store, settings("bol"), marketplace="bolcom", clock=lambda: due)
    assert sync.tracking_timeout(late_bol, order_id).counts == {"shipped_without_tracking": 1}
