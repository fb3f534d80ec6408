"""Magento stock for the hub's stock sync: MSI source items (``GET
/V1/inventory/source-items``) of one source, paged by ``total_count``. A mixin of
``MagentoConnector``.

Chosen: MSI, the default inventory of Magento 2.3+ (the legacy ``cataloginventory`` REST
``/V1/stockItems/{sku}`` reads one SKU a request and is not used). A source item out of stock
(``status`` 0) offers 0; each SKU has one source item per source, so duplicates cannot occur.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from ordersync.connectors.magento.search import Filter
from ordersync.stock.model import WebshopStock

STOCK_PAGE = 500
IN_STOCK = 1


def stock_of(items: Iterable[Mapping[str, Any]]) -> WebshopStock:
    """SKU -> quantity of source items (0 when out of stock)."""
    found: dict[str, int] = {}
    duplicates: set[str] = set()
    for item in items:
        sku = str(item.get("sku") or "").strip()
        if not sku:
            continue
        if sku in found:
            duplicates.add(sku)
            continue
        quantity = int(float(item.get("quantity") or 0))
        found[sku] = max(0, quantity) if int(item.get("status") or 0) == IN_STOCK else 0
    return WebshopStock(found, frozenset(), frozenset(duplicates))


class MagentoStock:
    """Needs ``_search`` and ``source_code`` (from MagentoConnector)."""

    source_code: str
    _search: Callable[..., Iterator[list[dict[str, Any]]]]

    def read_stock(self) -> WebshopStock:
        """Every SKU's quantity on the connection's source (``source_code``)."""
        pages = self._search("inventory/source-items",
                             [[Filter("source_code", self.source_code)]],
                             sort=[("sku", "ASC")], page_size=STOCK_PAGE)
        return stock_of(item for page in pages for item in page)
