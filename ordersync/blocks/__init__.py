"""Prefect blocks: platform credentials and order connections."""

from ordersync.blocks.connection import OrderConnection
from ordersync.blocks.credentials import (
    AmazonCredentials,
    BolcomCredentials,
    CartumCredentials,
    ShopifyCredentials,
    ShopwareCredentials,
    WooCommerceCredentials,
)
from ordersync.blocks.shop_import import ShopImportConnection

BLOCK_TYPES = (
    BolcomCredentials,
    AmazonCredentials,
    ShopifyCredentials,
    WooCommerceCredentials,
    ShopwareCredentials,
    CartumCredentials,
    OrderConnection,
    ShopImportConnection,
)

__all__ = [
    "BLOCK_TYPES",
    "AmazonCredentials",
    "BolcomCredentials",
    "CartumCredentials",
    "OrderConnection",
    "ShopImportConnection",
    "ShopifyCredentials",
    "ShopwareCredentials",
    "WooCommerceCredentials",
]
