"""Shopware 6 Admin API connector (webshop side and stock)."""

from ordersync.connectors.shopware.connector import ShopwareConnector

__all__ = ["ShopwareConnector"]
