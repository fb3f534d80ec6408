"""Cartum (Horoshop) connector: orders for the hub's import, status write-back."""

from ordersync.connectors.cartum.connector import CartumConnector, CartumError
from ordersync.connectors.cartum.mapping import shop_order

__all__ = ["CartumConnector", "CartumError", "shop_order"]
