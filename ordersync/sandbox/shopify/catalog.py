"""The Shopify twin's product catalogue: products and variants in the REST Product shape of
API 2025-01, their stock, and the stock an order claims.

Routes (registered by ``ShopifyTwin`` under ``/admin/api/{version}/``, same auth and bucket):
- ``GET products.json``: ``ids`` (comma separated, at most 250), ``since_id``, ``title``,
  ``vendor``, ``handle``, ``product_type``, ``status`` (active|archived|draft, comma separated;
  all when absent), ``created_at_min/max``, ``updated_at_min/max``, ``fields``, ``limit``
  (default 50, max 250), ``page_info``; ordered by id; ``Link`` header with rel="next" /
  rel="previous" cursors, and with ``page_info`` only ``limit`` and ``fields`` are allowed.
- ``GET products/{id}.json`` (``fields``), 404 when unknown.

Stock is kept as inventory levels in ``ShopStore.inventory`` (the single location), so
``POST inventory_levels/set.json`` changes what products show: a variant's
``inventory_quantity`` is the sum of its item's ``available`` levels.

Orders: ``create_order`` applies ``inventory_behaviour`` like Shopify does for line items with a
``variant_id``: ``bypass`` (the default) claims nothing; ``decrement_ignoring_policy`` takes the
quantity even below zero; ``decrement_obeying_policy`` refuses the whole order (422, nothing
created) when a variant with ``inventory_policy: deny`` has too little. Lines are linked to
their product (``product_id``, ``sku``, ``variant_title``). An unknown ``variant_id`` is a 422.

Python helpers: ``add_product``, ``seed`` (N one-variant products, fast), ``stock_of(sku)``,
``set_stock(sku, n)``, ``variant_by_sku(sku)``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ordersync.sandbox.shopify.store import ShopError, ShopStore

Json = dict[str, Any]
BEHAVIOURS = ("bypass", "decrement_ignoring_policy", "decrement_obeying_policy")
FILTERS = ("ids", "since_id", "title", "vendor", "handle", "product_type", "status",
           "created_at_min", "created_at_max", "updated_at_min", "updated_at_max")
MAX_LIMIT = 250


def _gid(kind: str, ident: int) -> str:
    return f"gid://shopify/{kind}/{ident}"


def _handle(title: str) -> str:
    slug = "".join(c if c.isalnum() else "-" for c in title.lower())
    return "-".join(part for part in slug.split("-") if part) or "product"


class Catalog:
    """Products and variants of the twin's shop (thread-safe through the store's lock)."""

    def __init__(self, store: ShopStore) -> None:
        self.store = store
        store.inventory_item_of = self.inventory_item_of
        self.reset()

    def inventory_item_of(self, variant_id: int | None) -> int | None:
        """The inventory item of a variant (a fulfillment order line's ``inventory_item_id``);
        None for a custom line or an unknown variant."""
        variant = self.variants.get(variant_id or 0)
        return variant["inventory_item_id"] if variant else None

    def reset(self) -> None:
        with self.store.lock:
            self.products: dict[int, Json] = {}
            self.variants: dict[int, Json] = {}
            self._by_sku: dict[str, int] = {}
            self.claimed_lines: set[int] = set()  # order lines that took stock

    # -- Python-side helpers --------------------------------------------------------------

    def add_product(
        self,
        title: str,
        variants: Iterable[Json] | None = None,
        *,
        product_type: str = "",
        vendor: str = "Sandbox",
        body_html: str | None = None,
        status: str = "active",
        tags: str = "",
    ) -> Json:
        """A product with variants ``{sku, price, quantity, inventory_policy, barcode,
        title, inventory_management}`` (one "Default Title" variant when none are given).
        Returns the product as the API renders it."""
        specs = list(variants or [{}])
        with self.store.lock:
            now = self.store.stamp()
            product = self._new_product(title, product_type, vendor, body_html, status, tags, now)
            for position, spec in enumerate(specs, start=1):
                self._new_variant(product, position, spec, now)
            product["options"][0]["values"] = [v["option1"] for v in product["variants"]]
            return self.render(product)

    def seed(self, count: int, *, quantity: int = 10, prefix: str = "SKU-",
             start: int = 1) -> list[str]:
        """``count`` one-variant products ``{prefix}{n:06d}`` with ``quantity`` in stock each,
        fast enough for benchmarks (no per-product HTTP, one timestamp). Returns the SKUs."""
        skus = []
        with self.store.lock:
            now = self.store.stamp()
            for n in range(start, start + count):
                sku = f"{prefix}{n:06d}"
                product = self._new_product(f"Sandbox product {n}", "Sandbox", "Sandbox", None,
                                            "active", "", now)
                self._new_variant(product, 1, {"sku": sku, "quantity": quantity}, now)
                skus.append(sku)
        return skus

    def variant_by_sku(self, sku: str) -> Json:
        with self.store.lock:
            ident = self._by_sku.get(sku)
            if ident is None:
                raise KeyError(f"no variant with SKU {sku!r}")
            return self._render_variant(self.variants[ident])

    def stock_of(self, sku: str) -> int:
        return self.variant_by_sku(sku)["inventory_quantity"]

    def set_stock(self, sku: str, quantity: int) -> None:
        """The merchant counts the stock (same effect as ``inventory_levels/set.json``)."""
        with self.store.lock:
            variant = self.variants[self._by_sku[sku]]
            self._set_level(variant["inventory_item_id"], quantity)
            variant["updated_at"] = self.store.stamp()

    # -- building -------------------------------------------------------------------------

    def _new_product(self, title: str, product_type: str, vendor: str, body_html: str | None,
                     status: str, tags: str, now: str) -> Json:
        if status not in ("active", "archived", "draft"):
            raise ValueError(f"status {status!r} is not active, archived or draft")
        ident = self.store.next_id()
        product: Json = {
            "id": ident, "title": title, "body_html": body_html, "vendor": vendor,
            "product_type": product_type, "created_at": now, "handle": _handle(title),
            "updated_at": now, "published_at": now if status == "active" else None,
            "template_suffix": None, "published_scope": "global", "tags": tags,
            "status": status, "admin_graphql_api_id": _gid("Product", ident),
            "variants": [],
            "options": [{"id": self.store.next_id(), "product_id": ident, "name": "Title",
                         "position": 1, "values": ["Default Title"]}],
            "images": [], "image": None,
        }
        self.products[ident] = product
        return product

    def _new_variant(self, product: Json, position: int, spec: Json, now: str) -> Json:
        sku = spec.get("sku")
        if sku and sku in self._by_sku:
            raise ValueError(f"SKU {sku!r} exists")
        ident, item = self.store.next_id(), self.store.next_id()
        title = spec.get("title") or "Default Title"
        variant: Json = {
            "id": ident, "product_id": product["id"], "title": title,
            "price": str(spec.get("price", "10.00")), "position": position,
            "inventory_policy": spec.get("inventory_policy", "deny"),
            "compare_at_price": None, "option1": title, "option2": None, "option3": None,
            "created_at": now, "updated_at": now, "taxable": True,
            "barcode": spec.get("barcode"), "fulfillment_service": "manual", "grams": 0,
            "inventory_management": spec.get("inventory_management", "shopify"),
            "requires_shipping": True, "sku": sku, "weight": 0.0, "weight_unit": "kg",
            "inventory_item_id": item, "admin_graphql_api_id": _gid("ProductVariant", ident),
            "image_id": None,
        }
        product["variants"].append(variant)
        self.variants[ident] = variant
        if sku:
            self._by_sku[sku] = ident
        self._set_level(item, int(spec.get("quantity", 0)), now)
        return variant

    def _set_level(self, item: int, available: int, now: str | None = None) -> None:
        location = self.store.location["id"]
        self.store.inventory[(item, location)] = {
            "inventory_item_id": item, "location_id": location, "available": available,
            "updated_at": now or self.store.stamp(),
            "admin_graphql_api_id": f"gid://shopify/InventoryLevel/{location}"
                                    f"?inventory_item_id={item}",
        }

    def _available(self, item: int) -> int:
        """The item's stock at the shop's one location (the twin has a single location)."""
        level = self.store.inventory.get((item, self.store.location["id"]))
        return level["available"] if level else 0

    # -- rendering ------------------------------------------------------------------------

    def _render_variant(self, variant: Json) -> Json:
        quantity = self._available(variant["inventory_item_id"])
        return {**variant, "inventory_quantity": quantity, "old_inventory_quantity": quantity}

    def render(self, product: Json) -> Json:
        return {**product, "variants": [self._render_variant(v) for v in product["variants"]]}

    def query(self, filters: Json) -> list[Json]:
        """Products matching the list filters, by id (raw, not rendered)."""
        ids = None
        if filters.get("ids"):
            ids = {int(i) for i in str(filters["ids"]).split(",") if i.strip().isdigit()}
            if len(ids) > MAX_LIMIT:
                raise ShopError(400, {"errors": {"ids": f"at most {MAX_LIMIT} ids"}})
        statuses = set(filter(None, str(filters.get("status") or "").split(",")))
        if statuses - {"active", "archived", "draft"}:
            raise ShopError(400, {"errors": {"status": "Invalid value."}})
        since = int(filters["since_id"]) if str(filters.get("since_id", "")).isdigit() else 0
        times = {k: self._time(filters[k], k) for k in
                 ("created_at_min", "created_at_max", "updated_at_min", "updated_at_max")
                 if filters.get(k)}
        exact = {k: filters[k] for k in ("title", "vendor", "handle", "product_type")
                 if filters.get(k)}

        def keep(product: Json) -> bool:
            if ids is not None and product["id"] not in ids:
                return False
            if product["id"] <= since or (statuses and product["status"] not in statuses):
                return False
            if any(product[k] != v for k, v in exact.items()):
                return False
            created = datetime.fromisoformat(product["created_at"])
            updated = datetime.fromisoformat(product["updated_at"])
            return not (("created_at_min" in times and created < times["created_at_min"])
                        or ("created_at_max" in times and created > times["created_at_max"])
                        or ("updated_at_min" in times and updated < times["updated_at_min"])
                        or ("updated_at_max" in times and updated > times["updated_at_max"]))

        with self.store.lock:
            return [p for i, p in sorted(self.products.items()) if keep(p)]

    def _time(self, value: str, key: str) -> datetime:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ShopError(400, {"errors": {key: "Invalid value."}}) from None
        return moment if moment.tzinfo else moment.replace(tzinfo=self.store.now().tzinfo)

    # -- orders claim stock ---------------------------------------------------------------

    def create_order(self, payload: Any) -> Json:
        """``POST /orders.json`` with the catalogue: validate variants, apply the inventory
        behaviour, create the order, link its lines. All or nothing, under the store lock."""
        data = payload.get("order") if isinstance(payload, dict) else None
        with self.store.lock:
            claims = self._claims(data) if isinstance(data, dict) else []
            order = self.store.create_order(payload)
            now = order["created_at"]
            for line in order["line_items"]:
                variant = self.variants.get(line["variant_id"] or 0)
                if variant is None:
                    continue
                product = self.products[variant["product_id"]]
                line.update(product_id=product["id"], sku=line["sku"] or variant["sku"],
                            variant_title=variant["title"], vendor=product["vendor"])
            for variant, quantity in claims:
                item = variant["inventory_item_id"]
                self._set_level(item, self._available(item) - quantity, now)
                variant["updated_at"] = now
            claimed = {variant["id"] for variant, _ in claims}
            self.claimed_lines.update(line["id"] for line in order["line_items"]
                                      if line["variant_id"] in claimed)
            return order

    def _claims(self, data: Json) -> list[tuple[Json, int]]:
        behaviour = data.get("inventory_behaviour") or "bypass"
        if behaviour not in BEHAVIOURS:
            raise ShopError(422, {"errors": {"inventory_behaviour": ["is invalid"]}})
        wanted: dict[int, int] = {}
        for entry in data.get("line_items") or []:
            if not isinstance(entry, dict) or entry.get("variant_id") is None:
                continue
            try:
                ident = int(entry["variant_id"])
            except (TypeError, ValueError):
                ident = -1
            if ident not in self.variants:
                raise ShopError(422, {"errors": {"line_items": [
                    f"variant {entry['variant_id']} does not exist"]}})
            quantity = entry.get("quantity")
            wanted[ident] = wanted.get(ident, 0) + (quantity if isinstance(quantity, int) else 0)
        if behaviour == "bypass":
            return []
        claims = []
        for ident, quantity in wanted.items():
            variant = self.variants[ident]
            if variant["inventory_management"] != "shopify":
                continue  # stock not tracked by Shopify: nothing to claim
            left = self._available(variant["inventory_item_id"])
            if (behaviour == "decrement_obeying_policy" and variant["inventory_policy"] == "deny"
                    and left < quantity):
                title = self.products[variant["product_id"]]["title"]
                raise ShopError(422, {"errors": {"line_items": [
                    f"Unable to reserve inventory: {title} has {max(left, 0)} available"]}})
            claims.append((variant, quantity))
        return claims


class CatalogRoutes:
    """The catalogue's API handlers (wrapped by the twin's auth/bucket layer)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    async def list_products(self, request: Request) -> Response:
        params = request.query_params
        fields = [f.strip() for f in params.get("fields", "").split(",") if f.strip()] or None
        limit = _limit(params.get("limit"))
        token = params.get("page_info")
        if token is not None:
            extra = sorted(set(params) - {"page_info", "limit", "fields"})
            if extra:
                raise ShopError(400, {"errors": {extra[0]: (
                    f"{extra[0]} cannot be passed when page_info is present. "
                    "See https://shopify.dev/api/usage/pagination-rest for more information.")}})
            cursor = _decode(token)
            filters = cursor["filters"]
        else:
            cursor, filters = None, {k: params[k] for k in FILTERS if k in params}
        matching = self.catalog.query(filters)
        if cursor is None:
            page = matching[:limit]
        elif cursor["direction"] == "next":
            page = [p for p in matching if p["id"] > cursor["last_id"]][:limit]
        else:
            page = [p for p in matching if p["id"] < cursor["last_id"]][-limit:]
        links = []
        base = (f"{str(request.base_url).rstrip('/')}/admin/api/"
                f"{request.path_params['version']}/products.json")
        if page and matching[0]["id"] < page[0]["id"]:
            links.append(_link(base, limit, fields, filters, "prev", page[0]["id"]))
        if page and matching[-1]["id"] > page[-1]["id"]:
            links.append(_link(base, limit, fields, filters, "next", page[-1]["id"]))
        with self.catalog.store.lock:
            body = [_only(self.catalog.render(p), fields) for p in page]
        return JSONResponse({"products": body},
                            headers={"Link": ", ".join(links)} if links else None)

    async def get_product(self, request: Request) -> Response:
        fields = [f for f in request.query_params.get("fields", "").split(",") if f] or None
        with self.catalog.store.lock:
            product = self.catalog.products.get(request.path_params["product_id"])
            if product is None:
                raise ShopError(404, {"errors": "Not Found"})
            return JSONResponse({"product": _only(self.catalog.render(product), fields)})


def _only(item: Json, fields: list[str] | None) -> Json:
    return {k: item[k] for k in fields if k in item} if fields else item


def _limit(raw: str | None) -> int:
    if raw is None:
        return 50
    limit = int(raw) if raw.isdigit() else 0
    if not 1 <= limit <= MAX_LIMIT:
        raise ShopError(400, {"errors": {"limit": "Invalid value. Limit must be 1 to 250."}})
    return limit


def _link(base: str, limit: int, fields: list[str] | None, filters: Json, direction: str,
          last_id: int) -> str:
    raw = json.dumps({"direction": direction, "last_id": last_id, "filters": filters},
                     separators=(",", ":")).encode()
    query: Json = {"limit": limit,
                   "page_info": base64.urlsafe_b64encode(raw).decode().rstrip("=")}
    if fields:
        query["fields"] = ",".join(fields)
    rel = "next" if direction == "next" else "previous"
    return f'<{base}?{urlencode(query)}>; rel="{rel}"'


def _decode(token: str) -> Json:
    invalid = ShopError(400, {"errors": {"page_info": "Invalid value."}})
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise invalid from None
    if not isinstance(data, dict) or data.get("direction") not in ("next", "prev") or not (
        isinstance(data.get("last_id"), int) and isinstance(data.get("filters"), dict)
    ):
        raise invalid
    return data
