"""Amazon Selling Partner API connector (orders, shipments, stock via listings and feeds)."""

from ordersync.connectors.amazon.auth import AmazonAuth
from ordersync.connectors.amazon.connector import AmazonConnector, UnsupportedOperation
from ordersync.connectors.amazon.limits import RATE_LIMITS, operation_of

__all__ = ["RATE_LIMITS", "AmazonAuth", "AmazonConnector", "UnsupportedOperation",
           "operation_of"]
