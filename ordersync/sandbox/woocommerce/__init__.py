"""Sandbox twin of the WooCommerce REST API v3; see ``twin`` for routes and control API."""

from ordersync.sandbox.woocommerce.store import WooError
from ordersync.sandbox.woocommerce.twin import WooCommerceTwin

__all__ = ["WooCommerceTwin", "WooError"]
