"""WooCommerceTwin: an in-memory WooCommerce REST API v3 (the parts ordersync uses).

Authentication as WooCommerce's (``ordersync.sandbox.woocommerce.auth``): HTTP Basic (or the
``consumer_key``/``consumer_secret`` query parameters) only over https, OAuth 1.0a one-legged
(``oauth_*`` query parameters, HMAC-SHA1/256) over http and https; bad credentials are 401
``woocommerce_rest_authentication_error`` (or ``..._missing_parameter``), none at all the
endpoint's 401 ``woocommerce_rest_cannot_view``/``cannot_create``/``cannot_edit``. Served by
``ServedApp`` the twin is plain http (OAuth); serve it with TLS for Basic.
``Link`` headers and the OAuth base string use the site URL (``site_url``, default the
address the request was sent to). Dates are ``YYYY-MM-DDTHH:MM:SS`` (whole seconds).

API routes, under ``/wp-json/wc/v3/``:
- ``GET orders`` (``status`` comma list, default any = all but trash; ``after``, ``before``,
  ``modified_after``, ``modified_before``, ``dates_are_gmt``, ``include``, ``exclude``,
  ``customer``, ``product``, ``page``, ``offset``,
  ``per_page`` 1..100 default 10 (400 ``rest_invalid_param`` otherwise), ``orderby``
  date|id|include|title|slug|modified, ``order`` asc|desc); headers ``X-WP-Total``,
  ``X-WP-TotalPages`` and ``Link`` (rel="prev"/"next"); a page past the end is 400
  ``rest_post_invalid_page_number``. ``POST orders`` (201), ``GET/PUT orders/{id}``,
  ``DELETE orders/{id}`` (``force=true``: for good; else to the trash),
  ``GET/POST orders/{id}/notes``, ``GET/POST orders/{id}/refunds`` (``.refunds``). A PUT
  that changes nothing leaves ``date_modified`` alone; a status change adds one system note
  ("Order status changed from A to B.").
- ``GET products`` (``sku``, ``include``, ``exclude``, ``category``, ``orderby``, ``page``,
  ``per_page``), ``POST products``, ``GET/PUT products/{id}``, ``GET/POST
  products/categories`` (``parent``, ``include``, ``exclude``, ``hide_empty``, ``orderby``
  default name), ``GET/POST customers`` (``email``, ``role``, ``include``, ``exclude``),
  ``GET customers/{id}``.
- ``GET settings/general``, ``GET/PUT settings/general/{id}`` (setting objects; the currency is
  ``woocommerce_currency``); unknown group or id: 404.
- ``GET/POST /wp-json/wc-shipment-tracking/v3/orders/{id}/shipment-trackings`` (the Shipment
  Tracking extension).

Control routes (merchant actions; never faulted), under ``/_sandbox/woocommerce/``:
- ``POST orders`` ``{"status": "processing", "line_items": [{"product_id"|"sku", "quantity",
  "total"}], "billing": {...}, "shipping": {...}, "shipping_lines": [...], "currency": "EUR",
  "created_gmt": "2026-11-22T12:00:00"}``: place an order as a shopper would (any status;
  leave out line_items or billing to place a deliberately broken one). 201 the order.
- ``POST orders/{id}/complete`` ``{"tracking_number": ..., "tracking_provider": ...}``: the
  merchant completes the order, with tracking when a number is given.
- ``PUT orders/{id}/lines/{line_id}`` ``{"quantity": 3}``: change a line's quantity.
- ``PUT currency`` ``{"currency": "USD"}``: the store currency of later orders.
- Common ones (``ordersync.sandbox.common``): faults, rate-limits (no-op: core has no limit),
  stats, reset.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ordersync.sandbox.common import TwinControls, build_app
from ordersync.sandbox.woocommerce.auth import ApiKey, Authenticator, Incoming, form_pairs
from ordersync.sandbox.woocommerce.refunds import WooRefunds
from ordersync.sandbox.woocommerce.settings import general_settings, get_setting, update_setting
from ordersync.sandbox.woocommerce.store import STATUSES, Json, WooError, WooStore

API = "/wp-json/wc/v3"
TRACKING_API = "/wp-json/wc-shipment-tracking/v3"
ORDERBY = ("date", "id", "include", "title", "slug", "modified")
Handler = Callable[[Request], Awaitable[Response]]


def _error_body(status: int) -> Json:
    return {"code": "woocommerce_rest_error", "message": "Error.", "data": {"status": status}}


def _no_route(status: int, path: str) -> tuple[int, Json]:
    """WordPress answers an unknown route and a known route's wrong method alike."""
    return 404, {"code": "rest_no_route",
                 "message": "No route was found matching the URL and request method.",
                 "data": {"status": 404}}


def _param_error(name: str, reason: str) -> WooError:
    return WooError(400, "rest_invalid_param", f"Invalid parameter(s): {name}",
                    params={name: reason})


def parse_date(value: str, gmt: bool, offset: timedelta) -> datetime:
    """An ISO 8601 query date as aware UTC (naive = GMT or site time per dates_are_gmt)."""
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _param_error("date", "Invalid date.") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC) - (timedelta() if gmt else offset)
    return when.astimezone(UTC)


def _gmt(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def is_ssl(request: Request) -> bool:
    """WordPress's ``is_ssl()``: the connection is TLS. uvicorn derives the ASGI scheme from a
    local client's ``X-Forwarded-Proto``, which WordPress does not trust: such a request counts
    as plain http (unless the server declares TLS through the ASGI ``tls`` extension)."""
    if "tls" in request.scope.get("extensions", {}):
        return True
    return request.url.scheme == "https" and "x-forwarded-proto" not in request.headers


def _netloc(url: str) -> str:
    """``host[:port]`` of a URL."""
    return urlsplit(url).netloc or url


ANONYMOUS = {
    "list": ("woocommerce_rest_cannot_view", "Sorry, you cannot list resources."),
    "view": ("woocommerce_rest_cannot_view", "Sorry, you cannot view this resource."),
    "create": ("woocommerce_rest_cannot_create",
               "Sorry, you are not allowed to create resources."),
    "edit": ("woocommerce_rest_cannot_edit", "Sorry, you are not allowed to edit this resource."),
}


def _anonymous(request: Request) -> WooError:
    """The endpoint's permission check refusing a request without credentials (401)."""
    ident = request.path_params.get("id")
    item = ident is not None and request.url.path.rstrip("/").endswith(f"/{ident}")
    kind = {"POST": "create", "PUT": "edit", "PATCH": "edit"}.get(
        request.method, "view" if item else "list")
    code, message = ANONYMOUS[kind]
    return WooError(401, code, message)


def _int(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise _param_error(name, f"{name} is not of type integer.") from None


def _ids(raw: str | None) -> set[int] | None:
    return {int(x) for x in raw.split(",") if x.strip()} if raw else None


class WooCommerceTwin:
    """The twin of one WooCommerce site; ``app`` is the ASGI app."""

    def __init__(
        self,
        keys: dict[str, str] | None = None,
        *,
        clock: Callable[[], float] = time.time,
        utc_offset_hours: float = 1.0,
        site_url: str | None = None,
        permissions: dict[str, str] | None = None,
    ) -> None:
        """``keys`` maps consumer keys to their secrets, ``permissions`` some of them to
        ``read`` or ``write`` (default ``read_write``). ``site_url`` is the site's home URL
        (its host and port; the scheme follows the request); None = the address the request
        was sent to, as a site whose home URL follows the served host. ``clock`` is the site's
        time: its dates and the OAuth timestamp window."""
        self.keys = {key: ApiKey(key, secret, (permissions or {}).get(key, "read_write"))
                     for key, secret in (keys or {"ck_sandbox": "cs_sandbox"}).items()}
        self.site_url = site_url
        self.auth = Authenticator(self.keys, clock)
        self.store = WooStore(clock, timedelta(hours=utc_offset_hours))
        self.refunds = WooRefunds(self.store)  # orders/{id}/refunds (see .refunds)
        self.controls = TwinControls(rate_limits=False)
        self.app = build_app(self._routes(), self.controls, self.reset, _error_body,
                             no_route=_no_route)

    # -- Python helpers -----------------------------------------------------------------

    def reset(self) -> None:
        self.store.reset()
        self.refunds.reset()
        for key in self.keys.values():
            key.nonces.clear()

    def add_category(self, name: str, parent: int = 0) -> Json:
        return self.store.create_category({"name": name, "parent": parent})

    def add_product(self, name: str, sku: str, price: str = "10.00",
                    categories: tuple[int, ...] = (), stock: int | None = None) -> Json:
        """A simple product; with ``stock`` its stock is managed (orders take from it)."""
        body = {"name": name, "sku": sku, "regular_price": price,
                "categories": [{"id": c} for c in categories]}
        if stock is not None:
            body.update(manage_stock=True, stock_quantity=stock)
        return self.store.create_product(body)

    def place_order(self, body: Json, created: datetime | None = None) -> Json:
        """A shopper's order (any status; may lack lines or customer on purpose)."""
        return self.store.create_order(body, created=created)

    def complete(self, order_id: int | str, tracking_number: str | None = None,
                 provider: str = "PostNL") -> Json:
        """The merchant completes the order, adding tracking when a number is given."""
        oid = int(order_id)
        if tracking_number:
            self.store.add_tracking(oid, {"tracking_provider": provider,
                                          "tracking_number": tracking_number})
        return self.store.update_order(oid, {"status": "completed"})

    def ship_parcels(self, order_id: int | str, tracking_numbers: list[str] | tuple[str, ...],
                     provider: str = "PostNL") -> Json:
        """The merchant ships the order in several boxes: one Shipment Tracking item per
        code, then completes it (WooCommerce has no per-line fulfilment: each item stands
        for the whole order)."""
        oid = int(order_id)
        for number in tracking_numbers:
            self.store.add_tracking(oid, {"tracking_provider": provider,
                                          "tracking_number": number})
        return self.store.update_order(oid, {"status": "completed"})

    def set_status(self, order_id: int | str, status: str) -> Json:
        return self.store.update_order(int(order_id), {"status": status})

    def set_quantity(self, order_id: int | str, line_id: int, quantity: int) -> Json:
        return self.store.set_quantity(int(order_id), int(line_id), quantity)

    def set_currency(self, currency: str) -> None:
        self.store.currency = currency

    def get(self, order_id: int | str) -> Json:
        return self.store.order(int(order_id))

    # -- HTTP plumbing ------------------------------------------------------------------

    def site(self, request: Request) -> str:
        """The site URL (``home_url``) with the scheme ``is_ssl()`` gives this request."""
        scheme = "https" if is_ssl(request) else "http"
        if self.site_url is not None:
            return f"{scheme}://{_netloc(self.site_url)}"
        return f"{scheme}://{request.headers.get('host') or _netloc(str(request.base_url))}"

    async def _authenticate(self, request: Request) -> ApiKey | None:
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        incoming = Incoming(
            method=request.method, path=raw_path.decode("latin-1").split("?", 1)[0],
            query=tuple(parse_qsl(request.url.query, keep_blank_values=True)),
            form=form_pairs(request.headers.get("content-type", ""), await request.body()),
            authorization=request.headers.get("authorization", ""), https=is_ssl(request))
        return self.auth.authenticate(incoming, self.site(request))

    def _api(self, handler: Handler) -> Handler:
        async def wrapped(request: Request) -> Response:
            try:
                if await self._authenticate(request) is None:
                    raise _anonymous(request)
                with self.store.lock:
                    return await handler(request)
            except WooError as exc:
                return JSONResponse(exc.body, status_code=exc.status)

        return wrapped

    def _control(self, handler: Handler) -> Handler:
        async def wrapped(request: Request) -> Response:
            try:
                return await handler(request)
            except WooError as exc:
                return JSONResponse(exc.body, status_code=exc.status)

        return wrapped

    def _page(self, request: Request, items: list[Json], default: int = 10) -> Response:
        per_page, page = _int(request, "per_page", default), _int(request, "page", 1)
        if not 1 <= per_page <= 100:
            raise _param_error("per_page",
                               "per_page must be between 1 (inclusive) and 100 (inclusive)")
        if page < 1:
            raise _param_error("page", "page must be greater than or equal to 1")
        total = len(items)
        pages = max(1, math.ceil(total / per_page)) if total else 0
        if total and page > pages:
            raise WooError(400, "rest_post_invalid_page_number",
                           "The page number requested is larger than the number of pages "
                           "available.")
        links = []
        base = f"{self.site(request)}{request.url.path}"
        query = dict(request.query_params)
        for rel, number in (("prev", page - 1), ("next", page + 1)):
            if 1 <= number <= pages:
                links.append(f'<{base}?{urlencode({**query, "page": number})}>; rel="{rel}"')
        headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
        if links:
            headers["Link"] = ", ".join(links)
        offset = _int(request, "offset", (page - 1) * per_page)
        body = items[max(0, offset): max(0, offset) + per_page]
        return JSONResponse(body, headers=headers)

    # -- orders -------------------------------------------------------------------------

    def _filter_orders(self, request: Request) -> list[Json]:
        q = request.query_params
        gmt = q.get("dates_are_gmt", "false").lower() in ("1", "true")
        wanted = {s for s in (q.get("status") or "any").split(",") if s}
        bad = wanted - set(STATUSES) - {"any"}
        if bad:
            raise _param_error("status", f"status[0] is not one of any, {', '.join(STATUSES)}.")
        bounds = {k: parse_date(q[k], gmt, self.store.utc_offset)
                  for k in ("after", "before", "modified_after", "modified_before") if q.get(k)}
        include, exclude = _ids(q.get("include")), _ids(q.get("exclude")) or set()
        customer = _int(request, "customer", 0)
        product = _int(request, "product", 0)
        out = []
        for order in self.store.orders.values():
            if order["id"] in exclude or (customer and order["customer_id"] != customer):
                continue
            if product and all(x["product_id"] != product for x in order["line_items"]):
                continue
            if "any" in wanted and order["status"] == "trash" and len(wanted) == 1:
                continue
            if "any" not in wanted and order["status"] not in wanted:
                continue
            if include is not None and order["id"] not in include:
                continue
            try:
                created = _gmt(order["date_created_gmt"])
                modified = _gmt(order["date_modified_gmt"])
            except (TypeError, ValueError):  # corrupted on purpose by a test: still listed
                out.append(order)
                continue
            if "after" in bounds and not created > bounds["after"]:
                continue
            if "before" in bounds and not created < bounds["before"]:
                continue
            if "modified_after" in bounds and not modified > bounds["modified_after"]:
                continue
            if "modified_before" in bounds and not modified < bounds["modified_before"]:
                continue
            out.append(order)
        orderby, direction = q.get("orderby", "date"), q.get("order", "desc")
        if orderby not in ORDERBY:
            raise _param_error("orderby", f"orderby is not one of {', '.join(ORDERBY)}.")
        if direction not in ("asc", "desc"):
            raise _param_error("order", "order is not one of asc, desc.")
        key = {"date": lambda o: (o["date_created_gmt"], o["id"]),
               "modified": lambda o: (o["date_modified_gmt"], o["id"])}.get(
            orderby, lambda o: o["id"])
        return sorted(out, key=key, reverse=direction == "desc")

    async def list_orders(self, request: Request) -> Response:
        return self._page(request, self._filter_orders(request))

    async def create_order(self, request: Request) -> Response:
        return JSONResponse(self.store.create_order(await request.json()), status_code=201)

    async def order(self, request: Request) -> Response:
        oid = int(request.path_params["id"])
        if request.method == "PUT":
            return JSONResponse(self.store.update_order(oid, await request.json()))
        if request.method == "DELETE":
            force = request.query_params.get("force", "false").lower() in ("true", "1")
            return JSONResponse(self.store.delete_order(oid, force=force))
        return JSONResponse(self.store.order(oid))

    async def notes(self, request: Request) -> Response:
        oid = int(request.path_params["id"])
        self.store.order(oid)
        if request.method == "POST":
            return JSONResponse(self.store.add_note(oid, await request.json()), status_code=201)
        return JSONResponse(self.store.notes.get(oid, []))

    async def trackings(self, request: Request) -> Response:
        oid = int(request.path_params["id"])
        self.store.order(oid)
        if request.method == "POST":
            return JSONResponse(self.store.add_tracking(oid, await request.json()),
                                status_code=201)
        return JSONResponse(self.store.trackings.get(oid, []))

    # -- catalog ------------------------------------------------------------------------

    async def products(self, request: Request) -> Response:
        if request.method == "POST":
            return JSONResponse(self.store.create_product(await request.json()), status_code=201)
        q = request.query_params
        sku, include = q.get("sku"), _ids(q.get("include"))
        exclude, category = _ids(q.get("exclude")) or set(), _int(request, "category", 0)
        items = [p for p in self.store.products.values()
                 if (sku is None or p["sku"] in sku.split(","))
                 and (include is None or p["id"] in include) and p["id"] not in exclude
                 and (not category or any(c["id"] == category for c in p["categories"]))]
        orderby, desc = q.get("orderby", "date"), q.get("order", "desc") == "desc"
        if orderby not in ("date", "id", "include", "title", "slug", "price", "popularity",
                           "rating", "modified"):
            raise _param_error("orderby", "orderby is not one of date, id, include, title, "
                                          "slug, price, popularity, rating.")
        key = {"title": lambda p: (p["name"], p["id"]), "slug": lambda p: (p["slug"], p["id"]),
               "date": lambda p: (p["date_created_gmt"], p["id"]),
               "modified": lambda p: (p["date_modified_gmt"], p["id"])}.get(
            orderby, lambda p: p["id"])
        return self._page(request, sorted(items, key=key, reverse=desc))

    async def product(self, request: Request) -> Response:
        pid = int(request.path_params["id"])
        if request.method == "PUT":
            return JSONResponse(self.store.update_product(pid, await request.json()))
        return JSONResponse(self.store.product(pid))

    async def categories(self, request: Request) -> Response:
        if request.method == "POST":
            return JSONResponse(self.store.create_category(await request.json()),
                                status_code=201)
        q = request.query_params
        include, exclude = _ids(q.get("include")), _ids(q.get("exclude")) or set()
        parent = q.get("parent")
        items = [c for c in self.store.categories.values()
                 if (include is None or c["id"] in include) and c["id"] not in exclude
                 and (parent is None or str(c["parent"]) == parent)
                 and not (q.get("hide_empty") in ("1", "true") and not c["count"])]
        orderby = q.get("orderby", "name")
        if orderby not in ("id", "include", "name", "slug", "term_group", "description",
                           "count"):
            raise _param_error("orderby", "orderby is not one of id, include, name, slug, "
                                          "term_group, description, count.")
        key = {"name": lambda c: (c["name"].lower(), c["id"]),
               "slug": lambda c: (c["slug"], c["id"]), "count": lambda c: (c["count"], c["id"]),
               "description": lambda c: (c["description"], c["id"])}.get(
            orderby, lambda c: c["id"])
        reverse = q.get("order", "asc") == "desc"
        return self._page(request, sorted(items, key=key, reverse=reverse))

    async def customers(self, request: Request) -> Response:
        if request.method == "POST":
            return JSONResponse(self.store.create_customer(await request.json()),
                                status_code=201)
        q = request.query_params
        email, role = q.get("email"), q.get("role", "customer")
        include, exclude = _ids(q.get("include")), _ids(q.get("exclude")) or set()
        items = [c for c in self.store.customers.values()
                 if (email is None or c["email"] == email) and c["id"] not in exclude
                 and (include is None or c["id"] in include)
                 and (role == "all" or c["role"] == role)]
        return self._page(request, sorted(items, key=lambda c: c["id"],
                                          reverse=q.get("order", "asc") == "desc"))

    async def customer(self, request: Request) -> Response:
        customer = self.store.customers.get(int(request.path_params["id"]))
        if customer is None:
            raise WooError(404, "woocommerce_rest_invalid_id", "Invalid resource ID.")
        return JSONResponse(customer)

    # -- settings -----------------------------------------------------------------------

    async def settings_group(self, request: Request) -> Response:
        group = request.path_params["group"]
        if group != "general":
            raise WooError(404, "rest_setting_setting_group_invalid", "Invalid setting group.")
        return JSONResponse(general_settings(self.store))

    async def setting(self, request: Request) -> Response:
        group, ident = request.path_params["group"], request.path_params["id"]
        if request.method == "PUT":
            return JSONResponse(update_setting(self.store, group, ident, await request.json()))
        return JSONResponse(get_setting(self.store, group, ident))

    # -- control ------------------------------------------------------------------------

    async def c_place(self, request: Request) -> Response:
        body = await request.json()
        created = body.pop("created_gmt", None)
        when = _gmt(created) if created else None
        if body.get("currency") is None:
            body["currency"] = self.store.currency
        return JSONResponse(self.place_order(body, when), status_code=201)

    async def c_complete(self, request: Request) -> Response:
        body = await request.json() if await request.body() else {}
        order = self.complete(request.path_params["id"], body.get("tracking_number"),
                              body.get("tracking_provider") or "PostNL")
        return JSONResponse(order)

    async def c_quantity(self, request: Request) -> Response:
        body = await request.json()
        return JSONResponse(self.set_quantity(request.path_params["id"],
                                              request.path_params["line"], body["quantity"]))

    async def c_currency(self, request: Request) -> Response:
        self.set_currency((await request.json())["currency"])
        return JSONResponse({"currency": self.store.currency})

    def _routes(self) -> list[Route]:
        a, c = self._api, self._control
        ctl = "/_sandbox/woocommerce"
        return [
            Route(f"{API}/orders", a(self.list_orders), methods=["GET"]),
            Route(f"{API}/orders", a(self.create_order), methods=["POST"]),
            Route(f"{API}/orders/{{id:int}}", a(self.order), methods=["GET", "PUT", "DELETE"]),
            Route(f"{API}/orders/{{id:int}}/notes", a(self.notes), methods=["GET", "POST"]),
            Route(f"{API}/orders/{{id:int}}/refunds", a(self.refunds.handle),
                  methods=["GET", "POST"]),
            Route(f"{API}/products", a(self.products), methods=["GET", "POST"]),
            Route(f"{API}/products/categories", a(self.categories), methods=["GET", "POST"]),
            Route(f"{API}/products/{{id:int}}", a(self.product), methods=["GET", "PUT"]),
            Route(f"{API}/customers", a(self.customers), methods=["GET", "POST"]),
            Route(f"{API}/customers/{{id:int}}", a(self.customer), methods=["GET"]),
            Route(f"{API}/settings/{{group}}", a(self.settings_group), methods=["GET"]),
            Route(f"{API}/settings/{{group}}/{{id}}", a(self.setting), methods=["GET", "PUT"]),
            Route(f"{TRACKING_API}/orders/{{id:int}}/shipment-trackings", a(self.trackings),
                  methods=["GET", "POST"]),
            Route(f"{ctl}/orders", c(self.c_place), methods=["POST"]),
            Route(f"{ctl}/orders/{{id:int}}/complete", c(self.c_complete), methods=["POST"]),
            Route(f"{ctl}/orders/{{id:int}}/lines/{{line:int}}", c(self.c_quantity),
                  methods=["PUT"]),
            Route(f"{ctl}/currency", c(self.c_currency), methods=["PUT"]),
        ]


