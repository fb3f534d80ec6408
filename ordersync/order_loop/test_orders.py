"""Test orders (PRODUCT.md section 4): a clearly marked order the hub places itself for one
order connection and runs through the whole loop - created in the webshop as the platform's
test kind (Shopify ``"test": true``; WooCommerce has none: pending payment, a customer note
and a ``_ordersync_test_order`` meta), taking no stock; completion detected as usual; the
push to the marketplace skipped and recorded; then deleted in the webshop. It never reaches a
buyer: it exists on no marketplace, and its push is never sent.

Exactly once: the order is a hub import under its own natural key (``TEST-<time>-<random>``,
so every run places a new one), created in the webshop through the loop's create intent, and
deleted through a ``cleanup_test_order`` intent (deleting is safe to repeat: an order already
gone counts as deleted, which is the look-up before a retry).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from ordersync.http import FatalError
from ordersync.order_loop.context import SyncContext
from ordersync.order_loop.results import StepResult
from ordersync.order_loop.steps import create_in_webshop, detect_webshop_changes, push_orders
from ordersync.orders import Address, MarketplaceOrder, OrderLine, OrderStatus
from ordersync.store import Action, OrderRecord
from ordersync.store.test_orders import CLEANUP, TestOrderStore

TEST_PREFIX = "TEST-"
TEST_ADDRESS = Address(first_name="TEST ORDER", last_name="do not ship", company="ordersync",
                       street="Teststraat", house_number="1", postal_code="1000 AA",
                       city="Amsterdam", country="NL", email="test-order@ordersync.invalid")


def is_test_id(external_id: str) -> bool:
    return external_id.startswith(TEST_PREFIX)


def new_test_order(platform: str, account: str, lines: Sequence[tuple[str, int]], *,
                   now: datetime, currency: str = "EUR") -> MarketplaceOrder:
    """A hub-made order for this marketplace account, ``test=True``, one line per SKU."""
    if not lines:
        raise ValueError("a test order needs at least one SKU")
    external_id = f"{TEST_PREFIX}{now:%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}"
    return MarketplaceOrder(
        platform=platform, account=account, external_id=external_id, placed_at=now,
        currency=currency, test=True, shipping_address=TEST_ADDRESS,
        lines=tuple(OrderLine(line_id=f"{external_id}-{i}", quantity=quantity,
                              unit_price=Decimal("0.01"), sku=sku, title=f"TEST {sku}")
                    for i, (sku, quantity) in enumerate(lines, start=1)))


def skus_in_stock(webshop: object, count: int = 1) -> list[str]:
    """The first SKUs the webshop has in stock (its stock source), for a test order."""
    read = getattr(webshop, "read_stock", None)
    if read is None:
        raise ValueError(f"{getattr(webshop, 'platform', 'the webshop')} cannot list its "
                         f"stock: give the SKUs (--sku)")
    found = [sku for sku, n in sorted(read().quantities.items()) if n > 0][:count]
    if not found:
        raise ValueError("the webshop has no SKU in stock: give the SKUs (--sku)")
    return found


def place_test_order(ctx: SyncContext, lines: Sequence[tuple[str, int]]) -> OrderRecord:
    mp = ctx.marketplace
    order = new_test_order(mp.platform, mp.account, lines, now=ctx.clock())
    return TestOrderStore(ctx.store).place(order, now=ctx.clock())


LEFT_IN_SHOP = "left in"  # the cleanup event of a test order the platform keeps for good


def cleanup_test_orders(ctx: SyncContext) -> StepResult:
    """Delete (where the webshop cannot: cancel) the test orders whose loop is done. Where the
    platform refuses both for good (Magento: no order delete in REST, a complete order cannot
    be cancelled), the order is left there, marked as a test, and that is recorded once."""
    mp, shop, store, result = ctx.marketplace, ctx.webshop, ctx.store, StepResult()
    records = TestOrderStore(store).to_clean_up(mp.platform, mp.account)
    claims = store.claim_writes(CLEANUP, [r.id for r in records], owner=ctx.owner,
                                now=ctx.clock(), lease=ctx.settings.lease)
    delete = getattr(shop, "delete_order", None)
    for record in records:
        if record.id not in claims or record.webshop_order_id is None:
            continue
        try:
            if delete is not None:
                delete(record.webshop_order_id)
            elif record.status != OrderStatus.CANCELLED:
                shop.cancel_order(record.webshop_order_id)
        except FatalError as exc:  # the platform refuses for good: left there, said once
            store.mark_confirmed(record.id, CLEANUP, now=ctx.clock(), message=(
                f"test order: {LEFT_IN_SHOP} {shop.platform} (order {record.webshop_order_id}): "
                f"the platform can neither delete nor cancel it ({str(exc)[:300]}); it is "
                "marked as a test order there"))
            result.add("test_orders_left")
            continue
        except Exception as exc:  # this order only; the next run deletes it again
            store.release_write(record.id, CLEANUP, error=str(exc)[:500], now=ctx.clock())
            result.add("test_cleanup_errors")
            continue
        how = "deleted" if delete is not None else "cancelled"
        store.mark_confirmed(record.id, CLEANUP, now=ctx.clock(),
                             message=f"test order: {how} in {shop.platform} "
                                     f"(order {record.webshop_order_id})")
        result.add("test_orders_cleaned")
    return result


@dataclass
class TestOrderRun:
    """What ``run_test_order`` did, for the CLI's JSON."""

    __test__ = False  # not a pytest class
    external_id: str
    order_id: int
    webshop_id: str | None = None
    status: str = ""
    cleaned_up: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    message: str = ""

    def as_dict(self) -> dict[str, object]:
        return {"test_order": self.external_id, "order_id": self.order_id,
                "webshop_id": self.webshop_id, "status": self.status,
                "cleaned_up": self.cleaned_up, "counts": self.counts, "message": self.message}


def run_test_order(ctx: SyncContext, lines: Sequence[tuple[str, int]], *, wait: bool = False,
                   complete: Callable[[str], None] | None = None,
                   timeout: timedelta = timedelta(minutes=10), poll: float = 5.0,
                   monotonic: Callable[[], float] | None = None) -> TestOrderRun:
    """Place a test order and run it through the loop's own steps: created in the webshop,
    then (with ``complete``: the sandbox merchant ships it; with ``wait``: until the merchant
    has) completion detected, push skipped and recorded, deleted in the webshop."""
    clock = monotonic or time.monotonic
    record = place_test_order(ctx, lines)
    run = TestOrderRun(record.external_id, record.id)
    result = create_in_webshop(ctx)
    record = ctx.store.get(record.id)
    run.webshop_id = record.webshop_order_id
    if record.webshop_order_id is None:
        return _finish(ctx, run, result, f"not created in {ctx.webshop.platform}: see "
                       f"`ordersync events {record.external_id}`")
    if complete is not None:
        complete(record.webshop_order_id)
    elif not wait:
        return _finish(ctx, run, result, _todo(ctx, record))
    deadline = clock() + timeout.total_seconds()
    while True:
        result.merge(loop_once(ctx, record.id))
        if TestOrderStore(ctx.store).cleaned_up(record.id):
            return _finish(ctx, run, result, "done: completion detected, push skipped, "
                           f"deleted in {ctx.webshop.platform}")
        if clock() >= deadline:
            return _finish(ctx, run, result, "timed out: " + _todo(ctx, ctx.store.get(record.id)))
        ctx.sleep(poll)


def loop_once(ctx: SyncContext, order_id: int) -> StepResult:
    """Detect (the loop's step), push this test order (skipped and recorded), clean up."""
    result = detect_webshop_changes(ctx)
    record = ctx.store.get(order_id)
    action = {OrderStatus.SHIPPED: Action.CONFIRM_SHIPMENT,
              OrderStatus.CANCELLED: Action.CANCEL_ON_MARKETPLACE}.get(record.status)
    if action is not None and record.marketplace_confirmed_at is None:
        push_orders(ctx, action, [record], result)
    return result.merge(cleanup_test_orders(ctx))


def _todo(ctx: SyncContext, record: OrderRecord) -> str:
    if record.status == OrderStatus.WAITING:
        return (f"completed without track & trace: the order waits for a code (up to "
                f"{ctx.settings.tracking_wait}); the loop then skips the push and deletes it")
    return (f"complete order {record.webshop_order_id} in {ctx.webshop.platform} (ship it, "
            f"with or without a track & trace code); the loop then skips the push to "
            f"{ctx.marketplace.platform} and deletes the order")


def _finish(ctx: SyncContext, run: TestOrderRun, result: StepResult, message: str
            ) -> TestOrderRun:
    record = ctx.store.get(run.order_id)
    run.status, run.counts, run.message = str(record.status), dict(result.counts), message
    run.cleaned_up = TestOrderStore(ctx.store).cleaned_up(run.order_id)
    return run
