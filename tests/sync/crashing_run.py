"""Run one sync cycle in a separate process (killed by the tests at a chosen moment).

    python -m tests.sync.crashing_run BOLCOM_URL SHOPIFY_URL DATABASE_URL
"""

import sys

from ordersync import order_loop as sync
from ordersync.connectors.bolcom import BolcomConnector
from ordersync.connectors.shopify import ShopifyConnector
from ordersync.sandbox.stack import BOL_CLIENT_ID, BOL_CLIENT_SECRET, SHOP, SHOP_TOKEN
from ordersync.store import Store


def context(bolcom_url: str, shopify_url: str, database_url: str,
            **settings) -> sync.SyncContext:
    """bol.com -> Shopify over the served twins, in a process of its own."""
    return sync.SyncContext(
        store=Store(database_url),
        marketplace=BolcomConnector(client_id=BOL_CLIENT_ID, client_secret=BOL_CLIENT_SECRET,
                                    account="sandbox", api_url=bolcom_url,
                                    login_url=bolcom_url, rate_limits=False),
        webshop=ShopifyConnector(shop=SHOP, access_token=SHOP_TOKEN, base_url=shopify_url,
                                 rate_limits=False),
        settings=sync.ConnectionSettings(name="sandbox", process_poll_interval=0.05,
                                         **settings),
    )


def main(bolcom_url: str, shopify_url: str, database_url: str) -> None:
    ctx = context(bolcom_url, shopify_url, database_url)
    print("ready", flush=True)
    for step in (sync.import_orders, sync.create_in_webshop, sync.detect_webshop_changes,
                 sync.sweep_waiting, sync.push_to_marketplace):
        step(ctx)
    print("done", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
