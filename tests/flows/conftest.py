"""One real Prefect server per test session (a local SQLite server on a free port)."""

from __future__ import annotations

import pytest

from ordersync.local import LocalPrefect
from ordersync.sandbox.stack import (
    BOL_CLIENT_ID,
    BOL_CLIENT_SECRET,
    SHOP,
    SHOP_TOKEN,
    SandboxStack,
)


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    server = LocalPrefect(tmp_path_factory.mktemp("prefect-stack"))
    server.start_server()
    try:
        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            yield server
            from prefect.logging.handlers import APILogWorker

            APILogWorker.drain_all()  # send buffered logs before the server goes
    finally:
        server.stop()


@pytest.fixture(scope="module")
def flow_sandbox():
    with SandboxStack(rate_limits=False) as stack:
        yield stack


def save_connection(name: str, stack: SandboxStack, **settings) -> None:
    from ordersync.blocks import BolcomCredentials, OrderConnection, ShopifyCredentials

    bol = BolcomCredentials(client_id=BOL_CLIENT_ID, client_secret=BOL_CLIENT_SECRET,
                            account="sandbox", api_url=stack.bolcom_url,
                            login_url=stack.bolcom_url, rate_limits=False)
    bol.save(f"{name}-bolcom", overwrite=True)
    shop = ShopifyCredentials(shop=SHOP, access_token=SHOP_TOKEN, base_url=stack.shopify_url,
                              rate_limits=False)
    shop.save(f"{name}-shopify", overwrite=True)
    OrderConnection(marketplace=bol, webshop=shop, **settings).save(name, overwrite=True)
