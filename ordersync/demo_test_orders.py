"""The demo's test order: placed once at start for the bol.com connection and run through the
whole loop in-process (the sandbox merchant ships it in the shop), and the check's verdict on
every test order of the session: push skipped and recorded, deleted in the shop, never counted
as a marketplace order."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from ordersync.demo_check import ShopOrder, Verdict
from ordersync.order_loop.test_orders import LEFT_IN_SHOP, TEST_PREFIX, TestOrderRun, run_test_order
from ordersync.sandbox.stack import SandboxStack
from ordersync.store.test_orders import TestOrderStore

DEMO_CODE = "3SDEMO0000001"  # a PostNL-shaped code the sandbox merchant ships it with


def run_demo_test_order(sandbox: SandboxStack, connection: str, sku: str,
                        say: Callable[[str], None]) -> TestOrderRun | None:
    """``ordersync test-order --connection <connection> --wait`` with the twin's merchant
    completing it; a failure is said, never raised (the check then reports it)."""
    from ordersync.flows.runtime import open_context  # Prefect's blocks: after the server

    try:
        with open_context(connection) as ctx:
            run = run_test_order(ctx, [(sku, 1)], wait=True, poll=1.0,
                                 timeout=timedelta(minutes=2),
                                 complete=lambda shop_id: sandbox.merchant.ship(
                                     str(shop_id), DEMO_CODE, "PostNL"))
    except Exception as exc:  # the demo goes on; check mode counts the test order
        say(f"test order for {connection!r} failed: {type(exc).__name__}: {exc}")
        return None
    say(f"test order {run.external_id} ({connection}): {run.message}")
    return run


def check_test_orders(store: Any, shop: Iterable[ShopOrder], expected: int) -> Verdict:
    """Every test order: its push skipped and recorded, deleted in the shop; ``expected`` of
    them placed; none among the marketplace orders' counts."""
    verdict = Verdict()
    tests = [r for r in store.list_orders(None, limit=None) if r.test]
    in_shop = {o.reference for o in shop}
    for record in tests:
        subject = f"test order {record.external_id}"
        messages = [e["message"] for e in store.events(record.id)]
        if not any(m.startswith("test order: ") and " not sent to " in m for m in messages):
            verdict.fail("test_order_not_skipped", subject,
                         f"{record.status}: no recorded skip of the marketplace push")
        left = any(m.startswith(f"test order: {LEFT_IN_SHOP} ") for m in messages)
        if not TestOrderStore(store).cleaned_up(record.id) \
                or (f"{record.platform}:{record.external_id}" in in_shop and not left):
            verdict.fail("test_order_not_cleaned", subject, "still in the shop")
        if not record.external_id.startswith(TEST_PREFIX):
            verdict.fail("test_order_unmarked", subject, "no TEST- id")
    if len(tests) < expected:
        verdict.fail("test_order_missing", "test orders", f"{len(tests)} of {expected}")
    counted = sum(store.count_by_status().values())
    verdict.figures["test_orders"] = {"placed": len(tests), "cleaned": sum(
        TestOrderStore(store).cleaned_up(r.id) for r in tests), "marketplace_orders": counted}
    return verdict
