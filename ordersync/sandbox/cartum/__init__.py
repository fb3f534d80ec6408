"""Sandbox twin of the Cartum (Horoshop) API; see ``twin`` for functions and control API."""

from ordersync.sandbox.cartum.twin import CartumTwin

__all__ = ["CartumTwin"]
