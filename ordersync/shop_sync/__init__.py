"""The webshop order import's steps as plain Python (no Prefect), reused by the flows, the
CLI and the benchmark."""

from ordersync.shop_sync.context import ShopImportContext, ShopImportSettings
from ordersync.shop_sync.steps import (
    apply_page,
    backfill_pages,
    check_shop_currency,
    import_changed_orders,
    push_write_offs,
    start_backfill,
    summary,
    write_off,
)

__all__ = [
    "ShopImportContext",
    "ShopImportSettings",
    "apply_page",
    "backfill_pages",
    "check_shop_currency",
    "import_changed_orders",
    "push_write_offs",
    "start_backfill",
    "summary",
    "write_off",
]
