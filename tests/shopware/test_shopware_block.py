"""The Shopware credentials block: an order connection picks it from stored data, it builds
the connector the loop and the stock sync use, and its secret never shows."""

from __future__ import annotations

from ordersync.blocks import BLOCK_TYPES, BolcomCredentials, OrderConnection, ShopwareCredentials
from ordersync.blocks.sandbox import sandbox_credentials
from ordersync.connectors.shopware import ShopwareConnector
from ordersync.sandbox.stack import SandboxStack
from ordersync.stock.model import StockSource


def test_connection_picks_shopware_from_untyped_stored_data():
    connection = OrderConnection(
        marketplace=BolcomCredentials(client_id="id", client_secret="secret"),
        webshop={"url": "https://shop.example", "client_id": "SWIAKEY",
                 "client_secret": "sw-s3cr3t", "sales_channel_id": None, "rate_limits": True})
    assert isinstance(connection.webshop, ShopwareCredentials)
    assert ShopwareCredentials in BLOCK_TYPES


def test_block_builds_the_connector_and_keeps_the_secret(monkeypatch):
    block = ShopwareCredentials(url="https://shop.example", client_id="SWIAKEY",
                                client_secret="sw-s3cr3t", sales_channel_id="c" * 32)
    shop = block.get_client()
    try:
        assert isinstance(shop, ShopwareConnector) and isinstance(shop, StockSource)
        assert shop.sales_channel_id == "c" * 32 and shop.account == "shop.example"
        shown = repr(block) + str(block) + block.model_dump_json() + repr(shop) + repr(shop.auth)
        assert "sw-s3cr3t" not in shown
    finally:
        shop.close()


def test_sandbox_credentials_point_at_the_served_twin():
    with SandboxStack(rate_limits=False, shop_platform="shopware") as stack:
        block = sandbox_credentials(stack, "shopware")
        assert isinstance(block, ShopwareCredentials) and block.url == stack.url("shopware")
        with block.get_client() as shop:
            assert shop.read_stock().quantities == {}
