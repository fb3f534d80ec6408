"""The chaos findings pinned down as deterministic cases (each one storm example made small):
a bol.com cancellation of a multi-line order whose first item was cancelled but answered 5xx
(processed then failed) must end with every item cancelled once and no crashed cycle."""

from __future__ import annotations

import random

import pytest

from ordersync.sandbox.webshops import names
from tests.chaos.harness import Figures, cycles, settle, verdict
from tests.chaos.storms import inject, storm_context
from tests.chaos.world import CANCEL, World


@pytest.mark.parametrize("shop", names())
def test_half_done_bolcom_cancellation_finishes_once(stacks, sqlite_store, shop):
    world = World(stacks("bolcom", shop), random.Random(3))
    world.reset()
    figures = Figures(f"half-done-cancellation/bolcom->{shop}")
    contexts = [storm_context(world, sqlite_store, "bolcom")]
    try:
        while True:  # a multi-line order the merchant will cancel
            order_id = world.place()
            plan = world.orders["bolcom", order_id]
            items = world.stack.bolcom.stored_order(order_id)["orderItems"]
            if len(items) > 1:
                break
            plan.done = True  # single-line orders are not what this case is about
            world.stack.bolcom.request_cancellation(order_id)
        plan.action = CANCEL
        cycles(contexts, figures)
        assert world.act(share=1.0) >= 1
        inject(world, "bolcom", {"method": "PUT", "path": "^/retailer/orders/cancellation$",
                                 "status": 503, "after_handling": True, "count": 1})
        figures.faults["bolcom:processed_then_5xx"] += 1
        for _ in range(3):
            cycles(contexts, figures)
        settle(world, sqlite_store, figures)
    finally:
        for ctx in contexts:
            ctx.close()
    summary = verdict(world, sqlite_store, figures)
    assert summary["clean"], summary
