"""CCV Shop REST API connector (webshop side): signed requests, offset pages, stock read."""

from ordersync.connectors.ccvshop.connector import CcvShopConnector

__all__ = ["CcvShopConnector"]
