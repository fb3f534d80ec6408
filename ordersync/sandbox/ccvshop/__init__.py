"""The CCV Shop twin (see ``twin``) and its merchant (``merchant``)."""

from ordersync.sandbox.ccvshop.twin import CcvShopTwin

__all__ = ["CcvShopTwin"]
