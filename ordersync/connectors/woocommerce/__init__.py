"""WooCommerce REST API v3 connector (webshop side and import-side reads)."""

from ordersync.connectors.woocommerce.categories import pick_category
from ordersync.connectors.woocommerce.connector import WooCommerceConnector
from ordersync.connectors.woocommerce.mapping import shop_order
from ordersync.orders.shop import ShopCustomer, ShopLine, ShopOrder

__all__ = ["ShopCustomer", "ShopLine", "ShopOrder", "WooCommerceConnector", "pick_category",
           "shop_order"]
