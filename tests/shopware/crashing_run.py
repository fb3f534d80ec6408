"""One sync cycle bol.com -> Shopware in its own process (killed by the test mid-write).

    python -m tests.shopware.crashing_run BOLCOM_URL SHOPWARE_URL DATABASE_URL
"""

import sys

from ordersync import order_loop as sync
from ordersync.connectors.bolcom import BolcomConnector
from ordersync.connectors.shopware import ShopwareConnector
from ordersync.sandbox.stack import BOL_CLIENT_ID, BOL_CLIENT_SECRET
from ordersync.sandbox.webshops import SW_CLIENT_ID, SW_CLIENT_SECRET
from ordersync.store import Store


def main(bolcom_url: str, shopware_url: str, database_url: str) -> None:
    ctx = sync.SyncContext(
        store=Store(database_url),
        marketplace=BolcomConnector(client_id=BOL_CLIENT_ID, client_secret=BOL_CLIENT_SECRET,
                                    account="sandbox", api_url=bolcom_url,
                                    login_url=bolcom_url, rate_limits=False),
        webshop=ShopwareConnector(url=shopware_url, client_id=SW_CLIENT_ID,
                                  client_secret=SW_CLIENT_SECRET, rate_limits=False),
        settings=sync.ConnectionSettings(name="sandbox", process_poll_interval=0.05),
    )
    print("ready", flush=True)
    for step in (sync.import_orders, sync.create_in_webshop, sync.detect_webshop_changes,
                 sync.sweep_waiting, sync.push_to_marketplace):
        step(ctx)
    print("done", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
