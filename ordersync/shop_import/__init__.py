"""Importing a webshop's own orders, products and customers (PRODUCT.md section 3): the
rules as pure code. No I/O, no Prefect, no SQLAlchemy; the store and the flows apply them."""

from ordersync.shop_import.delivery import Delivery, delivery_of
from ordersync.shop_import.keys import category_keys, email_key, phone_key, product_key
from ordersync.shop_import.plan import (
    CurrencyMismatch,
    CustomerPlan,
    LinePlan,
    OrderPlan,
    PagePlan,
    check_currency,
    plan_page,
    unique_customers,
    unique_products,
)
from ordersync.shop_import.rules import (
    IDENTIFY_BY,
    PlatformRules,
    check_identify_by,
    rules_for,
)

__all__ = [
    "IDENTIFY_BY",
    "CurrencyMismatch",
    "CustomerPlan",
    "Delivery",
    "LinePlan",
    "OrderPlan",
    "PagePlan",
    "PlatformRules",
    "category_keys",
    "check_currency",
    "check_identify_by",
    "delivery_of",
    "email_key",
    "phone_key",
    "plan_page",
    "product_key",
    "rules_for",
    "unique_customers",
    "unique_products",
]
