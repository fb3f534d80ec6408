"""Cartum (Horoshop) as a source of the hub's own-order import (``ShopOrderSource``).

``orders/get`` pages by ``limit``/``offset`` only (no id or modification filter), in
``order_id`` order (``fields.ORDER_SORT``, unverified). To resume exactly after a page even when
the listing moved meanwhile, the cursor keeps the offset *and* the last order id read; the next
request starts one order earlier and asks for one more: the first order must be the last one
read. If orders were added before it, the ids at or below it are dropped; if orders were
deleted before it (it is not where it was), the listing is re-read from one page earlier. Nothing
is skipped or repeated either way. The API has no "modified since": ``updated_order_pages``
re-reads the orders created within ``update_lookback`` before ``updated_since`` (statuses
change on orders of any age, and Cartum's status is synced).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

from ordersync.connectors.base import ShopOrderPage
from ordersync.connectors.cartum import fields as f
from ordersync.connectors.cartum.mapping import format_date, shop_order
from ordersync.connectors.shop_pages import decode_cursor, encode_cursor, map_page, plain_text
from ordersync.orders.shop import ShopProduct

PAGE_LIMIT = 100
DEFAULT_LOOKBACK = timedelta(days=60)  # the two months the import looks at
Json = dict[str, Any]


class CartumShopImport:
    """Mixin of ``CartumConnector``: the ShopOrderSource methods and status reads/writes."""

    platform: str
    account: str
    utc_offset: timedelta
    call: Callable[..., Any]
    finished_statuses: frozenset[str] = f.FINISHED
    update_lookback: timedelta = DEFAULT_LOOKBACK

    # -- orders -------------------------------------------------------------------------

    def order_pages(self, *, created_since: datetime, created_until: datetime | None = None,
                    cursor: str | None = None) -> Iterator[ShopOrderPage]:
        """Orders created in [created_since, created_until), in order id order."""
        params = {"from": format_date(created_since, self.utc_offset)}
        if created_until is not None:  # ``to`` is inclusive, to the second
            params["to"] = format_date(created_until - timedelta(seconds=1), self.utc_offset)
        return self._pages("created", params, cursor)

    def updated_order_pages(self, *, updated_since: datetime,
                            cursor: str | None = None) -> Iterator[ShopOrderPage]:
        """Every order created within ``update_lookback`` before ``updated_since`` (see the
        module docstring: Cartum cannot list by modification time)."""
        since = updated_since - self.update_lookback
        return self._pages("updated", {"from": format_date(since, self.utc_offset)}, cursor)

    def _pages(self, kind: str, params: Mapping[str, Any], cursor: str | None
               ) -> Iterator[ShopOrderPage]:
        offset, last = 0, None
        if cursor:
            state = decode_cursor(cursor, self.platform, kind)
            offset, last = int(state["o"]), int(state["l"])
        while True:
            overlap = 1 if last is not None and offset > 0 else 0
            start, limit = offset - overlap, PAGE_LIMIT + overlap
            body = self.call(f.ORDERS_GET, {**params, f.LIMIT: limit, f.OFFSET: start})
            items = [i for i in body.get("orders") or []] if isinstance(body, dict) else []
            first = _id(items[0]) if items else None
            if overlap and start > 0 and (first is None or first > last):  # type: ignore
                offset = max(1, offset - PAGE_LIMIT)
                continue  # orders vanished before the cursor: look one page earlier
            ids = [i for i in (_id(x) for x in items) if i is not None]
            fresh = [x for x in items if last is None or (_id(x) or last + 1) > last]
            orders, rejected = map_page(fresh, self._map, self.platform, f.ORDER_ID)
            offset = start + len(items)
            last = max([*ids, last] if last is not None else ids, default=None)
            more = len(items) == limit
            if more and last is None:
                raise RuntimeError(f"{self.platform}: a full page of orders without "
                                   f"{f.ORDER_ID}; cannot page on")
            following = encode_cursor(self.platform, kind, {"o": offset, "l": last}) \
                if more else None
            if orders or rejected or following is None:
                yield ShopOrderPage(orders, following, rejected)
            if not more:
                return

    def _map(self, order: Mapping[str, Any]):
        return shop_order(order, self.utc_offset)

    # -- statuses -----------------------------------------------------------------------

    def order_status(self, order_id: int | str) -> str | None:
        """The order's status name (``orders/get`` by id), or None when it does not exist."""
        body = self.call(f.ORDERS_GET, {"ids": [int(order_id)]})
        for order in (body.get("orders") or []) if isinstance(body, dict) else []:
            if str(order.get(f.ORDER_ID)) == str(order_id):
                return shop_order(order, self.utc_offset).status
        return None

    # -- products -----------------------------------------------------------------------

    def products(self, ids: Collection[str]) -> dict[str, ShopProduct]:
        """Products by article (``catalog/export`` with ``expr.article``, 100 per request);
        the category path is the product's ``parent`` (unverified shape, see ``fields``)."""
        wanted = sorted({str(i) for i in ids if str(i).strip()})
        found: dict[str, ShopProduct] = {}
        for start in range(0, len(wanted), PAGE_LIMIT):
            chunk = wanted[start:start + PAGE_LIMIT]
            body = self.call(f.CATALOG_EXPORT, {"expr": {f.P_ARTICLE: chunk},
                                                f.LIMIT: len(chunk), f.OFFSET: 0})
            for item in (body.get("products") or []) if isinstance(body, dict) else []:
                product = product_of(item)
                if product.id in chunk:
                    found[product.id] = product
        return found

    def shop_currency(self) -> str | None:
        """None: Cartum has no documented shop currency; each order carries its own."""
        return None


def _id(item: Any) -> int | None:
    value = item.get(f.ORDER_ID) if isinstance(item, Mapping) else None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def text_of(value: Any) -> str | None:
    """A text field that may be per language (``{"ua": .., "ru": ..}``)."""
    if isinstance(value, Mapping):
        for lang in (*f.LANGUAGES, *value.keys()):
            picked = value.get(lang)
            if picked not in (None, ""):
                return str(picked)
        return None
    return str(value) if value not in (None, "") else None


def product_of(item: Mapping[str, Any]) -> ShopProduct:
    """A ``catalog/export`` product as a ``ShopProduct`` (the article is id and SKU)."""
    article = str(item[f.P_ARTICLE])
    parent = item.get(f.P_PARENT)
    path_text = text_of(parent.get("value")) if isinstance(parent, Mapping) else text_of(parent)
    path = tuple(p.strip() for p in (path_text or "").split(f.PATH_SEPARATOR.strip())
                 if p.strip())
    return ShopProduct(id=article, sku=article, name=text_of(item.get(f.P_TITLE)) or article,
                       description=plain_text(text_of(item.get(f.P_DESCRIPTION))),
                       category=path)
