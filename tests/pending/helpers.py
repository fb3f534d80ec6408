"""Helpers for the pending-order tests (import as ``tests.pending.helpers``)."""

from __future__ import annotations

from ordersync import order_loop as sync
from ordersync.order_loop import ConnectionSettings
from ordersync.sandbox.stack import SandboxStack
from ordersync.store import Store


def amazon_context(sandbox: SandboxStack, store: Store, mode: str, **kw) -> sync.SyncContext:
    settings = ConnectionSettings(name=f"amazon-{mode}", pending_orders=mode,
                                  process_poll_interval=0.01)
    return sandbox.context(store, settings, marketplace="amazon", **kw)


def cycle(ctx: sync.SyncContext) -> dict[str, int]:
    """One 5-minute order cycle, as the flow runs it."""
    result = sync.StepResult()
    for step in (sync.import_orders, sync.create_in_webshop, sync.detect_webshop_changes,
                 sync.sweep_waiting, sync.push_to_marketplace):
        result.merge(step(ctx))
    return result.counts


def shop_orders(sandbox: SandboxStack, amazon_id: str) -> list[dict]:
    return sandbox.shopify.orders_with_reference(f"amazon:{amazon_id}")
