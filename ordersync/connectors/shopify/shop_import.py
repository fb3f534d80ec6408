"""Shopify as a source of the hub's own-order import (``ShopOrderSource``).

Listing: ``GET orders.json?status=any&limit=250&since_id=N`` with the window filters
(``created_at_min/max`` or ``updated_at_min``) and only the ``fields`` the import reads. Order
ids rise with creation, so ``since_id`` is an id keyset: the cursor is the last id read, valid
in any process at any later time (a ``page_info`` token is bound to one listing), and orders
created meanwhile only ever come after it. The ``Link`` header's rel="next" says whether another
page follows, so a listing of N orders costs ceil(N / 250) requests, no empty last one.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

from ordersync.connectors.base import ShopOrderPage
from ordersync.connectors.shop_pages import decode_cursor, encode_cursor, map_page
from ordersync.connectors.shopify.mapping import iso
from ordersync.connectors.shopify.pagination import next_page_info
from ordersync.connectors.shopify.shop_mapping import (
    FINISHED,
    ORDER_FIELDS,
    PRODUCT_FIELDS,
    product_of,
    shop_order,
)
from ordersync.http import ApiClient
from ordersync.http.paging import Page, paginate
from ordersync.orders.shop import ShopProduct

PAGE_LIMIT = 250


class ShopifyShopImport:
    """Mixin of ``ShopifyConnector`` (needs its ``client``, ``_path``, ``product_pages``)."""

    platform: str
    account: str
    client: ApiClient
    finished_statuses: frozenset[str] = FINISHED
    _path: Callable[[str], str]  # ShopifyConnector's
    product_pages: Callable[..., Iterator[list[dict[str, Any]]]]  # ProductReads'

    def order_pages(self, *, created_since: datetime, created_until: datetime | None = None,
                    cursor: str | None = None) -> Iterator[ShopOrderPage]:
        """Orders of any status created in [created_since, created_until), oldest first."""
        params = {"created_at_min": iso(created_since)}
        if created_until is not None:  # created_at_max is inclusive, to the second
            params["created_at_max"] = iso(created_until - timedelta(seconds=1))
        return self._shop_pages("created", params, cursor)

    def updated_order_pages(self, *, updated_since: datetime,
                            cursor: str | None = None) -> Iterator[ShopOrderPage]:
        """Orders updated at or after ``updated_since``, in id order. An order updated again
        while the listing runs is seen here if its id is still ahead, else by the next poll."""
        return self._shop_pages("updated", {"updated_at_min": iso(updated_since)}, cursor)

    def _shop_pages(self, kind: str, window: Mapping[str, str], cursor: str | None
               ) -> Iterator[ShopOrderPage]:
        since = int(decode_cursor(cursor, self.platform, kind)["since"]) if cursor else 0
        path = self._path("orders")

        def fetch(since_id: int) -> Page[ShopOrderPage, int]:
            params = {**window, "status": "any", "limit": PAGE_LIMIT, "since_id": since_id,
                      "fields": ORDER_FIELDS}
            response = self.client.request("GET", path, params=params)
            items = response.json().get("orders") or []
            orders, rejected = map_page(items, shop_order, self.platform)
            ids = [int(i["id"]) for i in items
                   if isinstance(i, Mapping) and str(i.get("id", "")).isdigit()]
            more = next_page_info(response) is not None
            after = max([since_id, *ids])  # a page without ids does not advance: refused
            following = encode_cursor(self.platform, kind, {"since": after}) if more else None
            return Page([ShopOrderPage(orders, following, rejected)], after if more else None)

        for pages in paginate(fetch, since, platform=self.platform, listing=f"{kind} orders"):
            yield from pages

    def products(self, ids: Collection[str]) -> dict[str, ShopProduct]:
        """Products by id, 250 per request (``ids=``), with ``product_type`` as category."""
        wanted = sorted({int(i) for i in ids if str(i).strip().isdigit()})
        if not wanted:
            return {}
        found: dict[str, ShopProduct] = {}
        for page in self.product_pages(ids=wanted, fields=PRODUCT_FIELDS):
            for item in page:
                product = product_of(item)
                found[product.id] = product
        keep = set(wanted)
        return {k: v for k, v in found.items() if int(k) in keep}

    def shop_currency(self) -> str | None:
        """``GET shop.json`` -> ``shop.currency``."""
        body = self.client.request("GET", self._path("shop")).json()
        shop = body.get("shop") if isinstance(body, dict) else None
        currency = shop.get("currency") if isinstance(shop, dict) else None
        return str(currency).upper() if currency else None
