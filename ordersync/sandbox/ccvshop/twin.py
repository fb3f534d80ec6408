"""CcvShopTwin: an in-memory CCV Shop REST API (``/api/rest/v1``, the parts ordersync uses).

Auth as CCV's (C1): every request carries ``x-public``, ``x-date`` and ``x-hash`` = hex
HMAC-SHA512(secret, public|METHOD|URI|BODY|x-date), URI = path + query as sent; a missing or
wrong signature or an unknown key is 401 (code ``401.10``, *unverified*: C1 lists no 401 code).
Every answer is signed back (``x-date``, ``x-hash`` over public|METHOD|URI|responseBody|date).

Rate limits (``facts``): per method and resource per minute (GET 150, writes 100) -> 429
``429.10``; over the total per minute -> 429 ``429.11``; both with ``Retry-After`` and
``X-RateLimit-Limit`` / ``-Remaining`` / ``-Reset`` (header names *unverified*). Errors are
``{"code": "<status>.<sub>", "status", "developermessage", "moreinfo"}``: unknown route 404.20,
wrong method 405.10, unknown id 404.10 and invalid input 400.10 (*unverified* sub-codes).

API routes (trailing slash as CCV): ``GET/POST orders/`` (``start``, ``size``, ``orderby``
id|create_date|ordernumber[_desc], ``min_create_date``, ``max_create_date``, ``status``,
``is_paid``), ``GET/PATCH orders/{id}/``, ``GET orders/{id}/orderrows/``, ``GET/POST
orders/{id}/ordernotes/``, ``GET/POST products/`` (``productnumber``, ``eannumber``),
``GET/PATCH products/{id}/``. Lists are ``{href, start, size, first, previous, next, items}``.

Control routes, under ``/_sandbox/ccvshop/``: ``POST orders/{id}/ship`` ``{"code", "carrier"}``
(the merchant sets status 5 with track & trace), plus the common ones of
``ordersync.sandbox.common`` (faults, rate-limits, stats, reset).
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ordersync.connectors.ccvshop.auth import signature
from ordersync.connectors.ccvshop.facts import (
    API,
    DEFAULT_PAGE,
    PAGE_MAX,
    READ_PER_MINUTE,
    TOTAL_PER_MINUTE,
    WRITE_PER_MINUTE,
)
from ordersync.sandbox.ccvshop.store import CcvError, CcvStore, Json, public, stamp
from ordersync.sandbox.common import ServerBucket, TwinControls, build_app

ApiHandler = Callable[[Request], Awaitable[tuple[int, Json | None]]]
Handler = Callable[[Request], Awaitable[Response]]
ORDERBY = ("id", "create_date", "ordernumber", "deliver_date")


def _error_body(status: int) -> Json:
    code = {404: "404.20", 405: "405.10", 429: "429.10"}.get(status, f"{status}.10")
    return CcvError(status, code, "Error.").body()


def _no_route(status: int, path: str) -> tuple[int, Json]:
    if status == 405:
        return 405, CcvError(405, "405.10", "Method not allowed.").body()
    return 404, CcvError(404, "404.20", "Invalid resource name.").body()


def _date(value: str, name: str) -> datetime:
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise CcvError(400, "400.10", f"Parameter '{name}' is not a date.") from None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)


def _int(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise CcvError(400, "400.10", f"Parameter '{name}' is not an integer.") from None


class CcvShopTwin:
    """The twin of one CCV Shop; ``app`` is the ASGI app."""

    def __init__(self, keys: dict[str, str] | None = None, *, rate_limits: bool = True,
                 clock: Callable[[], float] = time.time) -> None:
        """``keys`` maps public keys to their secret keys; ``clock`` is the shop's time (its
        dates and its rate-limit minutes)."""
        self.keys = dict(keys or {"ccv_public_sandbox": "ccv_secret_sandbox"})
        self.store = CcvStore(clock)
        self._clock = clock
        self.controls = TwinControls(rate_limits=rate_limits)
        self._buckets: dict[str, ServerBucket] = {}
        self.app = build_app(self._routes(), self.controls, self.reset, _error_body,
                             no_route=_no_route)

    def reset(self) -> None:
        self.store.reset()
        self._buckets.clear()

    # -- Python helpers (the merchant's back office) ------------------------------------

    def add_product(self, name: str, number: str, price: float = 10.0, stock: int = 100,
                    ean: str = "") -> Json:
        return self.store.create_product({"name": name, "productnumber": number,
                                          "price": price, "stock": stock, "eannumber": ean})

    def get(self, order_id: int | str) -> Json:
        return self.store.order(int(order_id))

    def ship(self, order_id: int | str, code: str | None = None,
             carrier: str | None = None) -> None:
        """Status 5 (Sent) with the track & trace code and carrier, as the back office does."""
        body: Json = {"status": 5, "mail": True}
        if code:
            body.update(track_and_trace_code=code, track_and_trace_carrier=carrier or "")
        self.store.update_order(int(order_id), body)

    # -- the HTTP layer -----------------------------------------------------------------

    def _limit(self, method: str, path: str) -> Response | None:
        """429 when the resource's per-method budget or the total one is spent."""
        if not self.controls.rate_limits:
            return None
        parts = path.removeprefix(API).strip("/").split("/")
        resource = parts[-1] if not parts[-1].isdigit() else parts[-2]
        kind, limit = (("read", READ_PER_MINUTE) if method == "GET"
                       else ("write", WRITE_PER_MINUTE))
        checks = ((f"{kind}:{resource}", limit, "429.10"), ("total", TOTAL_PER_MINUTE, "429.11"))
        for key, per_minute, code in checks:
            bucket = self._buckets.setdefault(key, ServerBucket(per_minute / 60, per_minute,
                                                                clock=self._clock))
            bucket.take(0)  # refill only: refuse before taking from any budget
            if bucket.tokens < 1:
                wait = (1 - bucket.tokens) / bucket.rate
                self.controls.throttled[f"{method} {path}"] += 1
                body = CcvError(429, code, "Rate limit exceeded.").body()
                return JSONResponse(body, status_code=429, headers={
                    "Retry-After": str(max(1, round(wait + 0.5))),
                    "X-RateLimit-Limit": str(per_minute), "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": str(max(1, round(wait + 0.5)))})
        for key, _, _ in checks:
            self._buckets[key].take()
        return None

    def _api(self, handler: ApiHandler) -> Handler:
        async def wrapped(request: Request) -> Response:
            raw = await request.body()
            uri = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            public_key = request.headers.get("x-public", "")
            secret = self.keys.get(public_key)
            date = request.headers.get("x-date", "")
            given = request.headers.get("x-hash", "")
            if secret is None or not date or given != signature(
                    secret, public_key, request.method, uri, raw.decode(errors="replace"),
                    date):
                return JSONResponse(CcvError(401, "401.10", "Authentication failed: invalid "
                                             "x-public, x-date or x-hash.").body(),
                                    status_code=401)
            limited = self._limit(request.method, request.url.path)
            if limited is not None:
                return limited
            try:
                status, body = await handler(request)
            except CcvError as exc:
                status, body = exc.status, exc.body()
            except (json.JSONDecodeError, UnicodeDecodeError):
                status, body = 400, CcvError(400, "400.10", "Invalid JSON body.").body()
            content = b"" if body is None else json.dumps(body).encode()
            now = stamp(datetime.now(UTC)).replace("Z", "+00:00")
            headers = {"x-date": now, "x-hash": signature(secret, public_key, request.method,
                                                          uri, content.decode(), now)}
            return Response(content, status_code=status, headers=headers,
                            media_type="application/json" if content else None)

        return wrapped

    def _collection(self, request: Request, items: list[Json]) -> Json:
        start, size = _int(request, "start", 0), _int(request, "size", DEFAULT_PAGE)
        if start < 0 or not 1 <= size <= PAGE_MAX:
            raise CcvError(400, "400.10", f"Parameters 'start' >= 0 and 'size' 1..{PAGE_MAX}.")
        base = request.url.path
        query = {k: v for k, v in request.query_params.items() if k not in ("start", "size")}

        def link(at: int) -> str:
            return f"{base}?{urlencode({**query, 'start': at, 'size': size})}"

        return {"href": link(start), "start": start, "size": size, "first": link(0),
                "previous": link(max(0, start - size)) if start else None,
                "next": link(start + size) if start + size < len(items) else None,
                "items": items[start:start + size]}

    # -- orders -------------------------------------------------------------------------

    async def orders(self, request: Request) -> tuple[int, Json]:
        if request.method == "POST":
            return 201, public(self.store.create_order(await request.json()))
        q = request.query_params
        low = _date(q["min_create_date"], "min_create_date") if q.get("min_create_date") else None
        high = _date(q["max_create_date"], "max_create_date") if q.get("max_create_date") \
            else None
        status = _int(request, "status", 0)
        orderby = q.get("orderby", "id")
        if orderby.removesuffix("_desc") not in ORDERBY:
            raise CcvError(400, "400.10", f"Parameter 'orderby' {orderby!r} is invalid.")
        with self.store.lock:
            found = [public(o) for o in self.store.orders.values()
                     if (low is None or _date(o["create_date"], "c") >= low)
                     and (high is None or _date(o["create_date"], "c") <= high)
                     and (not status or o["status"] == status)
                     and (q.get("is_paid") is None
                          or o["paid"] == (q["is_paid"] in ("1", "true")))]
        field = orderby.removesuffix("_desc")
        found.sort(key=lambda o: (o.get(field) or "", o["id"]) if field != "id" else o["id"],
                   reverse=orderby.endswith("_desc"))
        return 200, self._collection(request, found)

    async def order(self, request: Request) -> tuple[int, Json | None]:
        oid = int(request.path_params["id"])
        if request.method == "PATCH":
            self.store.update_order(oid, await request.json())
            return 204, None
        return 200, public(self.store.order(oid))

    async def orderrows(self, request: Request) -> tuple[int, Json]:
        oid = int(request.path_params["id"])
        self.store.order(oid)
        return 200, self._collection(request, list(self.store.rows[oid]))

    async def ordernotes(self, request: Request) -> tuple[int, Json]:
        oid = int(request.path_params["id"])
        if request.method == "POST":
            body = await request.json()
            return 201, self.store.add_note(oid, str(body.get("note") or ""),
                                            str(body.get("type") or "internal"))
        self.store.order(oid)
        return 200, {"href": request.url.path, "items": list(self.store.notes[oid])}

    # -- products -----------------------------------------------------------------------

    async def products(self, request: Request) -> tuple[int, Json]:
        if request.method == "POST":
            return 201, self.store.create_product(await request.json())
        q = request.query_params
        found = [p for p in self.store.products.values()
                 if (q.get("productnumber") is None or p["productnumber"] == q["productnumber"])
                 and (q.get("eannumber") is None or p["eannumber"] == q["eannumber"])]
        return 200, self._collection(request, sorted(found, key=lambda p: p["id"]))

    async def product(self, request: Request) -> tuple[int, Json | None]:
        pid = int(request.path_params["id"])
        if request.method == "PATCH":
            self.store.update_product(pid, await request.json())
            return 204, None
        return 200, self.store.product(pid)

    # -- control ------------------------------------------------------------------------

    async def c_ship(self, request: Request) -> Response:
        body = await request.json() if await request.body() else {}
        self.ship(request.path_params["id"], body.get("code"), body.get("carrier"))
        return JSONResponse(public(self.get(request.path_params["id"])))

    def _routes(self) -> list[Route]:
        a = self._api
        return [
            Route(f"{API}/orders/", a(self.orders), methods=["GET", "POST"]),
            Route(f"{API}/orders/{{id:int}}/", a(self.order), methods=["GET", "PATCH"]),
            Route(f"{API}/orders/{{id:int}}/orderrows/", a(self.orderrows), methods=["GET"]),
            Route(f"{API}/orders/{{id:int}}/ordernotes/", a(self.ordernotes),
                  methods=["GET", "POST"]),
            Route(f"{API}/products/", a(self.products), methods=["GET", "POST"]),
            Route(f"{API}/products/{{id:int}}/", a(self.product), methods=["GET", "PATCH"]),
            Route("/_sandbox/ccvshop/orders/{id:int}/ship", self.c_ship, methods=["POST"]),
        ]
