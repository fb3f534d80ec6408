"""Magento 2 / Adobe Commerce admin REST API: the webshop side of the order loop."""

from ordersync.connectors.magento.connector import MagentoConnector

__all__ = ["MagentoConnector"]
