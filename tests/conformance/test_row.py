"""A registry row is complete: its connector, merchant and credentials block fit together."""

from __future__ import annotations

from ordersync.blocks.sandbox import webshop_block
from ordersync.connectors.base import WebshopConnector
from ordersync.sandbox.merchant import ShopMerchant
from ordersync.sandbox.shop_facts import MerchantFacts


def test_the_row_builds_a_webshop_connector_merchant_and_block(kit):
    assert isinstance(kit.connector, WebshopConnector)
    assert kit.connector.platform == kit.platform == kit.merchant.platform
    assert isinstance(kit.merchant, ShopMerchant) and isinstance(kit.merchant, MerchantFacts)
    assert isinstance(kit.connector.page_size, int)  # the kit lowers it to force pages
    block = webshop_block(kit.platform, kit.url, True)
    client = block.get_client()
    try:
        assert isinstance(client, WebshopConnector) and client.platform == kit.platform
    finally:
        client.close()
