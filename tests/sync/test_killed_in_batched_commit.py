"""A process killed inside a batched commit (a page of write outcomes half written, not
committed) loses and duplicates nothing: the page's orders are created or confirmed on the
platform, the hub recorded none of them, and the next run after the lease looks each one up
before writing (issue 15: one transaction per page must not weaken exactly-once)."""

from __future__ import annotations

import os
import random
import subprocess
import sys

from ordersync.orders import OrderStatus
from ordersync.sandbox.tracking_codes import GENERATORS
from tests.sync.test_exactly_once import ROOT, after_lease
from tests.sync.test_order_loop import cycle, shop_order

BATCH = 10
ORDERS = 25  # three pages: the first committed, the second killed mid-commit, one unclaimed


def killed_run(sandbox, store) -> str:
    """Run one cycle in a process that SIGKILLs itself inside its second page's commit."""
    url = store.engine.url.render_as_string(hide_password=False)
    proc = subprocess.run(
        [sys.executable, "-m", "tests.sync.killed_in_commit", sandbox.bolcom_url,
         sandbox.shopify_url, url, str(BATCH), "2"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
        text=True, timeout=240)
    assert proc.returncode == -9, (proc.returncode, proc.stdout, proc.stderr[-2000:])
    assert "killing inside page 2 (10 outcomes)" in proc.stdout, proc.stdout
    return proc.stdout


def settings_ctx(sandbox, store):
    ctx = sandbox.context(store)
    return sandbox.context(store, ctx.settings.__class__(
        name="sandbox", process_poll_interval=0.05, batch_size=BATCH))


def test_killed_inside_a_batched_create_commit_creates_each_order_once(sandbox, store):
    ids = [sandbox.bolcom.place_order() for _ in range(ORDERS)]
    killed_run(sandbox, store)
    recorded = [store.find("bolcom", "sandbox", i).webshop_order_id for i in ids]
    assert sum(r is not None for r in recorded) == BATCH  # only the first page committed
    in_shop = sum(len(sandbox.shopify.orders_with_reference(f"bolcom:{i}")) for i in ids)
    assert in_shop == 2 * BATCH  # the second page reached Shopify, unrecorded

    ctx = settings_ctx(sandbox, store)
    counts = cycle(after_lease(sandbox, store, ctx)).counts
    assert counts.get("reconciled") == BATCH, counts  # looked up, not created again
    assert counts.get("created") == ORDERS - 2 * BATCH, counts
    for bol_id in ids:
        record = store.find("bolcom", "sandbox", bol_id)
        assert record.webshop_order_id == str(shop_order(sandbox, bol_id)["id"])


def test_killed_inside_a_batched_shipment_commit_confirms_each_order_once(sandbox, store):
    rng = random.Random(3)
    ids = [sandbox.bolcom.place_order() for _ in range(ORDERS)]
    ctx = settings_ctx(sandbox, store)
    cycle(ctx)
    for bol_id in ids:
        code = GENERATORS[rng.choice(list(GENERATORS))](rng)
        sandbox.shopify.complete(shop_order(sandbox, bol_id)["id"], code)
    killed_run(sandbox, store)  # detects the shipments, pushes, dies in page 2's commit
    sent = [len(sandbox.bolcom.shipments_of(i)) for i in ids]
    assert sent.count(1) >= 2 * BATCH and max(sent) == 1, sent

    later = after_lease(sandbox, store, ctx)
    for _ in range(3):
        cycle(later)
    for bol_id in ids:
        assert len(sandbox.bolcom.shipments_of(bol_id)) == 1, bol_id
        record = store.find("bolcom", "sandbox", bol_id)
        assert record.status == OrderStatus.SHIPPED and record.marketplace_confirmed_at, record
