"""One sync cycle in its own process that SIGKILLs itself inside a batched commit: after the
first statement of its ``kill_at``-th page of write outcomes, before the commit.

    python -m tests.sync.killed_in_commit BOLCOM_URL SHOPIFY_URL DATABASE_URL BATCH KILL_AT
"""

from __future__ import annotations

import os
import signal
import sys

from sqlalchemy import event

from ordersync import order_loop
from ordersync.store import Store
from ordersync.store.page_writes import PageWrites
from tests.sync.crashing_run import context


def arm(store: Store, kill_at: int) -> None:
    """Die (SIGKILL: nothing runs after it) inside the kill_at-th page transaction."""
    pages = {"n": 0, "armed": False}
    write = PageWrites._write

    def counting_write(self, outcomes):
        pages["n"] += 1
        pages["armed"] = pages["n"] == kill_at
        if pages["armed"]:
            print(f"killing inside page {kill_at} ({len(outcomes)} outcomes)", flush=True)
        return write(self, outcomes)

    PageWrites._write = counting_write
    PageWrites.due = lambda self: len(self) >= self.max_orders  # pages by size, not by age

    @event.listens_for(store.engine, "after_cursor_execute")
    def die(*_args) -> None:
        if pages["armed"]:
            os.kill(os.getpid(), signal.SIGKILL)


def main(bolcom_url: str, shopify_url: str, database_url: str, batch: str,
         kill_at: str) -> None:
    ctx = context(bolcom_url, shopify_url, database_url, batch_size=int(batch))
    arm(ctx.store, int(kill_at))
    for step in (order_loop.import_orders, order_loop.create_in_webshop,
                 order_loop.detect_webshop_changes, order_loop.sweep_waiting,
                 order_loop.push_to_marketplace):
        step(ctx)
    print("done without reaching the page to kill in", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:6])
