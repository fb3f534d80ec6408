"""Fixtures for the shop import tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def shop_store(store):
    """The shared ``store`` fixture (on PostgreSQL it empties every table before and after
    each test, the import's tables included)."""
    return store
