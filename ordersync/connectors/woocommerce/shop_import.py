"""WooCommerce as a source of the hub's own-order import (``ShopOrderSource``).

Listing: ``GET /orders`` with every real status (trash included, so a status change never moves
an order in or out of the listing), ``orderby=date|modified&order=asc``, ``per_page=100``, and
keyset resumption instead of page numbers: each request asks for page 1 of the orders created
(or modified) at or after the boundary second of the previous page (``after`` is exclusive, so
it is sent one second earlier) and ``exclude``\\ s the ids already seen in that second. Orders
created, trashed or deleted meanwhile therefore never shift a later page: nothing is skipped or
repeated. ``X-WP-TotalPages`` > 1 tells whether another page follows (no empty last request).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

from ordersync.connectors.base import ShopOrderPage
from ordersync.connectors.shop_pages import decode_cursor, encode_cursor, map_page, plain_text
from ordersync.connectors.woocommerce.categories import _ancestors, _parents, pick_category
from ordersync.connectors.woocommerce.mapping import FINISHED, gmt, iso, shop_order
from ordersync.http import ApiClient
from ordersync.orders.shop import ShopProduct

API = "/wp-json/wc/v3"
PAGE_LIMIT = 100  # WooCommerce's maximum per_page
LISTED_STATUSES = ("pending", "processing", "on-hold", "completed", "cancelled", "refunded",
                   "failed", "trash")
"""Every status of a placed order (``any`` would leave trash out; checkout-draft is a cart)."""
CATEGORY_TTL = 300.0  # seconds the category tree is reused between product lookups
SECOND = timedelta(seconds=1)
Json = dict[str, Any]


class WooShopImport:
    """Mixin of ``WooCommerceConnector``: the ShopOrderSource methods."""

    platform: str
    account: str
    client: ApiClient
    finished_statuses: frozenset[str] = FINISHED
    monotonic: Callable[[], float] = staticmethod(time.monotonic)
    _category_cache: tuple[float, list[Json]] | None = None
    get_products: Callable[[Collection[int | str]], list[Json]]  # the connector's reads
    list_categories: Callable[[], list[Json]]

    # -- orders -------------------------------------------------------------------------

    def order_pages(self, *, created_since: datetime, created_until: datetime | None = None,
                    cursor: str | None = None) -> Iterator[ShopOrderPage]:
        """Orders created in [created_since, created_until), oldest first."""
        extra = {"before": iso(created_until)} if created_until is not None else {}
        return self._keyset("created", created_since, cursor, extra)

    def updated_order_pages(self, *, updated_since: datetime,
                            cursor: str | None = None) -> Iterator[ShopOrderPage]:
        """Orders modified at or after ``updated_since``, least recently modified first."""
        return self._keyset("updated", updated_since, cursor, {})

    def _keyset(self, kind: str, since: datetime, cursor: str | None,
                extra: Mapping[str, str]) -> Iterator[ShopOrderPage]:
        date_param, orderby, field = (("after", "date", "date_created_gmt") if kind == "created"
                                      else ("modified_after", "modified", "date_modified_gmt"))
        if cursor:
            state = decode_cursor(cursor, self.platform, kind)
            boundary, seen = str(state["t"]), [int(i) for i in state["x"]]
        else:
            boundary, seen = iso(since), []
        while True:
            params: dict[str, Any] = {
                **extra, date_param: iso(_parse(boundary) - SECOND), "dates_are_gmt": "true",
                "status": ",".join(LISTED_STATUSES), "orderby": orderby, "order": "asc",
                "per_page": PAGE_LIMIT, "page": 1,
            }
            if seen:
                params["exclude"] = ",".join(map(str, seen))
            response = self.client.request("GET", f"{API}/orders", params=params)
            items = response.json()
            if not isinstance(items, list):
                items = []
            orders, rejected = map_page(items, shop_order, self.platform)
            pages = response.headers.get("X-WP-TotalPages", "")
            more = bool(items) and pages.isdigit() and int(pages) > 1
            moved = _advance(items, field, boundary, seen)
            if more and moved == (boundary, seen):
                raise RuntimeError(f"{self.platform}: the order listing does not advance "
                                   f"past {boundary} (payloads without id or date)")
            boundary, seen = moved
            following = encode_cursor(self.platform, kind, {"t": boundary, "x": seen}) \
                if more else None
            if orders or rejected or following is None:
                yield ShopOrderPage(orders, following, rejected)
            if not more:
                return

    # -- products -----------------------------------------------------------------------

    def _categories(self, needed: set[int]) -> list[Json]:
        """The category tree, cached for CATEGORY_TTL, refreshed when an id is unknown."""
        cached = self._category_cache
        now = self.monotonic()
        if cached is None or now - cached[0] > CATEGORY_TTL \
                or needed - {int(c["id"]) for c in cached[1]}:
            cached = self._category_cache = (now, self.list_categories())
        return cached[1]

    def products(self, ids: Collection[str]) -> dict[str, ShopProduct]:
        """Products by id (``include=``, 100 per request) with the category the hub files them
        under: ``pick_category``'s choice and its ancestors, top first."""
        wanted = sorted({int(i) for i in ids if str(i).strip().isdigit()})
        if not wanted:
            return {}
        raw = self.get_products(wanted)
        needed = {int(c["id"]) for p in raw for c in p.get("categories") or []}
        tree = self._categories(needed) if needed else []
        keep = set(wanted)
        return {str(p["id"]): product_of(p, tree) for p in raw if int(p["id"]) in keep}

    def shop_currency(self) -> str | None:
        """``GET /settings/general/woocommerce_currency`` -> its ``value``."""
        body = self.client.request(
            "GET", f"{API}/settings/general/woocommerce_currency").json()
        value = body.get("value") if isinstance(body, dict) else None
        return str(value).upper() if value else None


def _parse(stamp: str) -> datetime:
    moment = gmt(stamp)
    assert moment is not None
    return moment


def _advance(items: list[Any], field: str, boundary: str, seen: list[int]
             ) -> tuple[str, list[int]]:
    """The next (boundary second, ids already seen in it) after a page sorted by ``field``."""
    stamps: dict[int, str | None] = {}
    for item in items:
        if isinstance(item, Mapping) and str(item.get("id", "")).isdigit():
            value = item.get(field)
            try:
                stamps[int(item["id"])] = iso(_parse(value)) if isinstance(value, str) \
                    and value else None
            except ValueError:  # a malformed date: the id is excluded, the rest goes on
                stamps[int(item["id"])] = None
    known = [s for s in stamps.values() if s is not None]
    last = max(known) if known else boundary
    if last < boundary:
        last = boundary
    carried = seen if last == boundary else []
    fresh = [i for i, s in stamps.items() if s == last or s is None]
    return last, sorted(set(carried) | set(fresh))


def product_of(product: Mapping[str, Any], tree: list[Json]) -> ShopProduct:
    """A WooCommerce product (``GET /products`` item) as a ``ShopProduct``."""
    own = product.get("categories") or []
    chosen = pick_category(own, tree)
    path: tuple[str, ...] = ()
    if chosen is not None:
        parents = _parents(tree)
        parents.setdefault(int(chosen["id"]), int(chosen.get("parent") or 0))
        names = {int(c["id"]): str(c.get("name") or "") for c in [*tree, *own]}
        chain = [int(chosen["id"]), *_ancestors(int(chosen["id"]), parents)]
        path = tuple(names.get(cid, str(cid)) for cid in reversed(chain))
    description = plain_text(product.get("description")) \
        or plain_text(product.get("short_description"))
    return ShopProduct(id=str(product["id"]), sku=str(product.get("sku") or "").strip() or None,
                       name=str(product.get("name") or ""), description=description,
                       category=path)
