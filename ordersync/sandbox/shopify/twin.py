"""ShopifyTwin: a faithful in-memory Shopify Admin REST API (the parts ordersync uses).

API routes, under ``/admin/api/{version}/`` (header ``X-Shopify-Access-Token``):
- ``GET orders.json`` (``status`` open|closed|cancelled|any, default open; ``created_at_min/max``,
  ``updated_at_min/max``, ``since_id``, ``ids``, ``financial_status``, ``fulfillment_status``,
  ``limit`` default 50 max 250, ``fields``, ``page_info``; see ``listing``; ordered by id;
  ``Link`` header with rel="next"/"previous" cursors; with ``page_info`` only
  ``limit`` and ``fields`` are allowed, 400 otherwise; a bad ``page_info`` is a 400),
  ``GET orders/{id}.json``, ``POST orders.json`` (201), ``POST orders/{id}/cancel.json``
  (``restock: true`` puts unfulfilled quantities back in stock), ``DELETE orders/{id}.json``
  (not for orders paid through an online gateway), ``POST orders/{id}/refunds.json``
  (201; ``restock_type: cancel`` lines shrink what is left to fulfil and go back in stock: see
  ``ordersync.sandbox.shopify.cancelling``; ``return`` lines restock: see ``.refunds``),
  ``GET orders/{id}/fulfillment_orders.json``, ``GET orders/{id}/fulfillments.json``,
  ``POST fulfillments.json`` (201), ``POST fulfillments/{id}/update_tracking.json``,
  ``GET locations.json``, ``GET inventory_levels.json``, ``POST inventory_levels/set.json``,
  ``GET products.json``, ``GET products/{id}.json`` (see ``ordersync.sandbox.shopify.catalog``;
  creating an order claims stock per ``inventory_behaviour``), ``GET shop.json``; refunds
  (``orders/{id}/refunds[/calculate].json``) and ``PUT orders/{id}.json`` (note, tags): see
  ``ordersync.sandbox.shopify.refunds``.
- The shop's own orders (shoppers', with customers, every status, bulk seeding) and the plan
  (``basic``: orders come without ``customer``, e-mail, phone, names and streets): see
  ``ordersync.sandbox.shopify.shop_side``, which also documents their control routes.
- ``webhooks.json``: subscriptions, and their signed, retried deliveries when the merchant
  fulfils or cancels: see ``ordersync.sandbox.shopify.webhooks``.
- 401 ``{"errors": "[API] Invalid API key or access token ..."}`` without a known token; 404 for
  an API version the twin does not serve.
- Rate limit (per token, when enabled): leaky bucket of ``bucket_size`` leaking ``leak_rate``/s;
  every answer carries ``X-Shopify-Shop-Api-Call-Limit: used/size``; a full bucket answers 429
  with ``Retry-After: 2.0``.

Control routes (merchant actions in the back office, never rate limited or faulted):
- ``POST /_sandbox/shopify/orders/{id}/complete`` ``{"tracking_number": "3SABCD1234567" | null,
  "tracking_company": "PostNL" | null}``: the merchant ships every open line (one fulfillment,
  same code path as ``POST fulfillments.json``), with or without tracking. 201 ``{"fulfillment"}``.
- ``POST /_sandbox/shopify/orders/{id}/tracking`` ``{"tracking_number", "tracking_company"}``:
  the merchant adds (replaces) tracking on the order's latest fulfillment; bumps updated_at.
- ``POST /_sandbox/shopify/orders/{id}/cancel``: the merchant cancels the order.
- ``GET /_sandbox/shopify/orders?source_identifier=...``: ``{"count", "orders"}``, every order
  (any status) with that source identifier (or all of them without the parameter).
- Common ones (see ``ordersync.sandbox.common``): ``POST/DELETE /_sandbox/faults``,
  ``PUT /_sandbox/rate-limits``, ``GET /_sandbox/stats``, ``POST /_sandbox/reset``.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import time
from collections.abc import Awaitable, Callable, Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ordersync.sandbox.common import ServerBucket, TwinControls, _template, build_app
from ordersync.sandbox.shopify import listing, parcels
from ordersync.sandbox.shopify.cancelling import Cancelling
from ordersync.sandbox.shopify.catalog import Catalog, CatalogRoutes
from ordersync.sandbox.shopify.refunds import RefundRoutes
from ordersync.sandbox.shopify.shop_side import ShopperSide
from ordersync.sandbox.shopify.store import ShopError, ShopStore, shop_timezone
from ordersync.sandbox.shopify.webhooks import SHOPIFY_RETRY_DELAYS, ShopifyWebhooks

DEFAULT_VERSION = "2025-01"
WEBHOOK_SECRET = "shpss_sandbox"  # the app's client secret: signs webhooks (X-Shopify-Hmac-Sha256)
VERSIONS = frozenset({"2024-07", "2024-10", "2025-01", "2025-04", "2025-07"})
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
THROTTLED = "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."  # noqa: E501
CALL_LIMIT = "X-Shopify-Shop-Api-Call-Limit"
FILTERS = listing.FILTERS
Json = dict[str, Any]
Handler = Callable[[Request], Awaitable[Response]]


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers)


def _error_body(status: int) -> Json:
    if status == 429:
        return {"errors": THROTTLED}
    return {"errors": HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_
            else "Error"}


def _only(order: Json, fields: list[str] | None) -> Json:
    return {k: order[k] for k in fields if k in order} if fields else order


def _encode_cursor(data: Json) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(token: str) -> Json:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ShopError(400, {"errors": {"page_info": "Invalid value."}}) from None
    if not isinstance(data, dict) or data.get("direction") not in ("next", "prev") or not (
        isinstance(data.get("last_id"), int) and isinstance(data.get("filters"), dict)
    ):
        raise ShopError(400, {"errors": {"page_info": "Invalid value."}})
    return data


class ShopifyTwin(ShopperSide):
    """The twin of one shop. ``app`` is the ASGI app, ``controls`` its fault/limit knobs;
    the shop's own (shoppers') orders, bulk seeding and the plan: see ``shop_side``."""

    def __init__(
        self,
        shop: str = "sandbox",
        access_tokens: Iterable[str] = ("shpat_sandbox",),
        *,
        rate_limits: bool = True,
        bucket_size: int = 40,
        leak_rate: float = 2.0,
        clock: Callable[[], float] = time.time,
        api_versions: Iterable[str] = VERSIONS,
        utc_offset_hours: float = 1.0,
        webhook_secret: str = WEBHOOK_SECRET,
        webhook_retry_delays: tuple[float, ...] = SHOPIFY_RETRY_DELAYS,
    ) -> None:
        """``clock`` (epoch seconds) drives both timestamps and the leaky bucket; webhooks
        (``.webhooks``) are signed with ``webhook_secret``."""
        self.shop = shop
        self.access_tokens = set(access_tokens)
        self.api_versions = set(api_versions) | {DEFAULT_VERSION}
        self.bucket_size, self.leak_rate, self.clock = bucket_size, leak_rate, clock
        self.store = ShopStore(shop, clock, shop_timezone(utc_offset_hours))
        self.catalog = Catalog(self.store)  # products.json; orders claim its stock
        self.cancelling = Cancelling(self.store, self.catalog)  # cancel/refund with restock
        self.controls = TwinControls(rate_limits=rate_limits)
        self.webhooks = ShopifyWebhooks(self.store, webhook_secret,
                                        retry_delays=webhook_retry_delays)
        self._buckets: dict[str, ServerBucket] = {}
        self.app = build_app(self._routes(), self.controls, self.reset, _error_body,
                             no_route=lambda status, path: (404, _error_body(404)))

    # -- Python-side helpers for tests ------------------------------------------------

    def reset(self) -> None:
        self.store.reset()
        self.catalog.reset()
        self._buckets.clear()

    def create_order(self, payload: Json) -> Json:
        """Create an order as ``POST /orders.json`` would (``{"order": {...}}``)."""
        return self.catalog.create_order(payload)

    def complete(
        self, order_id: int | str, tracking_number: str | None = None, company: str | None = None
    ) -> Json:
        """The merchant ships the order; returns the fulfillment."""
        return self.store.complete(int(order_id), tracking_number, company)

    def fulfill(self, order_id: int | str, lines: dict[int, int] | None = None,
                tracking_numbers: list[str] | tuple[str, ...] = (),
                company: str | None = None) -> Json:
        """The merchant ships some lines ({line_item_id: quantity}; None: every open line)
        as one fulfillment with any number of tracking numbers (``parcels.fulfill``)."""
        return parcels.fulfill(self.store, int(order_id), lines, tracking_numbers, company)

    def cancel_lines(self, order_id: int | str, lines: dict[int, int]) -> Json:
        """The merchant cancels unfulfilled quantities ({line_item_id: quantity}): a refund
        with restock type ``cancel``, as the admin makes it (``Cancelling.refund``)."""
        return self.cancelling.refund(int(order_id), {"refund": {"refund_line_items": [
            {"line_item_id": item, "quantity": quantity, "restock_type": "cancel"}
            for item, quantity in lines.items()]}})

    def add_tracking(
        self, order_id: int | str, tracking_number: str, company: str | None = None
    ) -> Json:
        """The merchant adds tracking to the order's latest fulfillment."""
        with self.store.lock:
            fulfillments = self.store.order(int(order_id))["fulfillments"]
            if not fulfillments:
                raise ShopError(422, {"errors": ["The order has no fulfillment yet."]})
            return self.store.update_tracking(
                fulfillments[-1]["id"], {"number": tracking_number, "company": company}
            )

    def cancel(self, order_id: int | str) -> Json:
        return self.store.cancel(int(order_id))

    def orders_with_reference(self, reference: str) -> list[Json]:
        return [o for o in self.all_orders() if o.get("source_identifier") == reference]

    def all_orders(self) -> list[Json]:
        with self.store.lock:
            return [self._find(i) for i in listing.all_ids(self.store, {"status": "any"})]

    def get(self, order_id: int | str) -> Json:
        return self.store.order(int(order_id))

    def _find(self, order_id: int) -> Json:
        """An order for reading: a seeded one is rendered, not materialized."""
        found = self.store.orders.get(order_id)
        if found is None and self.store.seeded.locate(order_id) is not None:
            return self.store.render_seeded(order_id)
        if found is None:
            raise ShopError(404, {"errors": "Not Found"})
        return found

    # -- plumbing -----------------------------------------------------------------------

    def _bucket(self, token: str) -> ServerBucket:
        bucket = self._buckets.get(token)
        if bucket is None:
            bucket = self._buckets[token] = ServerBucket(
                self.leak_rate, self.bucket_size, clock=self.clock
            )
        return bucket

    def _api(self, handler: Handler) -> Handler:
        """Auth, version, leaky bucket and the call-limit header around an API handler."""

        async def endpoint(request: Request) -> Response:
            token = request.headers.get("X-Shopify-Access-Token")
            if token not in self.access_tokens:
                return _json({"errors": INVALID_TOKEN}, 401)
            if request.path_params["version"] not in self.api_versions:
                return _json({"errors": "Not Found"}, 404)
            bucket = self._bucket(token)
            headers = {"X-Shopify-API-Version": request.path_params["version"]}
            if self.controls.rate_limits and bucket.take() > 0:
                self.controls.throttled[_template(request.scope)] += 1
                headers.update({CALL_LIMIT: f"{self.bucket_size}/{self.bucket_size}",
                                "Retry-After": "2.0"})
                return _json({"errors": THROTTLED}, 429, headers)
            try:
                response = await handler(request)
            except ShopError as exc:
                response = _json(exc.body, exc.status)
            used = min(self.bucket_size, math.ceil(bucket.used - 1e-9))
            response.headers.update(headers | {CALL_LIMIT: f"{used}/{self.bucket_size}"})
            return response

        return endpoint

    def _routes(self) -> list[Route]:
        api = "/admin/api/{version}"
        routes = [
            ("GET", "/orders.json", self._list_orders),
            ("POST", "/orders.json", self._create_order),
            ("GET", "/orders/{order_id:int}.json", self._get_order),
            ("POST", "/orders/{order_id:int}/cancel.json", self._cancel_order),
            ("DELETE", "/orders/{order_id:int}.json", self._delete_order),
            ("GET", "/orders/{order_id:int}/fulfillment_orders.json", self._fulfillment_orders),
            ("GET", "/orders/{order_id:int}/fulfillments.json", self._order_fulfillments),
            ("POST", "/fulfillments.json", self._create_fulfillment),
            ("POST", "/fulfillments/{fulfillment_id:int}/update_tracking.json",
             self._update_tracking),
            ("GET", "/locations.json", self._locations),
            ("GET", "/inventory_levels.json", self._inventory_levels),
            ("POST", "/inventory_levels/set.json", self._set_inventory),
            ("GET", "/products.json", CatalogRoutes(self.catalog).list_products),
            ("GET", "/products/{product_id:int}.json", CatalogRoutes(self.catalog).get_product),
            ("GET", "/shop.json", self._shop),
            *RefundRoutes(self).routes(),  # refunds and order notes (see .refunds)
            *self.webhooks.routes(),  # webhook subscriptions (see .webhooks)
        ]
        control = "/_sandbox/shopify/orders"
        return [
            Route(api + path, self._api(handler), methods=[method])
            for method, path, handler in routes
        ] + [
            Route(control, self._control_orders, methods=["GET"]),
            Route(control + "/{order_id:int}/complete", self._control_complete, methods=["POST"]),
            Route(control + "/{order_id:int}/tracking", self._control_tracking, methods=["POST"]),
            Route(control + "/{order_id:int}/cancel", self._control_cancel, methods=["POST"]),
            Route("/_sandbox/shopify/shop-orders", self._control_shop_order, methods=["POST"]),
            Route("/_sandbox/shopify/shop-orders/{order_id:int}/lines/{line_id:int}",
                  self._control_edit, methods=["PUT"]),
            Route("/_sandbox/shopify/seed", self._control_seed, methods=["POST"]),
            Route("/_sandbox/shopify/plan", self._control_plan, methods=["PUT"]),
        ]

    # -- orders -------------------------------------------------------------------------

    async def _list_orders(self, request: Request) -> Response:
        params = request.query_params
        fields = [f.strip() for f in params.get("fields", "").split(",") if f.strip()] or None
        limit = self._limit(params.get("limit"))
        token = params.get("page_info")
        if token is not None:
            extra = sorted(set(params) - {"page_info", "limit", "fields"})
            if extra:
                raise ShopError(400, {"errors": {extra[0]: (
                    f"{extra[0]} cannot be passed when page_info is present. "
                    "See https://shopify.dev/api/usage/pagination-rest for more information."
                )}})
            cursor = _decode_cursor(token)
            filters = cursor["filters"]
        else:
            cursor, filters = None, {k: params[k] for k in FILTERS if k in params}
        after = cursor["last_id"] if cursor and cursor["direction"] == "next" else None
        before = cursor["last_id"] if cursor and cursor["direction"] != "next" else None
        with self.store.lock:
            ids, more, earlier = listing.page(self.store, filters, limit=limit, after=after,
                                              before=before)
            page = [_only(self.present(self._find(i)), fields) for i in ids]
        links = []
        if ids and earlier:
            links.append(self._link(request, limit, fields, filters, "prev", ids[0]))
        if ids and more:
            links.append(self._link(request, limit, fields, filters, "next", ids[-1]))
        headers = {"Link": ", ".join(links)} if links else None
        return _json({"orders": page}, headers=headers)

    @staticmethod
    def _limit(raw: str | None) -> int:
        if raw is None:
            return 50
        try:
            limit = int(raw)
        except ValueError:
            limit = 0
        if not 1 <= limit <= 250:
            raise ShopError(400, {"errors": {"limit": "Invalid value. Limit must be 1 to 250."}})
        return limit

    def _link(
        self, request: Request, limit: int, fields: list[str] | None, filters: Json,
        direction: str, last_id: int,
    ) -> str:
        token = _encode_cursor({"direction": direction, "last_id": last_id, "filters": filters})
        query = {"limit": limit, "page_info": token}
        if fields:
            query["fields"] = ",".join(fields)
        base = str(request.base_url).rstrip("/")
        url = f"{base}/admin/api/{request.path_params['version']}/orders.json?{urlencode(query)}"
        return f'<{url}>; rel="{"next" if direction == "next" else "previous"}"'

    async def _create_order(self, request: Request) -> Response:
        order = self.catalog.create_order(await self._body(request))
        return _json({"order": self.present(order)}, 201)

    async def _get_order(self, request: Request) -> Response:
        fields = [f for f in request.query_params.get("fields", "").split(",") if f] or None
        with self.store.lock:
            order = self._find(request.path_params["order_id"])
            return _json({"order": _only(self.present(order), fields)})

    async def _cancel_order(self, request: Request) -> Response:
        body = await self._body(request, required=False)
        order = self.cancelling.cancel(request.path_params["order_id"], body)
        return _json({"order": self.present(order)})

    async def _delete_order(self, request: Request) -> Response:
        self.store.delete(request.path_params["order_id"])
        return _json({})

    @staticmethod
    async def _body(request: Request, required: bool = True) -> Json:
        raw = await request.body()
        if not raw and not required:
            return {}
        try:
            body = json.loads(raw)
        except ValueError:
            raise ShopError(400, {"errors": {"base": "Invalid JSON"}}) from None
        if not isinstance(body, dict):
            raise ShopError(400, {"errors": {"base": "Invalid JSON"}})
        return body

    # -- fulfillments -------------------------------------------------------------------

    async def _fulfillment_orders(self, request: Request) -> Response:
        order_id = self.store.order(request.path_params["order_id"])["id"]
        return _json({"fulfillment_orders": self.store.fulfillment_orders.get(order_id, [])})

    async def _order_fulfillments(self, request: Request) -> Response:
        order = self.store.order(request.path_params["order_id"])
        return _json({"fulfillments": order["fulfillments"]})

    async def _create_fulfillment(self, request: Request) -> Response:
        fulfillment = self.store.fulfill(await self._body(request))
        return _json({"fulfillment": fulfillment}, 201)

    async def _update_tracking(self, request: Request) -> Response:
        body = (await self._body(request)).get("fulfillment") or {}
        fulfillment = self.store.update_tracking(
            request.path_params["fulfillment_id"], body.get("tracking_info") or {}
        )
        return _json({"fulfillment": fulfillment})

    # -- stock --------------------------------------------------------------------------

    async def _locations(self, request: Request) -> Response:
        return _json({"locations": [self.store.location]})

    async def _inventory_levels(self, request: Request) -> Response:
        params = request.query_params

        def ids(name: str) -> set[int]:
            return {int(i) for i in params.get(name, "").split(",") if i.strip().isdigit()}

        items, locations = ids("inventory_item_ids"), ids("location_ids")
        if not items and not locations:
            raise ShopError(422, {"errors": {
                "base": ["inventory_item_ids or location_ids must be specified"]
            }})
        levels = [
            level for (item, location), level in sorted(self.store.inventory.items())
            if (not items or item in items) and (not locations or location in locations)
        ]
        return _json({"inventory_levels": levels})

    async def _set_inventory(self, request: Request) -> Response:
        return _json({"inventory_level": self.store.set_inventory(await self._body(request))})

    # -- control routes -------------------------------------------------------------------

    @staticmethod
    def _control(action: Callable[[Request], Awaitable[Response]]) -> Handler:
        async def endpoint(request: Request) -> Response:
            try:
                return await action(request)
            except ShopError as exc:
                return _json(exc.body, exc.status)
        return endpoint

    async def _control_orders(self, request: Request) -> Response:
        ref = request.query_params.get("source_identifier")
        orders = self.orders_with_reference(ref) if ref is not None else self.all_orders()
        return _json({"count": len(orders), "orders": orders})

    async def _control_complete(self, request: Request) -> Response:
        async def act(request: Request) -> Response:
            body = await self._body(request, required=False)
            fulfillment = self.complete(
                request.path_params["order_id"], body.get("tracking_number"),
                body.get("tracking_company"),
            )
            return _json({"fulfillment": fulfillment}, 201)
        return await self._control(act)(request)

    async def _control_tracking(self, request: Request) -> Response:
        async def act(request: Request) -> Response:
            body = await self._body(request)
            fulfillment = self.add_tracking(
                request.path_params["order_id"], body.get("tracking_number"),
                body.get("tracking_company"),
            )
            return _json({"fulfillment": fulfillment})
        return await self._control(act)(request)

    async def _control_cancel(self, request: Request) -> Response:
        async def act(request: Request) -> Response:
            return _json({"order": self.cancel(request.path_params["order_id"])})
        return await self._control(act)(request)
