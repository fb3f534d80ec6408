"""Fixtures: a store whose shop import tables start empty on every backend."""

from __future__ import annotations

import pytest
from sqlalchemy import text

SHOP_TABLES = ("shop_order_writes", "shop_order_events", "shop_order_lines", "shop_orders",
               "shop_import_skips", "shop_backfills", "catalog_product_keys", "contact_keys",
               "catalog_products", "catalog_categories", "contacts", "watermarks")


@pytest.fixture
def shop_store(store):
    """The shared ``store`` fixture, with the import's tables emptied first (PostgreSQL
    keeps one database per session)."""
    if store.dialect == "postgresql":
        with store.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(SHOP_TABLES)} RESTART IDENTITY CASCADE"))
    return store
