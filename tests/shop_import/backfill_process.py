"""A backfill in its own process (killed by test_killed_backfill): URL TOKEN DATABASE_URL."""

from __future__ import annotations

import sys

from ordersync.connectors.shopify import ShopifyConnector
from ordersync.shop_import.steps import (
    ShopImportContext,
    ShopImportSettings,
    backfill_pages,
    start_backfill,
)
from ordersync.store import Store


def main(url: str, token: str, database_url: str) -> None:
    source = ShopifyConnector(shop="killed", access_token=token, base_url=url,
                              rate_limits=False)
    ctx = ShopImportContext(store=Store(database_url), source=source,
                            settings=ShopImportSettings(name="killed", hub_currency="EUR"))
    state = start_backfill(ctx)
    while not state.done:
        state = backfill_pages(ctx, state, 1)


if __name__ == "__main__":
    main(*sys.argv[1:4])
