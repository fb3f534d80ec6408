"""Importing a webshop's own orders, products and customers (PRODUCT.md section 3): the
rules as pure code. No I/O, no Prefect, no SQLAlchemy; the store and the flows apply them.

The page plan (``ordersync.shop_import.plan``) is imported from its own module: it needs
pandas, and an order-sync flow run, which reads a shop-import block's settings but plans no
page, must not pay pandas' import (about 0.3 CPU-s per flow-run process)."""

from ordersync.shop_import.delivery import Delivery, delivery_of
from ordersync.shop_import.keys import category_keys, email_key, phone_key, product_key
from ordersync.shop_import.rules import (
    IDENTIFY_BY,
    PlatformRules,
    check_identify_by,
    rules_for,
)

__all__ = [
    "IDENTIFY_BY",
    "Delivery",
    "PlatformRules",
    "category_keys",
    "check_identify_by",
    "delivery_of",
    "email_key",
    "phone_key",
    "product_key",
    "rules_for",
]
