"""A shop that is both the order loop's webshop and a source of the hub's import: the orders
the hub created in it for marketplace orders are the marketplace's, never imported a second
time as the shop's own (Shopify: source_name/source_identifier; WooCommerce: the reference
in meta_data); the shoppers' own orders are imported."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ordersync.sandbox.stack import SandboxStack
from ordersync.shop_import.steps import backfill_pages, import_changed_orders, start_backfill
from ordersync.store.shop_repository import HUB_CREATED, ShopImportRepository
from tests.shop_import.helpers import context
from tests.sync.test_order_loop import cycle


@pytest.fixture(scope="module", params=["shopify", "woocommerce"])
def both_ways(request):
    with SandboxStack(rate_limits=False, shop_platform=request.param) as stack:
        yield stack


def shopper_order(stack: SandboxStack) -> None:
    if stack.shop_platform == "shopify":
        stack.shopify.place_shop_order([{"sku": "MUG-350", "quantity": 1}])
    else:
        stack.woocommerce.place_order({
            "status": "processing", "line_items": [{"sku": "MUG-350", "quantity": 1}],
            "billing": {"first_name": "An", "email": "an@example.nl", "phone": "0612345678"}})


def test_marketplace_orders_in_the_shop_are_not_imported_as_its_own(both_ways, store):
    stack = both_ways
    for twin in (stack.bolcom, stack.shopify, stack.woocommerce):
        twin.reset()
    if stack.shop_platform == "shopify":
        stack.shopify.catalog.add_product("Mug", [{"sku": "MUG-350", "quantity": 20}])
    else:
        stack.woocommerce.add_product("Mug", "MUG-350", stock=20)
    since = datetime.now(UTC) - timedelta(minutes=5)
    stack.bolcom.place_order(items=[{"ean": "8712345678906", "title": "Mug", "quantity": 1,
                                     "unitPrice": 9.5, "offerReference": "MUG-350"}])
    assert cycle(stack.context(store)).counts["created"] == 1
    shopper_order(stack)

    shop = stack.webshop()
    try:
        ctx = context(store, shop, lambda: datetime.now(UTC),
                      initial_status="new")
        state = start_backfill(ctx, since, None)
        while not state.done:
            state = backfill_pages(ctx, state, 10)
        again = import_changed_orders(ctx)  # the ongoing import skips it as well
    finally:
        shop.close()

    assert state.counts["imported"] == 1
    assert state.counts[f"skipped:{HUB_CREATED}"] == 1
    assert again.get("imported", 0) == 0
    [own] = ShopImportRepository(store).list_orders(stack.shop_platform, 10)
    assert own.lines[0].name == "Mug"
