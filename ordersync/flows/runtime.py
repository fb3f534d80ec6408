"""Build a SyncContext from a connection block (the only place flows touch configuration)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ordersync.blocks import OrderConnection
from ordersync.heap import freeze_for_flow_run
from ordersync.order_loop import SyncContext
from ordersync.store import Store, default_url

_stores: dict[str, Store] = {}


def store_for(url: str | None = None) -> Store:
    """One Store (engine + migrations) per database URL per process."""
    url = url or default_url()
    if url not in _stores:
        _stores[url] = Store(url)
    return _stores[url]


@contextmanager
def open_context(connection: str) -> Iterator[SyncContext]:
    try:
        block = OrderConnection.load(connection)
    except ValueError as exc:
        raise ValueError(
            f"no order connection named {connection!r}: create an 'order-connection' block "
            f"with that name (ordersync setup, or the Prefect UI > Blocks)"
        ) from exc
    ctx = SyncContext(
        store=store_for(),
        marketplace=block.marketplace.get_client(),
        webshop=block.webshop.get_client(),
        settings=block.settings(connection),
    )
    freeze_for_flow_run()  # set-up done: the collector need not walk it again (ordersync.heap)
    try:
        yield ctx
    finally:
        ctx.close()
