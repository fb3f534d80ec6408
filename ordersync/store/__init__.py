"""Persistence: SQLAlchemy 2 tables, Alembic migrations and the repository."""

import os
from pathlib import Path

from ordersync.store import (
    cancel_tables,  # noqa: F401  (registers the marketplace cancellations table)
    parcel_tables,  # noqa: F401  (registers the parcels table)
    return_tables,  # noqa: F401  (registers the returns table)
    shop_tables,  # noqa: F401  (registers the shop import tables)
    stock_tables,  # noqa: F401  (registers the stock tables)
)
from ordersync.store.records import OrderRecord
from ordersync.store.repository import Action, Claim, SaveResult, Store


def home() -> Path:
    """ORDERSYNC_HOME (default ~/.ordersync): the embedded database and demo state."""
    return Path(os.environ.get("ORDERSYNC_HOME", Path.home() / ".ordersync"))


def default_url() -> str:
    """ORDERSYNC_DATABASE_URL, else a SQLite file in ORDERSYNC_HOME."""
    url = os.environ.get("ORDERSYNC_DATABASE_URL")
    if url:
        return url
    home().mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{home() / 'ordersync.db'}"


__all__ = ["Action", "Claim", "OrderRecord", "SaveResult", "Store", "default_url", "home"]
