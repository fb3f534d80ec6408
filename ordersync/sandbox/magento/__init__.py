"""Sandbox twin of the Magento 2 admin REST API; see ``twin`` for routes and control API."""

from ordersync.sandbox.magento.errors import MagentoError
from ordersync.sandbox.magento.twin import MagentoTwin

__all__ = ["MagentoError", "MagentoTwin"]
