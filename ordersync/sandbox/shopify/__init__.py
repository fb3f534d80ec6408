"""Sandbox twin of the Shopify Admin REST API; see ``twin`` for routes and control API."""

from ordersync.sandbox.shopify.store import ShopError
from ordersync.sandbox.shopify.twin import DEFAULT_VERSION, ShopifyTwin

__all__ = ["DEFAULT_VERSION", "ShopError", "ShopifyTwin"]
