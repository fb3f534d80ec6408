"""Fixtures: a store whose shop import tables start empty on every backend."""

from __future__ import annotations

import pytest

from tests.databases import empty_every_table


@pytest.fixture
def shop_store(store):
    """The shared ``store`` fixture (emptied before and after each test on PostgreSQL)."""
    empty_every_table(store.engine)
    return store
