"""The order loop on every marketplace x webshop pair the hub supports, against served twins:
bol.com and Amazon orders into every webshop of the registry (``ordersync.sandbox.webshops``),
shipments back with the right carrier, and an uncertain webshop write reconciled instead of
repeated. The webshop side is driven through its ``ShopMerchant`` only."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest

from ordersync.orders import OrderStatus
from ordersync.sandbox.common import Fault
from ordersync.sandbox.merchant import CatalogItem
from ordersync.sandbox.stack import SandboxStack
from ordersync.sandbox.webshops import names
from tests.sync.test_order_loop import cycle

S = OrderStatus
SKUS = ("MUG-350", "PLATE-22")
STOCK = 50
POSTNL = "3SABCD1234567"


@pytest.fixture(scope="module", params=names())
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
    def shop_orders(self, order_id: str) -> list[str]:
        return self.stack.merchant.orders_for(f"{self.marketplace}:{order_id}")

    def shop_id(self, order_id: str) -> str:
        found = self.shop_orders(order_id)
        assert len(found) == 1, f"expected one webshop order for {order_id}, got {len(found)}"
        return found[0]

    def complete(self, order_id: str, tracking: str | None = None) -> None:
        self.stack.merchant.ship(self.shop_id(order_id), tracking,
                                 "PostNL" if tracking else None)

    def taken(self) -> list[int]:
        """Stock taken from each SKU by the orders in the shop (the twins take stock)."""
        return [STOCK - (self.stack.merchant.stock(sku) or 0) for sku in SKUS]


def has_city(value) -> bool:
    """Somewhere in a twin's order there is an address with a city."""
    if isinstance(value, dict):
        return bool(value.get("city")) or any(has_city(v) for v in value.values())
    if isinstance(value, list):
        return any(has_city(v) for v in value)
    return False


@pytest.fixture(params=["bolcom", "amazon"])
def pair(request, matrix_stack):
    stack = matrix_stack
    for twin in (stack.bolcom, stack.amazon, stack.shop):
        twin.reset()
        twin.controls.clear()
    stack.merchant.stock_catalog(CatalogItem(sku, sku.title(), Decimal("10"), STOCK)
                                 for sku in SKUS)
    return Pair(stack, request.param)


def ctx_for(pair: Pair, store):
    return pair.stack.context(store, marketplace=pair.marketplace)


def test_new_order_reaches_the_webshop_once_with_lines_and_address(pair, store):
    ctx = ctx_for(pair, store)
    order_id = pair.place_order(quantity=2)

    counts = cycle(ctx).counts
    cycle(ctx)  # a second cycle creates nothing again

    assert counts["imported"] == 1 and counts["created"] == 1
    assert pair.taken() == [2, 1]  # one order, its lines and quantities
    order = pair.stack.shop.get(pair.shop_id(order_id))
    assert has_city(order), "the webshop order carries the recipient's address"
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
    twin = pair.stack.shop
    twin.controls.faults.append(Fault(method="POST", path=re.compile(pair.stack.row.create_path),
                                      status=500, after_handling=True))

    cycle(ctx)  # the order is created, but the answer is lost
    assert len(pair.shop_orders(order_id)) == 1
    assert store.find(pair.marketplace, "sandbox", order_id).webshop_order_id is None

    later = pair.stack.context(store, marketplace=pair.marketplace,
                               clock=lambda: ctx.clock() + ctx.settings.lease + timedelta(1))
    cycle(later)  # another run, after the lease: looks the order up instead of creating it

    webshop_id = pair.shop_id(order_id)  # still exactly one
    assert store.find(pair.marketplace, "sandbox", order_id).webshop_order_id == webshop_id
