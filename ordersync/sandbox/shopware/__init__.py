"""Shopware 6 Admin API twin."""

from ordersync.sandbox.shopware.twin import ShopwareTwin

__all__ = ["ShopwareTwin"]
