"""Sandbox twin of the PrestaShop webservice; see ``twin`` for routes."""

from ordersync.sandbox.prestashop.twin import PrestaShopTwin

__all__ = ["PrestaShopTwin"]
