"""A flow run is a Python process of its own: what its entrypoint imports, every run pays.
pandas (~0.3 CPU-s) is for the shop import's page plan only; the order-sync, tracking-timeout
and stock-sync runs (every connection, every 5 minutes) must not import it."""

from __future__ import annotations

import pytest

from tests.imported import imported_after


@pytest.mark.parametrize("module", ["ordersync.flows.order_sync", "ordersync.flows.stock_sync"])
def test_a_sync_flow_run_does_not_import_pandas(module: str) -> None:
    assert imported_after(f"import {module}", "pandas") == {"pandas": False}


def test_the_shop_import_flow_does_import_it() -> None:
    """The check above can fail: the module that plans pages still brings pandas."""
    assert imported_after("import ordersync.flows.shop_import", "pandas") == {"pandas": True}
