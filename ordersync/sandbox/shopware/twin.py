"""ShopwareTwin: an in-memory Shopware 6 Admin API (6.7; the parts ordersync uses).

Auth: ``POST /api/oauth/token`` with ``grant_type`` ``client_credentials`` (an integration's
access key id + secret; JSON or form body) -> ``{"token_type": "Bearer", "expires_in": 600,
"access_token"}``; a wrong secret is 401 ``invalid_client``, another grant 400
``unsupported_grant_type``. Every ``/api`` route needs ``Authorization: Bearer``: missing,
unknown or expired is 401 ``access_denied``. Rate limits (docs rate-limiter.md): the Admin
API itself has none; the ``oauth`` limiter (time_backoff 10/10 s, 15/30 s, 20/60 s, reset after
24 h, keyed by client id; reset by a successful token request) answers 429
``FRAMEWORK__AUTH_THROTTLED`` with the wait in ``meta.parameters.seconds`` (no Retry-After
header - Shopware's exception sets none; *unverified*). ``PUT /_sandbox/rate-limits`` turns it
off.

API routes (``Accept: application/json`` answers; errors ``{"errors": [...]}`` always):
- ``POST /api/search/{order|product|sales-channel|currency|country|state-machine-state|
  shipping-method|payment-method}`` with a criteria body (see ``criteria``) ->
  ``{"total", "data"}``.
- ``POST /api/order`` (``?_response=basic|detail``: 200 ``{"data"}``; else 204 with
  ``Location``), ``GET /api/order/{id}``.
- ``PATCH /api/order-delivery/{id}`` ``{"trackingCodes": [...]}`` (204).
- ``POST /api/_action/{order|order_delivery|order_transaction}/{id}/state/{transition}`` ->
  200 the new ``StateMachineState``; an illegal one 400 ``SYSTEM__ILLEGAL_STATE_TRANSITION``.

Control routes: ``POST /_sandbox/shopware/products`` ``{"productNumber", "name", "stock",
"price"}``; the merchant's actions (ship, in parts, tracking, cancel) are in-process, see
``merchant.py``. Common ones from ``ordersync.sandbox.common``.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ordersync.sandbox.common import TwinControls, build_app
from ordersync.sandbox.shopware.criteria import Searcher
from ordersync.sandbox.shopware.errors import (
    ShopwareError,
    error,
    error_body,
    no_route,
)
from ordersync.sandbox.shopware.store import ShopwareStore

Handler = Callable[[Request], Awaitable[Response]]
TOKEN_SECONDS = 600
OAUTH_LIMITS = ((10, 10.0), (15, 30.0), (20, 60.0))
OAUTH_RESET = 24 * 3600.0
ENTITIES = {"order": "order", "product": "product", "sales-channel": "sales_channel",
            "currency": "currency", "country": "country",
            "state-machine-state": "state_machine_state", "shipping-method": "shipping_method",
            "payment-method": "payment_method"}
FIELDS = {
    "order": {"id", "autoIncrement", "orderNumber", "createdAt", "updatedAt", "customFields",
              "stateId", "orderDateTime", "salesChannelId", "currencyId", "amountTotal",
              "affiliateCode", "campaignCode", "deepLinkCode", "versionId", "orderDate"},
    "product": {"id", "productNumber", "autoIncrement", "stock", "availableStock", "active",
                "parentId", "childCount", "name", "createdAt", "updatedAt"},
    "state_machine_state": {"id", "technicalName", "stateMachineId", "name"},
}


@dataclass
class OAuthLimiter:
    """Shopware's ``time_backoff`` policy for one key."""

    attempts: int = 0
    last: float = 0.0
    blocked_until: float = 0.0

    def wait(self, now: float) -> float:
        if now - self.last > OAUTH_RESET:
            self.attempts, self.blocked_until = 0, 0.0
        if now < self.blocked_until:
            return self.blocked_until - now
        self.attempts += 1
        self.last = now
        wait = max((interval for limit, interval in OAUTH_LIMITS if self.attempts > limit),
                   default=0.0)
        self.blocked_until = now + wait
        return wait


class ShopwareTwin:
    """The twin of one Shopware shop; ``app`` is the ASGI app."""

    def __init__(self, clients: dict[str, str] | None = None, *,
                 clock: Callable[[], float] = time.time, rate_limits: bool = True) -> None:
        """``clients`` maps integration access key ids to their secrets."""
        self.clients = dict(clients or {"SWIASANDBOX": "sandbox-secret"})
        self.clock = clock
        self.store = ShopwareStore(clock)
        self.tokens: dict[str, tuple[str, float]] = {}
        self.oauth: dict[str, OAuthLimiter] = {}
        self.tokens_issued = 0
        self.controls = TwinControls(rate_limits=rate_limits)
        self.app = build_app(self._routes(), self.controls, self.reset, error_body,
                             no_route=no_route)

    def reset(self) -> None:
        self.store.reset()
        self.tokens.clear()
        self.oauth.clear()

    def get(self, order_id: str) -> dict[str, Any]:
        """The order with its associations (in-process, for assertions)."""
        with self.store.lock:
            return self.store.hydrate(self.store.order(order_id))

    # -- auth ---------------------------------------------------------------------------

    async def token(self, request: Request) -> Response:
        if "json" in request.headers.get("content-type", ""):
            body = await request.json()
        else:
            body = dict(parse_qsl((await request.body()).decode("latin-1")))
        body = body if isinstance(body, dict) else {}
        grant, client = body.get("grant_type"), str(body.get("client_id") or "")
        if grant != "client_credentials":
            raise ShopwareError(400, "2", "The authorization grant type is not supported by "
                                          "the authorization server.",
                                error="unsupported_grant_type")
        if self.controls.rate_limits:
            limiter = self.oauth.setdefault(client, OAuthLimiter())
            wait = limiter.wait(self.clock())
            if wait:
                self.controls.throttled["POST /api/oauth/token"] += 1
                seconds = int(wait) + 1
                raise ShopwareError(429, "FRAMEWORK__AUTH_THROTTLED",
                                    f"Auth throttled for {seconds} seconds.",
                                    parameters={"seconds": seconds})
        if client not in self.clients or self.clients[client] != body.get("client_secret"):
            raise ShopwareError(401, "4", "Client authentication failed",
                                error="invalid_client")
        self.oauth.pop(client, None)  # a successful login resets the limiter
        access = secrets.token_urlsafe(24)
        self.tokens[access] = (client, self.clock() + TOKEN_SECONDS)
        self.tokens_issued += 1
        return JSONResponse({"token_type": "Bearer", "expires_in": TOKEN_SECONDS,
                             "access_token": access})

    def _authenticate(self, request: Request) -> None:
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("bearer "):
            message = 'Missing "Authorization" header'
        else:
            entry = self.tokens.get(header[7:].strip())
            if entry is not None and self.clock() < entry[1]:
                return
            message = "Access token could not be verified"
        raise ShopwareError(401, "9", "The resource owner or authorization server denied the "
                                      "request.", error="access_denied", message=message)

    def _api(self, handler: Handler, *, auth: bool = True) -> Handler:
        async def wrapped(request: Request) -> Response:
            try:
                if auth:
                    self._authenticate(request)
                with self.store.lock:
                    return await handler(request)
            except ShopwareError as exc:
                return JSONResponse(exc.body, status_code=exc.status)
            except ValueError:  # unreadable JSON
                return JSONResponse({"errors": [error(400, "FRAMEWORK__INVALID_REQUEST_"
                                                           "PARAMETER",
                                                      "The JSON payload is malformed.")]},
                                    status_code=400)

        return wrapped

    # -- API ----------------------------------------------------------------------------

    async def search(self, request: Request) -> Response:
        name = request.path_params["entity"]
        alias = ENTITIES.get(name)
        if alias is None:
            raise ShopwareError(400, "FRAMEWORK__DEFINITION_NOT_FOUND",
                                f'Definition for entity "{name}" does not exist.')
        raw = await request.body()
        criteria: Any = (await request.json()) if raw.strip() else {}
        entities = self.store.entities(alias)
        fields = FIELDS.get(alias) or (set(entities[0]) if entities else {"id"})
        return JSONResponse(Searcher(alias, fields).search(entities, criteria))

    async def create_order(self, request: Request) -> Response:
        order = self.store.create_order(await request.json())
        mode = request.query_params.get("_response")
        if mode in ("basic", "detail"):
            out = {k: v for k, v in order.items() if k not in (
                "lineItems", "deliveries", "addresses", "transactions", "orderCustomer")}
            return JSONResponse({"data": out})
        location = f"{request.base_url}api/order/{order['id']}"
        return Response(status_code=204, headers={"Location": location})

    async def get_order(self, request: Request) -> Response:
        order = self.store.order(request.path_params["id"])
        out = {k: v for k, v in order.items() if k not in (
            "lineItems", "deliveries", "addresses", "transactions", "orderCustomer")}
        return JSONResponse({"data": out})

    async def patch_delivery(self, request: Request) -> Response:
        body = await request.json()
        codes = body.get("trackingCodes") if isinstance(body, dict) else None
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise ShopwareError(400, "FRAMEWORK__WRITE_TYPE_INTEGRITY_VIOLATION",
                                "trackingCodes must be a list of strings.")
        self.store.set_tracking(request.path_params["id"], codes)
        return Response(status_code=204)

    async def transition(self, request: Request) -> Response:
        p = request.path_params
        state = self.store.transition(p["entity"], p["id"], p["transition"])
        return JSONResponse(state)

    # -- control ------------------------------------------------------------------------

    async def c_product(self, request: Request) -> Response:
        body = await request.json()
        product = self.store.add_product(body["productNumber"], body.get("name") or
                                         body["productNumber"], float(body.get("price", 10)),
                                         int(body.get("stock", 100)))
        return JSONResponse(product, status_code=201)

    def _routes(self) -> list[Route]:
        a = self._api
        action = "/api/_action/{entity:str}/{id:str}/state/{transition:str}"
        return [
            Route("/api/oauth/token", a(self.token, auth=False), methods=["POST"]),
            Route("/api/search/{entity:str}", a(self.search), methods=["POST"]),
            Route("/api/order", a(self.create_order), methods=["POST"]),
            Route("/api/order/{id:str}", a(self.get_order), methods=["GET"]),
            Route("/api/order-delivery/{id:str}", a(self.patch_delivery), methods=["PATCH"]),
            Route(action, a(self._transition_route), methods=["POST"]),
            Route("/_sandbox/shopware/products", a(self.c_product, auth=False),
                  methods=["POST"]),
        ]

    async def _transition_route(self, request: Request) -> Response:
        if request.path_params["entity"] not in ("order", "order_delivery", "order_transaction"):
            raise ShopwareError(404, "0", f'No route found for "{request.url.path}"')
        return await self.transition(request)
