"""LightspeedTwin: an in-memory Lightspeed eCom (C-Series) REST API (the parts ordersync uses).

``/{language}/{resource}.json`` (languages of the shop, default ``nl``), HTTP Basic with the
API key and secret (401 otherwise), bodies wrapped in the singular resource key (checkouts
unwrapped), answers wrapped in one top-level key; errors ``{"error": {"code", "method",
"request", "message"}}``. Every answer carries ``X-RateLimit-Limit/-Remaining/-Reset`` with the
three windows (5 minutes / hour / day, ``windows.py``) of the API key; over any of them: 429.
Listings: ``page`` (from 1) and ``limit`` (1..250, default 50), ordered by id; out of range:
400. Facts the stored material leaves open are those of ``connectors.lightspeed.limits``.

Routes: ``GET /orders.json`` (``created_at_min``, ``updated_at_min``), ``GET/PUT
/orders/{id}.json`` (``status``, ``memo``), ``GET /orders/{id}/products.json``, ``GET
/orders/count.json``, ``POST /checkouts.json``, ``GET /checkouts/{id}.json``, ``POST
/checkouts/{id}/products.json`` (``variant_id``, ``quantity``), ``POST
/checkouts/{id}/order.json`` (the order: stock taken, one open shipment with every line),
``GET /shipments.json`` (``order``), ``GET/PUT /shipments/{id}.json`` (``status``,
``trackingCode``), ``GET /shipments/{id}/products.json``, ``GET/POST
/shipments/{id}/metafields.json``, ``GET /variants.json`` (``sku``), ``GET/PUT
/variants/{id}.json``, ``GET /account/ratelimit.json``.

Merchant actions have no HTTP route: ``merchant.py`` acts on the store in-process. Control
routes: the common ``/_sandbox`` ones (faults, rate-limits on/off, stats, reset).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ordersync.sandbox.common import TwinControls, build_app
from ordersync.sandbox.lightspeed.store import Json, LightspeedError, LightspeedStore
from ordersync.sandbox.lightspeed.windows import RateWindows

DEFAULT_LIMIT, MAX_LIMIT = 50, 250
MESSAGES = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
            405: "Method not allowed", 422: "Unprocessable entity", 429: "Too many requests",
            500: "Internal server error", 502: "Bad gateway", 503: "Service unavailable"}
Handler = Callable[[Request, dict[str, Any]], Awaitable[Any]]


def _error_body(status: int, message: str | None = None) -> Json:
    return {"error": {"code": status, "message": message or MESSAGES.get(status, "Error")}}


class LightspeedTwin:
    def __init__(self, keys: dict[str, str], *, languages: tuple[str, ...] = ("nl", "en"),
                 rate_limits: bool = True, windows: RateWindows | None = None) -> None:
        self.keys, self.languages = dict(keys), languages
        self.store = LightspeedStore()
        self.windows = windows or RateWindows()
        self.controls = TwinControls(rate_limits=rate_limits)
        self.app = build_app(self._routes(), self.controls, self.reset, _error_body)

    def get(self, shop_id: str | int) -> Json:
        """The order as the twin holds it, with the checkout it came from (its addresses)."""
        with self.store.lock:
            order = dict(self.store.order(int(shop_id)))
            order["checkout"] = next((c for c in self.store.checkouts.values()
                                      if c["order"] == order["id"]), None)
            return order

    def reset(self) -> None:
        self.store.reset()
        self.windows.reset()

    # -- plumbing ----------------------------------------------------------------------

    def _key(self, request: Request) -> str | None:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            key, _, secret = base64.b64decode(value).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return key if key in self.keys and self.keys[key] == secret else None

    def _route(self, path: str, methods: dict[str, Handler]) -> Route:
        async def endpoint(request: Request) -> Response:
            if request.path_params["lang"] not in self.languages:
                return self._error(request, 404, "Language not found")
            key = self._key(request)
            if key is None:
                return self._error(request, 401, "Invalid API key or secret")
            if self.controls.rate_limits and not self.windows.take(key):
                self.controls.throttled[f"{request.method} {path}"] += 1
                return self._error(request, 429, headers=self.windows.headers(key))
            headers = self.windows.headers(key)
            params = {k: v for k, v in request.path_params.items() if k != "lang"}
            try:
                status, body = await methods[request.method](request, params)
            except LightspeedError as exc:
                return self._error(request, exc.status, exc.message, headers)
            return JSONResponse(body, status_code=status, headers=headers)

        return Route("/{lang}" + path, endpoint, methods=list(methods))

    @staticmethod
    def _error(request: Request, status: int, message: str | None = None,
               headers: dict[str, str] | None = None) -> Response:
        body = _error_body(status, message)
        body["error"].update(method=request.method, request=request.url.path)
        return JSONResponse(body, status_code=status, headers=headers)

    @staticmethod
    async def _body(request: Request, key: str | None) -> Json:
        try:
            body = await request.json()
        except ValueError:
            raise LightspeedError(400, "Invalid JSON body") from None
        if key is not None:
            body = body.get(key) if isinstance(body, dict) else None
        if not isinstance(body, dict):
            raise LightspeedError(400, f"Body must be an object{f' under {key!r}' if key else ''}")
        return body

    @staticmethod
    def _page(request: Request, items: list[Json]) -> list[Json]:
        try:
            page = int(request.query_params.get("page", 1))
            limit = int(request.query_params.get("limit", DEFAULT_LIMIT))
        except ValueError:
            raise LightspeedError(400, "page and limit must be integers") from None
        if page < 1 or not 1 <= limit <= MAX_LIMIT:
            raise LightspeedError(400, f"page must be >= 1 and limit 1..{MAX_LIMIT}")
        items = sorted(items, key=lambda i: i["id"])
        return items[(page - 1) * limit: page * limit]

    @staticmethod
    def _since(request: Request, name: str) -> datetime | None:
        value = request.query_params.get(name)
        if not value:
            return None
        try:
            parsed = datetime.fromisoformat(value.replace(" ", "T"))
        except ValueError:
            raise LightspeedError(400, f"{name} is not a date") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    @staticmethod
    def _id(params: dict[str, Any], name: str = "id") -> int:
        try:
            return int(params[name])
        except ValueError:
            raise LightspeedError(404, "Not found") from None

    # -- routes ------------------------------------------------------------------------

    def _routes(self) -> list[Route]:
        store = self.store

        async def list_orders(request: Request, _: dict) -> tuple[int, Json]:
            created = self._since(request, "created_at_min")
            updated = self._since(request, "updated_at_min")
            with store.lock:
                items = [o for o in store.orders.values()
                         if (created is None or datetime.fromisoformat(o["createdAt"]) >= created)
                         and (updated is None
                              or datetime.fromisoformat(o["updatedAt"]) >= updated)]
                return 200, {"orders": [dict(o) for o in self._page(request, items)]}

        async def count_orders(request: Request, _: dict) -> tuple[int, Json]:
            return 200, {"count": len(store.orders)}

        async def get_order(request: Request, p: dict) -> tuple[int, Json]:
            with store.lock:
                return 200, {"order": dict(store.order(self._id(p)))}

        async def put_order(request: Request, p: dict) -> tuple[int, Json]:
            body = await self._body(request, "order")
            return 200, {"order": dict(store.update_order(self._id(p), body))}

        async def order_products(request: Request, p: dict) -> tuple[int, Json]:
            with store.lock:
                store.order(self._id(p))
                items = store.order_products[self._id(p)]
                return 200, {"orderProducts": self._page(request, items)}

        async def post_checkout(request: Request, _: dict) -> tuple[int, Json]:
            return 201, {"checkout": store.create_checkout(await self._body(request, None))}

        async def get_checkout(request: Request, p: dict) -> tuple[int, Json]:
            return 200, {"checkout": store.checkout(self._id(p))}

        async def checkout_product(request: Request, p: dict) -> tuple[int, Json]:
            body = await self._body(request, None)
            line = store.add_checkout_product(self._id(p), body.get("variant_id"),
                                              body.get("quantity"))
            return 201, {"product": line}

        async def checkout_order(request: Request, p: dict) -> tuple[int, Json]:
            return 201, {"order": dict(store.place_order(self._id(p)))}

        async def list_shipments(request: Request, _: dict) -> tuple[int, Json]:
            order = request.query_params.get("order")
            oid = int(order) if order and order.isdigit() else None
            with store.lock:
                items = store.shipments_of(oid)
                return 200, {"shipments": [dict(s) for s in self._page(request, items)]}

        async def get_shipment(request: Request, p: dict) -> tuple[int, Json]:
            return 200, {"shipment": dict(store.shipment(self._id(p)))}

        async def put_shipment(request: Request, p: dict) -> tuple[int, Json]:
            body = await self._body(request, "shipment")
            return 200, {"shipment": dict(store.update_shipment(self._id(p), body))}

        async def shipment_products(request: Request, p: dict) -> tuple[int, Json]:
            with store.lock:
                store.shipment(self._id(p))
                return 200, {"shipmentProducts":
                             self._page(request, store.shipment_products[self._id(p)])}

        async def get_metafields(request: Request, p: dict) -> tuple[int, Json]:
            with store.lock:
                store.shipment(self._id(p))
                return 200, {"shipmentMetafields": list(store.metafields[self._id(p)])}

        async def post_metafield(request: Request, p: dict) -> tuple[int, Json]:
            body = await self._body(request, "shipmentMetafield")
            if not body.get("key"):
                raise LightspeedError(400, "key is required")
            field = store.add_metafield(self._id(p), str(body["key"]), str(body.get("value")))
            return 201, {"shipmentMetafield": field}

        async def list_variants(request: Request, _: dict) -> tuple[int, Json]:
            sku = request.query_params.get("sku")
            with store.lock:
                items = [v for v in store.variants.values() if sku is None or v["sku"] == sku]
                return 200, {"variants": [dict(v) for v in self._page(request, items)]}

        async def get_variant(request: Request, p: dict) -> tuple[int, Json]:
            return 200, {"variant": dict(store.variant(self._id(p)))}

        async def put_variant(request: Request, p: dict) -> tuple[int, Json]:
            body = await self._body(request, "variant")
            return 200, {"variant": dict(store.update_variant(self._id(p), body))}

        async def ratelimit(request: Request, _: dict) -> tuple[int, Json]:
            key = self._key(request) or ""
            headers = self.windows.headers(key)
            names = ("limit5Min", "limitHour", "limitDay")
            values = zip(*(headers[f"X-RateLimit-{h}"].split("/")
                           for h in ("Limit", "Remaining", "Reset")), strict=True)
            return 200, {"accountRatelimit": {
                n: {"limit": int(lim), "remaining": int(rem), "reset": int(res)}
                for n, (lim, rem, res) in zip(names, values, strict=True)}}

        route = self._route
        return [
            route("/orders.json", {"GET": list_orders}),
            route("/orders/count.json", {"GET": count_orders}),
            route("/orders/{id}.json", {"GET": get_order, "PUT": put_order}),
            route("/orders/{id}/products.json", {"GET": order_products}),
            route("/checkouts.json", {"POST": post_checkout}),
            route("/checkouts/{id}.json", {"GET": get_checkout}),
            route("/checkouts/{id}/products.json", {"POST": checkout_product}),
            route("/checkouts/{id}/order.json", {"POST": checkout_order}),
            route("/shipments.json", {"GET": list_shipments}),
            route("/shipments/{id}.json", {"GET": get_shipment, "PUT": put_shipment}),
            route("/shipments/{id}/products.json", {"GET": shipment_products}),
            route("/shipments/{id}/metafields.json", {"GET": get_metafields,
                                                      "POST": post_metafield}),
            route("/variants.json", {"GET": list_variants}),
            route("/variants/{id}.json", {"GET": get_variant, "PUT": put_variant}),
            route("/account/ratelimit.json", {"GET": ratelimit}),
        ]
