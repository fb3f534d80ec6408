"""Shopify Admin REST API connector (webshop side)."""

from ordersync.connectors.shopify.connector import API_VERSION, ShopifyConnector

__all__ = ["API_VERSION", "ShopifyConnector"]
