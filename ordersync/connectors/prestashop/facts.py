"""PrestaShop webservice facts the connector and the twin rely on, in one table.

Stated by the stored material (``shared/specs/prestashop``: devdocs 8.x, order-states.json):
paths ``/api/{resource}``, the key as Basic user, JSON output by ``output_format=JSON``, XML
request bodies (8.x reads no JSON), ``filter[...]``/``date=1``/``sort``/``limit=offset,count``,
the default order states. Marked ``UNVERIFIED`` below: facts the material leaves open, chosen
as the closest official client (PrestaShop/PrestaShop-webservice-lib, ``PrestaShopWebservice``
PHP class) behaves, or as PrestaShop core does.
"""

from __future__ import annotations

API = "/api"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"  # date_add / date_upd, whole seconds, shop time
MAX_DATE = "9999-12-31 23:59:59"  # the open end of a ``filter[date_upd]=[a,b]`` interval
PAGE_LIMIT = 100  # orders per listing page (``limit=offset,count`` has no documented maximum)

# Default order states (order-states.json, ids of a default install). Merchants may add
# states: a state is read by id, so custom ones count as open (neither done nor cancelled).
PAYMENT_ACCEPTED = 2
SHIPPED = 4
DELIVERED = 5
CANCELED = 6
REFUNDED = 7
COMPLETED_STATES = frozenset({SHIPPED, DELIVERED})
CANCELLED_STATES = frozenset({CANCELED, REFUNDED})

# UNVERIFIED: the shop's time zone. date_add/date_upd are printed in the shop's time zone
# (PS_TIMEZONE); the connector takes it as a setting, UTC by default (as the twin runs).
SHOP_TIMEZONE = "UTC"
# UNVERIFIED: an empty list is printed as ``[]`` instead of ``{"orders": []}`` (as
# WebserviceOutputJSON does for an empty result); the connector accepts both.
EMPTY_LIST_IS_ARRAY = True
# UNVERIFIED: PrestaShop core has no webservice rate limit (none in the docs nor in core);
# like the official client the connector sends no limit headers and paces itself politely.
POLITE_RATE, POLITE_BURST = 5.0, 10
# UNVERIFIED: the hub's reference is kept in the order's ``note`` (filterable, isCleanHtml);
# the webservice has no custom fields on orders.
REFERENCE_FIELD = "note"
# Error codes of the twin's error bodies (WebserviceRequest's numbering, UNVERIFIED per code).
ERR_NO_KEY, ERR_BAD_KEY, ERR_NOT_FOUND, ERR_BAD_PARAM, ERR_BAD_BODY = 17, 18, 87, 30, 127
