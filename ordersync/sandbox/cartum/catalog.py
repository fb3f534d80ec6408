"""The Cartum twin's catalogue and reference functions: ``catalog/export`` and
``orders/get_available_statuses`` (shapes from third-party clients, *unverified*; see
``ordersync.connectors.cartum.fields``)."""

from __future__ import annotations

from typing import Any

from ordersync.connectors.cartum import fields as f

Json = dict[str, Any]
STATUS_TITLES = {
    f.NEW: {"ua": "Новий", "ru": "Новый"},
    f.IN_PROCESS: {"ua": "В обробці", "ru": "В обработке"},
    f.DELIVERED: {"ua": "Доставлено", "ru": "Доставлен"},
    f.NOT_DELIVERED: {"ua": "Не доставлено", "ru": "Не доставлен"},
    f.DELIVERING: {"ua": "Доставляється", "ru": "Доставляется"},
}


class CartumCatalog:
    """Products by article, with per-language texts and a category path as ``parent``."""

    def __init__(self) -> None:
        self.products: dict[str, Json] = {}
        self._category_ids: dict[str, int] = {}

    def add(self, article: str, title: str, *, description: str = "", category: str = "",
            price: float = 0) -> Json:
        """A product; ``category`` is the path, parts joined by `` / ``."""
        parent = None
        if category:
            ident = self._category_ids.setdefault(category, len(self._category_ids) + 1)
            parent = {"id": ident, "value": category}
        product = {
            f.P_ARTICLE: article, f.P_TITLE: {"ua": title, "ru": title},
            f.P_DESCRIPTION: {"ua": description, "ru": description}, f.P_PARENT: parent,
            "price": price, "presence": {"id": 1, "value": {"ua": "В наявності"}},
            "display_in_showcase": 1,
        }
        self.products[article] = product
        return product

    def export(self, body: Json) -> tuple[str, Json]:
        """``catalog/export {expr: {article: [...]}, limit, offset}`` -> (status, response)."""
        expr = body.get("expr") or {}
        if not isinstance(expr, dict):
            return "ERROR", {"message": "Invalid parameter expr"}
        wanted = expr.get(f.P_ARTICLE)
        if isinstance(wanted, str):
            wanted = [wanted]
        try:
            limit = int(body.get(f.LIMIT) or 100)
            offset = int(body.get(f.OFFSET) or 0)
        except (TypeError, ValueError):
            return "ERROR", {"message": "Invalid parameters"}
        items = [p for a, p in sorted(self.products.items())
                 if wanted is None or a in {str(w) for w in wanted}]
        page = items[offset:offset + limit]
        return ("OK", {"products": page}) if page else ("EMPTY", {})


def available_statuses() -> Json:
    """``orders/get_available_statuses`` -> ``{"statuses": [{id, title, is_successful}]}``."""
    return {"statuses": [{"id": ident, "title": dict(title),
                          "is_successful": ident == f.DELIVERED}
                         for ident, title in STATUS_TITLES.items()]}
