"""Prefect blocks: platform credentials and order connections."""

from ordersync.blocks.connection import OrderConnection
from ordersync.blocks.credentials import BolcomCredentials, ShopifyCredentials

BLOCK_TYPES = (BolcomCredentials, ShopifyCredentials, OrderConnection)

__all__ = ["BLOCK_TYPES", "BolcomCredentials", "OrderConnection", "ShopifyCredentials"]
