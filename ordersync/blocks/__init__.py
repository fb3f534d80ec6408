"""Prefect blocks: platform credentials and order connections."""

from ordersync.blocks.connection import OrderConnection
from ordersync.blocks.credentials import (
    AmazonCredentials,
    BolcomCredentials,
    CartumCredentials,
    ShopifyCredentials,
    WooCommerceCredentials,
)

BLOCK_TYPES = (
    BolcomCredentials,
    AmazonCredentials,
    ShopifyCredentials,
    WooCommerceCredentials,
    CartumCredentials,
    OrderConnection,
)

__all__ = [
    "BLOCK_TYPES",
    "AmazonCredentials",
    "BolcomCredentials",
    "CartumCredentials",
    "OrderConnection",
    "ShopifyCredentials",
    "WooCommerceCredentials",
]
