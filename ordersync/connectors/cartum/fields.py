"""Every Cartum (Horoshop) API fact the connector and twin rely on, in one place.

Documented in ../PLATFORMS.md: ``https://{domain}/api/{function}/`` JSON POST, ``auth`` ->
token sent in the body, ``orders/get {token, from, to, ids[], status}``, the numeric statuses
and the ``{status, response}`` envelope. Everything marked *unverified* comes from third-party
clients (bilovol/horoshop-rest-api-php, IgorShutko/horoshop-mcp,
ecomkit-com-ua/horoshop-mcp), not from Horoshop's own
documentation; check it against a real store before relying on it.
"""

from __future__ import annotations

# -- documented --------------------------------------------------------------------------
AUTH = "auth"
ORDERS_GET = "orders/get"
NEW, IN_PROCESS, DELIVERED, NOT_DELIVERED, DELIVERING = 1, 2, 3, 4, 6
STATUSES = {NEW: "new", IN_PROCESS: "in process", DELIVERED: "delivered",
            NOT_DELIVERED: "not delivered", DELIVERING: "delivering"}
STATUS_IDS = {name: ident for ident, name in STATUSES.items()}
FINISHED = frozenset({STATUSES[DELIVERED]})
"""Statuses the initial backfill leaves out (PRODUCT.md: Cartum except delivered)."""
OK = "OK"

# -- unverified --------------------------------------------------------------------------
ORDERS_UPDATE = "orders/update"  # unverified: {orders: [{order_id, status}]}
UPDATE_METHOD = "PUT"  # unverified: the third-party client sends orders/update as PUT
EMPTY = "EMPTY"  # unverified: "no data" status, not an error
WARNING = "WARNING"  # unverified: orders/update partly failed; per-order "log"
LOG_OK = "OK"  # unverified: log entries {order_id, code, message}; code OK = updated
UNDEFINED_FUNCTION = "UNDEFINED_FUNCTION"  # unverified: unknown function
AUTH_STATUSES = frozenset({"UNAUTHORIZED", "AUTHORIZATION_ERROR"})  # unverified: expired/bad
ORDERS_STATUSES = "orders/get_available_statuses"  # unverified (Horoshop 4.0+): {statuses}
CATALOG_EXPORT = "catalog/export"  # unverified: {expr: {article: [...]}, limit, offset}
ORDER_SORT = "order_id"  # unverified: orders/get answers by order_id ascending
TOKEN_TTL = 600.0  # unverified: seconds a token lives
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"  # unverified: from/to and order dates, store local time
LIMIT, OFFSET = "limit", "offset"  # unverified paging parameters of orders/get
ORDER_ID = "order_id"  # unverified from here down: order fields of orders/get
CREATED = "stat_created"
STATUS = "stat_status"
CURRENCY = "currency"
TOTAL = "total_sum"
NAME = "delivery_name"
PHONE = "delivery_phone"
EMAIL = "delivery_email"
CITY = "delivery_city"
ADDRESS = "delivery_address"
DELIVERY_TYPE = "delivery_type"  # {"id", "title"}
DELIVERY_PRICE = "delivery_price"  # -1 = not calculated
PRODUCTS = "products"
ARTICLE = "article"
TITLE = "title"
QUANTITY = "quantity"
PRICE = "price"
# unverified: product fields of catalog/export; texts are per language {"ua": ..., "ru": ...}
P_ARTICLE = "article"
P_TITLE = "title"
P_DESCRIPTION = "description"
P_PARENT = "parent"  # the category: {"id", "value": "Top / Sub"} (path joined by " / ")
LANGUAGES = ("ua", "ru", "en")  # the text picked first when a field has several languages
PATH_SEPARATOR = " / "
