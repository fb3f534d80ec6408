"""Shopify products: ``GET products.json`` pages (Link cursors, 250 a page), one product, the
shop's stock per SKU, and SKU -> variant id (so order lines become product lines and Shopify
takes them off its stock). A mixin of ``ShopifyConnector``."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ordersync.connectors.shopify.pagination import link_pages
from ordersync.http import ApiClient
from ordersync.stock.model import WebshopStock

PAGE_LIMIT = 250
MAX_IDS = 250  # products.json ``ids`` filter
STOCK_FIELDS = "id,variants"
VARIANT_CACHE_SECONDS = 300.0  # how long a SKU -> variant id map is trusted
VARIANT_RELOAD_SECONDS = 60.0  # an unknown SKU re-reads the catalogue at most this often


def stock_of(products: Iterable[dict[str, Any]]) -> WebshopStock:
    """SKU -> ``inventory_quantity`` of variants whose stock Shopify tracks
    (``inventory_management: "shopify"``); untracked and duplicate SKUs reported apart."""
    found: dict[str, int] = {}
    untracked: set[str] = set()
    duplicates: set[str] = set()
    for product in products:
        for variant in product.get("variants") or ():
            sku = (variant.get("sku") or "").strip()
            if not sku:
                continue
            if sku in found or sku in untracked:
                duplicates.add(sku)
                continue
            if variant.get("inventory_management") != "shopify":
                untracked.add(sku)
                continue
            found[sku] = int(variant.get("inventory_quantity") or 0)
    return WebshopStock(found, frozenset(untracked), frozenset(duplicates))


class ProductReads:
    """Needs ``client`` and ``_path`` (from ShopifyConnector)."""

    client: ApiClient
    _variant_cache: tuple[float, dict[str, int]] | None = None

    _path: Callable[[str], str]  # provided by ShopifyConnector

    def product_pages(self, *, ids: Iterable[int | str] | None = None,
                      fields: str | None = None,
                      **filters: Any) -> Iterator[list[dict[str, Any]]]:
        """Raw Product JSON, one list per page of 250, oldest id first. ``ids`` are fetched
        in chunks of 250; ``filters`` are products.json filters (since_id, status,
        product_type, updated_at_min, ...)."""
        if ids is not None:
            wanted = [str(int(i)) for i in dict.fromkeys(ids)]
            for start in range(0, len(wanted), MAX_IDS):
                chunk = ",".join(wanted[start:start + MAX_IDS])
                yield from self._product_pages({**filters, "ids": chunk}, fields)
            return
        yield from self._product_pages(filters, fields)

    def _product_pages(self, filters: dict[str, Any],
                       fields: str | None) -> Iterator[list[dict[str, Any]]]:
        path = self._path("products")
        query: dict[str, Any] = {**filters, "limit": PAGE_LIMIT}
        if fields:
            query["fields"] = fields
        for page in link_pages(lambda q: self.client.request("GET", path, params=q), query,
                               "products", platform=self.platform, listing="products"):
            if page:
                yield list(page)

    def get_product(self, product_id: int | str) -> dict[str, Any]:
        path = self._path(f"products/{int(product_id)}")
        return self.client.request("GET", path).json()["product"]

    def read_stock(self) -> WebshopStock:
        """Every tracked SKU's stock, paging through the whole catalogue."""
        return stock_of(p for page in self.product_pages(fields=STOCK_FIELDS) for p in page)

    def variant_ids(self, skus: Iterable[str]) -> dict[str, int]:
        """SKU -> variant id for the given SKUs the shop has. REST cannot filter variants by
        SKU, so the catalogue is read once and trusted for ``VARIANT_CACHE_SECONDS``; a SKU
        missing from it re-reads it, at most every ``VARIANT_RELOAD_SECONDS``."""
        wanted = {s for s in skus if s}
        if not wanted:
            return {}
        now, cache = time.monotonic(), self._variant_cache
        age = now - cache[0] if cache is not None else float("inf")
        if cache is None or age >= VARIANT_CACHE_SECONDS or (
                not wanted <= cache[1].keys() and age >= VARIANT_RELOAD_SECONDS):
            mapping: dict[str, int] = {}
            for page in self.product_pages(fields=STOCK_FIELDS):
                for product in page:
                    for variant in product.get("variants") or ():
                        if variant.get("sku"):
                            mapping.setdefault(variant["sku"], int(variant["id"]))
            self._variant_cache = cache = (now, mapping)
        return {sku: cache[1][sku] for sku in wanted if sku in cache[1]}
