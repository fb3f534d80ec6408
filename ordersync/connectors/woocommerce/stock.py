"""WooCommerce stock for the hub's stock sync: every product's ``stock_quantity`` where the
shop manages stock (``manage_stock: true``), ``GET /products`` 100 a page. A mixin of
``WooCommerceConnector``. Variations of variable products (``/products/{id}/variations``) are
not read yet: their SKUs are reported as untracked."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from ordersync.stock.model import WebshopStock

API = "/wp-json/wc/v3"
PAGE_LIMIT = 100


def stock_of(products: Iterable[Mapping[str, Any]]) -> WebshopStock:
    """SKU -> stock of managed products; unmanaged, variable and duplicate SKUs apart."""
    found: dict[str, int] = {}
    untracked: set[str] = set()
    duplicates: set[str] = set()
    for product in products:
        sku = str(product.get("sku") or "").strip()
        if not sku:
            continue
        if sku in found or sku in untracked:
            duplicates.add(sku)
            continue
        quantity = product.get("stock_quantity")
        if (product.get("type", "simple") == "variable" or not product.get("manage_stock")
                or isinstance(quantity, bool) or not isinstance(quantity, int)):
            untracked.add(sku)
            continue
        found[sku] = quantity
    return WebshopStock(found, frozenset(untracked), frozenset(duplicates))


class WooStock:
    """Needs ``_pages`` (from WooCommerceConnector)."""

    _pages: Callable[[str, Mapping[str, Any]], Iterator[list[dict[str, Any]]]]

    def read_stock(self) -> WebshopStock:
        """Every managed product's stock, paging through the catalogue (100 a page)."""
        params = {"per_page": PAGE_LIMIT, "orderby": "id", "order": "asc"}
        return stock_of(p for page in self._pages(f"{API}/products", params) for p in page)
