"""bol.com Retailer API v10 connector (orders, shipments, cancellations)."""

from ordersync.connectors.bolcom.auth import BolcomAuth
from ordersync.connectors.bolcom.connector import MEDIA_TYPE, BolcomConnector
from ordersync.connectors.bolcom.limits import RATE_LIMITS

__all__ = ["MEDIA_TYPE", "RATE_LIMITS", "BolcomAuth", "BolcomConnector"]
