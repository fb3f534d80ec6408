"""Every Cartum (Horoshop) API fact the connector and twin rely on, in one place.

Documented in ../PLATFORMS.md: ``https://{domain}/api/{function}/`` JSON POST, ``auth`` ->
token sent in the body, ``orders/get {token, from, to, ids[], status}``, the numeric statuses
and the ``{status, response}`` envelope. Everything marked *unverified* comes from third-party
clients (bilovol/horoshop-rest-api-php, IgorShutko/horoshop-mcp), not from Horoshop's own
documentation; check it against a real store before relying on it.
"""

from __future__ import annotations

# -- documented --------------------------------------------------------------------------
AUTH = "auth"
ORDERS_GET = "orders/get"
NEW, IN_PROCESS, DELIVERED, NOT_DELIVERED, DELIVERING = 1, 2, 3, 4, 6
STATUSES = {NEW: "new", IN_PROCESS: "in process", DELIVERED: "delivered",
            NOT_DELIVERED: "not delivered", DELIVERING: "delivering"}
OK = "OK"

# -- unverified --------------------------------------------------------------------------
ORDERS_UPDATE = "orders/update"  # unverified: {orders: [{order_id, status}]}
UPDATE_METHOD = "PUT"  # unverified: the third-party client sends orders/update as PUT
EMPTY = "EMPTY"  # unverified: "no data" status, not an error
AUTH_STATUSES = frozenset({"UNAUTHORIZED"})  # unverified: status of a bad/expired token
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
