"""The store: every read and write the sync steps need, each one transaction.

Exactly-once rests on three things here: the natural key (platform, account, external_id) with
insert-or-ignore, the ``remote_writes`` intents claimed under a lease before any remote write,
and watermarks that only move after their window is committed.

The class is composed of capability stores, one module each: ``base`` (engine, sessions, row
helpers), ``imports``, ``writes`` (claims and order changes), ``queries`` and ``watermarks``.
Other stores (``StockStore``, ``PendingStore``, ...) wrap a ``Store``.
"""

from __future__ import annotations

from ordersync.store.base import (
    StoreBase,
    _event,
    _flag_error,
    _insert,
    _line_rows,
    _record,
)
from ordersync.store.imports import (
    REFETCH_REASONS,
    STORE_REFUSALS,
    ImportStore,
    SaveResult,
    unidentified_key,
)
from ordersync.store.queries import QueryStore
from ordersync.store.watermarks import WatermarkStore
from ordersync.store.writes import Action, Claim, WriteStore


class Store(ImportStore, WriteStore, QueryStore, WatermarkStore):
    """Every read and write of the order loop over one database."""


__all__ = [
    "REFETCH_REASONS",
    "STORE_REFUSALS",
    "Action",
    "Claim",
    "ImportStore",
    "QueryStore",
    "SaveResult",
    "Store",
    "StoreBase",
    "WatermarkStore",
    "WriteStore",
    "_event",
    "_flag_error",
    "_insert",
    "_line_rows",
    "_record",
    "unidentified_key",
]
