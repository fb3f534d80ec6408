"""Chaos fixtures: one served stack per marketplace x webshop pair, a fresh SQLite store."""

from __future__ import annotations

import pytest

from ordersync.store import Store
from tests.chaos.world import stack_for


@pytest.fixture(scope="module")
def stacks():
    """Served stacks, started on first use and kept for the module."""
    started: dict[tuple[str, str], object] = {}

    def get(marketplaces: str, shop: str):
        """``marketplaces``: ``bolcom``, ``amazon`` or ``bolcom+amazon`` (two connections)."""
        key = (marketplaces, shop)
        if key not in started:
            started[key] = stack_for(tuple(marketplaces.split("+")), shop).start()
        return started[key]

    yield get
    for stack in started.values():
        stack.stop()  # type: ignore[attr-defined]


@pytest.fixture
def sqlite_store(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'chaos.db'}")
    yield store
    store.dispose()
