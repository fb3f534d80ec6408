"""Run one sync cycle marketplace -> Magento in a separate process (killed by the tests).

    python -m tests.magento.crashing_run MARKETPLACE MARKETPLACE_URL MAGENTO_URL DATABASE_URL
"""

import sys

from ordersync import order_loop as sync
from ordersync.connectors.amazon import AmazonConnector
from ordersync.connectors.bolcom import BolcomConnector
from ordersync.connectors.magento import MagentoConnector
from ordersync.sandbox.amazon import MARKETPLACE_ID, SELLER_ID
from ordersync.sandbox.stack import (
    AMZ_CLIENT_ID,
    AMZ_CLIENT_SECRET,
    AMZ_REFRESH,
    BOL_CLIENT_ID,
    BOL_CLIENT_SECRET,
)
from ordersync.sandbox.webshops import MAGENTO_TOKEN
from ordersync.store import Store


def main(marketplace: str, market_url: str, magento_url: str, database_url: str) -> None:
    if marketplace == "amazon":
        market = AmazonConnector(client_id=AMZ_CLIENT_ID, client_secret=AMZ_CLIENT_SECRET,
                                 refresh_token=AMZ_REFRESH, seller_id=SELLER_ID,
                                 marketplace_id=MARKETPLACE_ID, account="sandbox",
                                 api_url=market_url, token_url=f"{market_url}/auth/o2/token",
                                 rate_limits=False)
    else:
        market = BolcomConnector(client_id=BOL_CLIENT_ID, client_secret=BOL_CLIENT_SECRET,
                                 account="sandbox", api_url=market_url, login_url=market_url,
                                 rate_limits=False)
    ctx = sync.SyncContext(
        store=Store(database_url), marketplace=market,
        webshop=MagentoConnector(base_url=magento_url, access_token=MAGENTO_TOKEN),
        settings=sync.ConnectionSettings(name="sandbox", process_poll_interval=0.05),
    )
    print("ready", flush=True)
    for step in (sync.import_orders, sync.create_in_webshop, sync.detect_webshop_changes,
                 sync.sweep_waiting, sync.push_to_marketplace):
        step(ctx)
    print("done", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:5])
