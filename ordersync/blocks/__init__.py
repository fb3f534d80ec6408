"""Prefect blocks: platform credentials and order connections."""

from ordersync.blocks.connection import OrderConnection
from ordersync.blocks.credentials import (
    AmazonCredentials,
    BolcomCredentials,
    CartumCredentials,
    MagentoCredentials,
    ShopifyCredentials,
    WooCommerceCredentials,
)
from ordersync.blocks.shop_import import ShopImportConnection

BLOCK_TYPES = (
    BolcomCredentials,
    AmazonCredentials,
    ShopifyCredentials,
    WooCommerceCredentials,
    CartumCredentials,
    MagentoCredentials,
    OrderConnection,
    ShopImportConnection,
)

__all__ = [
    "BLOCK_TYPES",
    "AmazonCredentials",
    "BolcomCredentials",
    "CartumCredentials",
    "MagentoCredentials",
    "OrderConnection",
    "ShopImportConnection",
    "ShopifyCredentials",
    "WooCommerceCredentials",
]
