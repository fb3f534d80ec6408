"""Prefect blocks: platform credentials and order connections."""

from ordersync.blocks.connection import OrderConnection
from ordersync.blocks.credentials import (
    AmazonCredentials,
    BolcomCredentials,
    CartumCredentials,
    CcvShopCredentials,
    LightspeedCredentials,
    MagentoCredentials,
    PrestaShopCredentials,
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
    PrestaShopCredentials,
    ShopwareCredentials,
    CartumCredentials,
    LightspeedCredentials,
    CcvShopCredentials,
    MagentoCredentials,
    OrderConnection,
    ShopImportConnection,
)

__all__ = [
    "BLOCK_TYPES",
    "AmazonCredentials",
    "BolcomCredentials",
    "CartumCredentials",
    "LightspeedCredentials",
    "CcvShopCredentials",
    "MagentoCredentials",
    "OrderConnection",
    "PrestaShopCredentials",
    "ShopImportConnection",
    "ShopifyCredentials",
    "ShopwareCredentials",
    "WooCommerceCredentials",
]
