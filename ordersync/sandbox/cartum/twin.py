"""CartumTwin: an in-memory Cartum (Horoshop) API, JSON over ``POST /api/{function}/``.

Functions (bodies and answers ``{"status": "OK"|"EMPTY"|"ERROR"|"UNAUTHORIZED", "response"}``,
field names as in ``ordersync.connectors.cartum.fields``, several of them *unverified*):
- ``auth {login, password}`` -> ``{"token"}``; wrong credentials -> UNAUTHORIZED.
- ``orders/get {token, from, to, ids[], status (int or list), limit, offset}`` -> ``{"orders"}``
  ordered by id; nothing found -> EMPTY. ``from``/``to`` are store-local
  ``YYYY-MM-DD HH:MM:SS`` (or a bare date).
- ``orders/update {token, orders: [{order_id, status}]}`` (POST or PUT) -> ``{"log"}``.
- An unknown, expired (``token_ttl``) or revoked token -> UNAUTHORIZED; an unknown function ->
  ``UNDEFINED_FUNCTION``; a bad parameter -> ERROR with ``{"message"}``.

Control routes (never faulted): ``POST /_sandbox/cartum/orders`` (an order as ``place_order``
takes it) -> 201 the order; ``PUT /_sandbox/cartum/orders/{id}/status {"status": 3}``;
``POST /_sandbox/cartum/expire-tokens``; plus the common ``/_sandbox`` routes.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ordersync.connectors.cartum import fields as f
from ordersync.sandbox.common import TwinControls, build_app

Json = dict[str, Any]


def _error_body(status: int) -> Json:
    return {"status": "HTTP_ERROR", "response": {"code": status, "message": "Server error"}}


def _answer(status: str, response: Any = None) -> JSONResponse:
    return JSONResponse({"status": status, "response": response if response is not None else {}})


class CartumTwin:
    """The twin of one store; ``app`` is the ASGI app."""

    def __init__(self, login: str = "api", password: str = "secret", *,
                 clock: Callable[[], float] = time.time, token_ttl: float = f.TOKEN_TTL,
                 utc_offset_hours: float = 2.0) -> None:
        self.login, self.password, self.clock, self.token_ttl = login, password, clock, token_ttl
        self.tz = timezone(timedelta(hours=utc_offset_hours))
        self.lock = threading.RLock()
        self.controls = TwinControls(rate_limits=False)
        self.reset()
        self.app = build_app(self._routes(), self.controls, self.reset, _error_body)

    def reset(self) -> None:
        with self.lock:
            self.orders: dict[int, Json] = {}
            self.tokens: dict[str, float] = {}
            self.auth_calls = 0
            self._next = 1000

    # -- Python helpers -----------------------------------------------------------------

    def local(self, when: datetime | None = None) -> str:
        when = when or datetime.fromtimestamp(self.clock(), tz=UTC)
        return when.astimezone(self.tz).strftime(f.DATE_FORMAT)

    def place_order(self, *, status: int = f.NEW, products: list[Json] | None = None,
                    name: str = "Olena Kovalenko", phone: str = "+380501234567",
                    email: str = "olena@example.ua", created: datetime | None = None,
                    currency: str = "UAH", delivery: str = "Nova Poshta",
                    delivery_price: float = 0) -> Json:
        """An order as a shopper placed it (``products``: ``{article, title, quantity,
        price}``)."""
        with self.lock:
            self._next += 1
            lines = products if products is not None else [
                {f.ARTICLE: "ART-1", f.TITLE: "Mug", f.QUANTITY: 2, f.PRICE: 150}]
            order = {
                f.ORDER_ID: self._next, f.CREATED: self.local(created), f.STATUS: status,
                f.CURRENCY: currency, f.NAME: name, f.PHONE: phone, f.EMAIL: email,
                f.CITY: "Kyiv", f.ADDRESS: "Branch 12",
                f.DELIVERY_TYPE: {"id": 1, "title": delivery}, f.DELIVERY_PRICE: delivery_price,
                f.PRODUCTS: [{**p, "total_price": p[f.PRICE] * p[f.QUANTITY]} for p in lines],
                f.TOTAL: sum(p[f.PRICE] * p[f.QUANTITY] for p in lines),
            }
            self.orders[order[f.ORDER_ID]] = order
            return order

    def set_status(self, order_id: int, status: int) -> Json:
        with self.lock:
            order = self.orders[int(order_id)]
            order[f.STATUS] = int(status)
            return order

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()

    # -- API ----------------------------------------------------------------------------

    def _date(self, value: str) -> datetime:
        text = value if " " in value else f"{value} 00:00:00"
        return datetime.strptime(text, f.DATE_FORMAT)

    def _orders_get(self, body: Json) -> JSONResponse:
        try:
            since = self._date(body["from"]) if body.get("from") else None
            until = self._date(body["to"]) if body.get("to") else None
            limit, offset = int(body.get(f.LIMIT) or 100), int(body.get(f.OFFSET) or 0)
        except (ValueError, TypeError):
            return _answer("ERROR", {"message": "Invalid parameters"})
        status = body.get("status")
        statuses = set(status if isinstance(status, list) else [status]) if status else None
        ids = {int(i) for i in body.get("ids") or []}
        found = []
        for oid in sorted(self.orders):
            order = self.orders[oid]
            created = datetime.strptime(order[f.CREATED], f.DATE_FORMAT)
            if ids and oid not in ids:
                continue
            if statuses and order[f.STATUS] not in statuses:
                continue
            if (since and created < since) or (until and created > until):
                continue
            found.append(order)
        page = found[offset:offset + limit]
        return _answer("OK", {"orders": page}) if page else _answer("EMPTY")

    def _orders_update(self, body: Json) -> JSONResponse:
        log = []
        for item in body.get("orders") or []:
            oid, status = item.get("order_id"), item.get("status")
            if oid not in self.orders or status not in f.STATUSES:
                log.append({"order_id": oid, "result": "ERROR"})
                continue
            self.orders[oid][f.STATUS] = status
            log.append({"order_id": oid, "result": "UPDATED"})
        if not log or all(x["result"] == "ERROR" for x in log):
            return _answer("ERROR", {"message": "Nothing updated", "log": log})
        return _answer("OK", {"log": log})

    async def api(self, request: Request) -> Response:
        function = request.path_params["function"].strip("/")
        try:
            body = await request.json()
        except ValueError:
            return _answer("HTTP_ERROR", {"code": 400, "message": "Payload is not JSON"})
        with self.lock:
            if function == f.AUTH:
                self.auth_calls += 1
                if body.get("login") != self.login or body.get("password") != self.password:
                    return _answer("UNAUTHORIZED", {"message": "Wrong login or password"})
                token = secrets.token_hex(16)
                self.tokens[token] = self.clock() + self.token_ttl
                return _answer("OK", {"token": token})
            handler = {f.ORDERS_GET: self._orders_get, f.ORDERS_UPDATE: self._orders_update}.get(
                function)
            if handler is None:
                return _answer("UNDEFINED_FUNCTION")
            expires = self.tokens.get(str(body.get("token")))
            if expires is None or self.clock() >= expires:
                return _answer("UNAUTHORIZED", {"message": "Invalid token"})
            return handler(body)

    # -- control ------------------------------------------------------------------------

    async def c_place(self, request: Request) -> Response:
        return JSONResponse(self.place_order(**(await request.json())), status_code=201)

    async def c_status(self, request: Request) -> Response:
        body = await request.json()
        return JSONResponse(self.set_status(request.path_params["id"], body["status"]))

    async def c_expire(self, request: Request) -> Response:
        self.expire_tokens()
        return Response(status_code=204)

    def _routes(self) -> list[Route]:
        return [
            Route("/api/{function:path}", self.api, methods=["POST", "PUT"]),
            Route("/_sandbox/cartum/orders", self.c_place, methods=["POST"]),
            Route("/_sandbox/cartum/orders/{id:int}/status", self.c_status, methods=["PUT"]),
            Route("/_sandbox/cartum/expire-tokens", self.c_expire, methods=["POST"]),
        ]
