"""Chaos fixtures: one served stack per marketplace x webshop pair, a fresh SQLite store."""

from __future__ import annotations

import pytest

from ordersync.store import Store
from tests.chaos.world import stack_for


@pytest.fixture(scope="module")
def stacks():
    """Served stacks, started on first use and kept for the module."""
    started: dict[tuple[str, str], object] = {}
    yield lambda mp, shop: started.get((mp, shop)) or started.setdefault(
        (mp, shop), stack_for(mp, shop).start())
    for stack in started.values():
        stack.stop()  # type: ignore[attr-defined]


@pytest.fixture
def sqlite_store(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'chaos.db'}")
    yield store
    store.dispose()
