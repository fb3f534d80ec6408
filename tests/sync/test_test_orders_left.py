"""A test order the webshop can neither delete nor cancel once complete (Magento: no order
delete in its REST API, a complete order cannot be cancelled) is left there, marked, and that
is recorded once - the cleanup does not fail every run."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from ordersync.order_loop.test_orders import LEFT_IN_SHOP, cleanup_test_orders, run_test_order
from ordersync.sandbox.merchant import CatalogItem
from ordersync.sandbox.stack import SandboxStack
from ordersync.store.test_orders import TestOrderStore

POSTNL = "3SABCD1234567"


@pytest.fixture(scope="module")
def magento_stack():
    with SandboxStack(rate_limits=False, marketplaces=("bolcom",),
                      shop_platform="magento") as stack:
        yield stack


def test_a_complete_test_order_magento_keeps_is_left_marked_and_recorded_once(magento_stack,
                                                                            store):
    stack = magento_stack
    stack.merchant.stock_catalog([CatalogItem("MUG-350", "Mug", Decimal("9.95"), 10)])
    ctx = stack.context(store, marketplace="bolcom")

    run = run_test_order(ctx, [("MUG-350", 1)], wait=True,
                         complete=lambda shop_id: stack.merchant.ship(str(shop_id), POSTNL),
                         poll=0.01, timeout=timedelta(seconds=20))

    assert run.cleaned_up, run.message
    messages = [e["message"] for e in store.events(run.order_id)]
    left = [m for m in messages if m.startswith(f"test order: {LEFT_IN_SHOP} magento")]
    assert len(left) == 1 and "marked as a test order" in left[0]
    assert TestOrderStore(store).cleaned_up(run.order_id)
    assert stack.merchant.orders_for(f"bolcom:{run.external_id}")  # still there, marked

    again = cleanup_test_orders(ctx).counts  # nothing left to do: no retry, no new event
    assert not again.get("test_cleanup_errors") and not again.get("test_orders_left")
    assert len(store.events(run.order_id)) == len(messages)
