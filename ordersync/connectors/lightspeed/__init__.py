"""Lightspeed eCom (C-Series) connector (webshop side and stock)."""

from ordersync.connectors.lightspeed.connector import LightspeedConnector

__all__ = ["LightspeedConnector"]
