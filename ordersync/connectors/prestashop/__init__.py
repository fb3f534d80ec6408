"""PrestaShop webservice connector (webshop side)."""

from ordersync.connectors.prestashop.connector import PrestaShopConnector

__all__ = ["PrestaShopConnector"]
