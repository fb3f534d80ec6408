"""CartumTwin: an in-memory Cartum (Horoshop) API, JSON over ``POST /api/{function}/``.

Functions (bodies and answers ``{"status": "OK"|"EMPTY"|"ERROR"|"UNAUTHORIZED", "response"}``,
field names as in ``ordersync.connectors.cartum.fields``, several of them *unverified*):
- ``auth {login, password}`` -> ``{"token"}``; wrong credentials -> UNAUTHORIZED.
- ``orders/get {token, from, to, ids[], status (int or list), limit (default 100), offset}``
  -> ``{"orders"}`` ordered by id; nothing found -> EMPTY. ``from``/``to`` are inclusive,
  store-local ``YYYY-MM-DD HH:MM:SS``, ``YYYY-MM-DD`` or ``DD.MM.YYYY``.
- ``orders/update {token, orders: [{order_id, status}]}`` (POST or PUT) -> OK ``{"log"}``, or
  WARNING ``{"log"}`` when an order failed (log entries ``{order_id, code, message}``, code
  ``OK``, ``NOT_FOUND`` or ``INVALID_STATUS``).
- ``orders/get_available_statuses`` -> ``{"statuses": [{id, title: {ua, ru}, is_successful}]}``.
- ``catalog/export {expr: {article: [...]}, limit, offset}`` -> ``{"products"}`` or EMPTY.
- A revoked or expired (``token_ttl``) token -> UNAUTHORIZED, one never issued ->
  AUTHORIZATION_ERROR; an unknown function -> ``UNDEFINED_FUNCTION``; a bad parameter -> ERROR
  with ``{"message"}``.

Control routes (never faulted): ``POST /_sandbox/cartum/orders`` (an order as ``place_order``
takes it) -> 201 the order; ``PUT /_sandbox/cartum/orders/{id}/status {"status": 3}``;
``POST /_sandbox/cartum/products {"article", "title", "description", "category"}`` -> 201;
``POST /_sandbox/cartum/expire-tokens``; plus the common ``/_sandbox`` routes.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from http import HTTPStatus
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ordersync.connectors.cartum import fields as f
from ordersync.sandbox.cartum.catalog import CartumCatalog, available_statuses
from ordersync.sandbox.common import TwinControls, build_app

Json = dict[str, Any]


def _error_body(status: int) -> Json:
    """Faults, unknown routes and wrong methods: the HTTP_ERROR answer with the status."""
    message = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    return {"status": "HTTP_ERROR", "response": {"code": status, "message": message}}


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
            self.catalog = CartumCatalog()
            self.tokens: dict[str, float] = {}
            self.revoked: set[str] = set()
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
                f.PRODUCTS: [{"type": "product", "discount_marker": "NONE", **p,
                              "total_price": p[f.PRICE] * p[f.QUANTITY]} for p in lines],
                f.TOTAL: sum(p[f.PRICE] * p[f.QUANTITY] for p in lines),
                "total_default": sum(p[f.PRICE] * p[f.QUANTITY] for p in lines),
                "payed": 0, "user": f"guest-{self._next}",
            }
            self.orders[order[f.ORDER_ID]] = order
            return order

    def set_status(self, order_id: int, status: int) -> Json:
        with self.lock:
            order = self.orders[int(order_id)]
            order[f.STATUS] = int(status)
            return order

    def add_product(self, article: str, title: str, **kw: Any) -> Json:
        """A catalogue product (``description``, ``category`` path, ``price``)."""
        with self.lock:
            return self.catalog.add(article, title, **kw)

    def expire_tokens(self) -> None:
        with self.lock:
            self.revoked |= set(self.tokens)
            self.tokens.clear()

    # -- API ----------------------------------------------------------------------------

    def _date(self, value: str, end: bool = False) -> datetime:
        """A from/to date; a bare date is the start (``from``) or end (``to``) of its day."""
        if " " in value:
            return datetime.strptime(value, f.DATE_FORMAT)
        day = datetime.strptime(value, "%d.%m.%Y" if "." in value else "%Y-%m-%d")
        return day.replace(hour=23, minute=59, second=59) if end else day

    def _orders_get(self, body: Json) -> JSONResponse:
        try:
            since = self._date(body["from"]) if body.get("from") else None
            until = self._date(body["to"], end=True) if body.get("to") else None
            limit, offset = int(body.get(f.LIMIT) or 100), int(body.get(f.OFFSET) or 0)
        except (ValueError, TypeError):
            return _answer("ERROR", {"message": "Invalid parameters"})
        status = body.get("status")
        statuses = set(status if isinstance(status, list) else [status]) if status else None
        ids = {int(i) for i in body.get("ids") or []}
        found = []
        for oid in sorted(self.orders):
            order = self.orders[oid]
            if ids and oid not in ids:
                continue
            if statuses and order[f.STATUS] not in statuses:
                continue
            try:  # a payload a test corrupted on purpose is still listed
                created = datetime.strptime(str(order[f.CREATED]), f.DATE_FORMAT)
            except ValueError:
                created = None
            if created and ((since and created < since) or (until and created > until)):
                continue
            found.append(order)
        page = found[offset:offset + limit]
        return _answer("OK", {"orders": page}) if page else _answer("EMPTY")

    def _orders_update(self, body: Json) -> JSONResponse:
        orders = body.get("orders")
        if not isinstance(orders, list) or not orders:
            return _answer("ERROR", {"message": "Parameter orders is required"})
        log = []
        for item in orders:
            oid, status = item.get("order_id"), item.get("status")
            if oid not in self.orders:
                log.append({"order_id": oid, "code": "NOT_FOUND",
                            "message": "Order not found"})
            elif status not in f.STATUSES:
                log.append({"order_id": oid, "code": "INVALID_STATUS",
                            "message": f"Unknown status {status!r}"})
            else:
                self.orders[oid][f.STATUS] = status
                log.append({"order_id": oid, "code": f.LOG_OK, "message": "Updated"})
        failed = any(x["code"] != f.LOG_OK for x in log)
        return _answer(f.WARNING if failed else f.OK, {"log": log})

    def _catalog_export(self, body: Json) -> JSONResponse:
        status, response = self.catalog.export(body)
        return _answer(status, response)

    def _statuses(self, body: Json) -> JSONResponse:
        return _answer("OK", available_statuses())

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
            handler = {f.ORDERS_GET: self._orders_get, f.ORDERS_UPDATE: self._orders_update,
                       f.ORDERS_STATUSES: self._statuses,
                       f.CATALOG_EXPORT: self._catalog_export}.get(function)
            if handler is None:
                return _answer(f.UNDEFINED_FUNCTION, {"message": f"no function {function}"})
            token = str(body.get("token"))
            expires = self.tokens.get(token)
            if expires is None and token not in self.revoked:
                return _answer("AUTHORIZATION_ERROR", {"message": "Invalid token"})
            if expires is None or self.clock() >= expires:
                return _answer("UNAUTHORIZED", {"message": "Token expired"})
            return handler(body)

    # -- control ------------------------------------------------------------------------

    async def c_place(self, request: Request) -> Response:
        return JSONResponse(self.place_order(**(await request.json())), status_code=201)

    async def c_status(self, request: Request) -> Response:
        body = await request.json()
        return JSONResponse(self.set_status(request.path_params["id"], body["status"]))

    async def c_product(self, request: Request) -> Response:
        body = await request.json()
        return JSONResponse(self.add_product(body.pop("article"), body.pop("title"), **body),
                            status_code=201)

    async def c_expire(self, request: Request) -> Response:
        self.expire_tokens()
        return Response(status_code=204)

    def _routes(self) -> list[Route]:
        return [
            Route("/api/{function:path}", self.api, methods=["POST", "PUT"]),
            Route("/_sandbox/cartum/orders", self.c_place, methods=["POST"]),
            Route("/_sandbox/cartum/orders/{id:int}/status", self.c_status, methods=["PUT"]),
            Route("/_sandbox/cartum/products", self.c_product, methods=["POST"]),
            Route("/_sandbox/cartum/expire-tokens", self.c_expire, methods=["POST"]),
        ]
