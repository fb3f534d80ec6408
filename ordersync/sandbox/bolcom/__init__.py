"""A twin of the bol.com Retailer API v10 (orders, shipments, cancellations, process status,
offer stock) and of its token endpoint, in one host-agnostic ASGI app.

Platform routes (bearer token required; ``Accept: application/vnd.retailer.v10+json`` or 406;
``Content-Type`` the same on bodies or 415; rate limited per client and endpoint group with
429 + ``Retry-After`` and ``x-ratelimit-limit/remaining/reset`` headers; errors are bol.com
Problem JSON):
- ``POST /token?grant_type=client_credentials`` (HTTP Basic client id/secret) -> bearer token.
- ``GET /retailer/orders?page=&fulfilment-method=FBR|FBB|ALL&status=OPEN|SHIPPED|ALL&
  change-interval-minute=&latest-change-date=&vvb-only=`` -> 50 ReducedOrders a page, oldest
  first; ``{"orders": []}`` past the last page (the schema requires ``orders``); invalid
  values -> 400 Problem with a violation each (see ``ordersync.sandbox.bolcom.listing``).
- ``GET /retailer/orders/{order-id}`` -> Order, 404 Problem when unknown.
- ``POST /retailer/shipments`` -> 202 ProcessStatus (400 Problem with violations for a bad
  body or an unknown orderItemId; shipping more than is open -> process FAILURE).
- ``PUT /retailer/orders/cancellation`` (one item, reasonCode from the spec) -> 202.
- ``GET /shared/process-status/{id}``: PENDING for ``process_delay_polls`` polls, then
  SUCCESS or FAILURE. A pending write is also applied as soon as its order/offer is read, and
  ``process_delay_seconds`` after it was made when that is set (as bol.com settles in time).
- ``PUT /retailer/offers/{offer-id}/stock`` ``{amount, managedByRetailer}`` -> 202 (an
  unknown offer: the process fails, "Offer ... not found.");
  ``GET /retailer/offers/{offer-id}`` -> RetailerOffer with the stock.
- ``POST /retailer/offers/export``, ``GET /retailer/offers/export/{report-id}`` (CSV) and
  ``POST /shared/process-status`` (bulk): see ``ordersync.sandbox.bolcom.offers``.
- ``GET /retailer/returns``, ``GET /retailer/returns/{return-id}``, ``PUT
  /retailer/returns/{rma-id}`` and the buyer's ``POST /_sandbox/bolcom/returns``: see
  ``ordersync.sandbox.bolcom.returns``.
- ``/retailer/subscriptions`` (push subscriptions, signature keys, test push) and their
  delivery when a process settles: see ``ordersync.sandbox.bolcom.push``.

Control routes (no auth), besides the common ``/_sandbox/faults``, ``/_sandbox/rate-limits``,
``/_sandbox/stats`` and ``/_sandbox/reset`` (see ``ordersync.sandbox.common``):
- ``POST /_sandbox/bolcom/orders`` - a buyer places an order. Body ``{orderId?,
  orderPlacedDateTime?, pickupPoint?, shipmentDetails?, billingDetails?, items: [{ean, title,
  quantity, unitPrice, offerReference?, offerId?, orderItemId?, fulfilmentMethod?,
  distributionParty? (BOL = a VVB item)}]}``; missing
  address fields default to a Dutch address. 201 with the Order JSON.
- ``PUT /_sandbox/bolcom/orders/{id}/raw`` - store any JSON as the order (malformed payloads).
- ``POST /_sandbox/bolcom/orders/malformed`` ``{"kind"}`` - a ready-made malformed order (see
  ``ordersync.sandbox.bolcom.malformed``).
- ``POST /_sandbox/bolcom/orders/{id}/cancellation-request`` ``{orderItemIds?}`` - the buyer
  asks to cancel (sets ``cancellationRequest`` on open items). 200 with the Order.
- ``POST /_sandbox/bolcom/orders/{id}/cancel`` ``{orderItemIds?, quantity?}`` - bol.com
  itself cancels open units (all, or of the listed items, at most ``quantity`` each): the
  items' ``quantityCancelled`` grows; a wholly cancelled order leaves the OPEN listing.
- ``GET /_sandbox/bolcom/orders/{id}/shipments`` - confirmed shipments, one row per item:
  ``{shipmentId, orderItemId, quantity, transporterCode, trackAndTrace, shipmentReference,
  shippedAt}``.
- ``POST /_sandbox/bolcom/tokens/revoke`` - invalidate every issued token.
"""

from __future__ import annotations

import base64
import binascii
import math
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ordersync.connectors.bolcom.limits import RATE_LIMITS, group_of
from ordersync.sandbox.bolcom.listing import enum, int32, parse_query
from ordersync.sandbox.bolcom.malformed import MalformedRoutes
from ordersync.sandbox.bolcom.offers import ADVERTISER_MEDIA, OfferRoutes
from ordersync.sandbox.bolcom.push import BolcomPush, PushRoutes
from ordersync.sandbox.bolcom.returns import ReturnBook, ReturnRoutes
from ordersync.sandbox.bolcom.state import BolcomState, public_order
from ordersync.sandbox.common import ServerBucket, TwinControls, _template, build_app

MEDIA = "application/vnd.retailer.v10+json"
PAGE_SIZE = 50
URI_PATH_SAFE = "/:@!$&'()*+,;=-._~"  # RFC 3986 pchar; everything else percent-encoded
TRANSPORTERS = frozenset({
    "TNT", "DHL", "DHL_DE", "DHLFORYOU", "DPD-NL", "DPD-BE", "GLS", "UPS", "FEDEX_NL",
    "FEDEX_BE", "BPOST_BE", "BPOST_BRIEF", "BRIEFPOST", "TNT-EXPRESS", "DHL-GLOBAL-MAIL",
    "PARCEL-NL", "BUDBEE", "TRUNKRS", "OTHER", "TNT_BRIEF", "TNT-EXTRA", "DPD-NL-BRIEF",
})
REASON_CODES = frozenset({
    "OUT_OF_STOCK", "REQUESTED_BY_CUSTOMER", "BAD_CONDITION", "HIGHER_SHIPCOST",
    "INCORRECT_PRICE", "NOT_AVAIL_IN_TIME", "NO_BOL_GUARANTEE", "ORDERED_TWICE", "RETAIN_ITEM",
    "TECH_ISSUE", "UNFINDABLE_ITEM", "OTHER",
})
EVENT_TYPES = (  # shared.json, GET /shared/process-status event-type
    "CREATE_SHIPMENT", "CANCEL_ORDER", "CHANGE_TRANSPORT", "HANDLE_RETURN_ITEM",
    "CREATE_RETURN_ITEM", "CREATE_INBOUND", "DELETE_OFFER", "CREATE_OFFER", "UPDATE_OFFER",
    "UPDATE_OFFER_STOCK", "UPDATE_OFFER_PRICE", "CREATE_OFFER_EXPORT",
    "UNPUBLISHED_OFFER_REPORT", "CREATE_PRODUCT_CONTENT", "CREATE_SUBSCRIPTION",
    "UPDATE_SUBSCRIPTION", "DELETE_SUBSCRIPTION", "SEND_SUBSCRIPTION_TST_MSG",
    "CREATE_SHIPPING_LABEL", "CREATE_REPLENISHMENT", "UPDATE_REPLENISHMENT",
    "REQUEST_PRODUCT_DESTINATIONS", "CREATE_SOV_SEARCH_TERM_REPORT",
    "CREATE_SOV_CATEGORY_REPORT", "UPLOAD_INVOICE", "CREATE_CAMPAIGN_PERFORMANCE_REPORT",
)
TITLES = {
    400: "Error validating request. Consult the bol.com API documentation for more information.",
    401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
    406: "Not Acceptable",
    415: "Unsupported Media Type", 429: "Too Many Requests", 500: "Internal Server Error",
    502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
}


def problem(status: int, detail: str = "", path: str = "",
            violations: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """bol.com's Problem JSON; ``instance`` is a URI (the path percent-encoded)."""
    return {
        "type": "https://api.bol.com/problems",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail or TITLES.get(status, "Error"),
        "host": "Instance-001",
        "instance": "https://api.bol.com" + quote(path, safe=URI_PATH_SAFE),
        "violations": violations or [],
    }


class _Reject(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


class BolcomTwin(OfferRoutes, MalformedRoutes, ReturnRoutes, PushRoutes):
    """In-memory bol.com: ``.app`` (ASGI), ``.controls``, and helpers for tests."""

    def __init__(
        self,
        *,
        clients: dict[str, str] | None = None,
        rate_limits: bool = True,
        token_ttl: int = 299,
        process_delay_polls: int = 1,
        process_delay_seconds: float | None = None,
        push_retry_window: float = 2.0,
        clock: Callable[[], float] = time.time,
        rates: dict[str, tuple[int, float]] | None = None,
    ) -> None:
        self.clients = dict(clients or {"sandbox-client": "sandbox-secret"})
        self.token_ttl = token_ttl
        self.process_delay_polls = process_delay_polls
        self.process_delay_seconds = process_delay_seconds
        self.push = BolcomPush(self.now, retry_window=push_retry_window)
        self.clock = clock
        self.rates = {**RATE_LIMITS, **(rates or {})}  # group -> (requests, per seconds)
        self.controls = TwinControls(rate_limits=rate_limits)
        self.tokens: dict[str, tuple[str, float]] = {}  # token -> (client id, expires at)
        self.tokens_issued = 0
        self._buckets: dict[tuple[str, str], ServerBucket] = {}
        self.state = self._new_state()
        self.exports: dict[str, str] = {}  # offer export files (see .offers)
        self.rmas = ReturnBook()  # buyers' returns (see .returns)
        self.app = build_app(self._routes(), self.controls, self._reset, self._error_body,
                             no_route=_no_route, media_type=MEDIA)

    # -- Python-side helpers ----------------------------------------------------------

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def place_order(self, items: list[dict[str, Any]] | None = None, **fields: Any) -> str:
        """A buyer places an order (fields as in ``POST /_sandbox/bolcom/orders``); its id."""
        spec = {**fields, "items": items or [{"ean": "8712345678906", "title": "Sandbox mug",
                                              "quantity": 1, "unitPrice": 12.99}]}
        return self.state.place_order(spec)["orderId"]

    def put_order(self, order: dict[str, Any]) -> str:
        """Store any order JSON as is (e.g. malformed); its id."""
        return str(self.state.put_order(order).get("orderId"))

    def stored_order(self, order_id: str) -> dict[str, Any]:
        """The live stored order JSON (mutate it to simulate odd payloads)."""
        return self.state.orders[order_id]

    def request_cancellation(self, order_id: str, item_ids: list[str] | None = None) -> None:
        self.state.request_cancellation(order_id, item_ids)

    def cancel_by_bol(self, order_id: str, item_ids: list[str] | None = None,
                      quantity: int | None = None) -> None:
        self.state.cancel_by_bol(order_id, item_ids, quantity)

    def cancellation_reasons(self, order_id: str) -> dict[str, str]:
        """{orderItemId: reasonCode} of the order's cancelled items (CANCELLED_BY_BOL when
        bol.com cancelled them itself)."""
        return self.state.cancellation_reasons(order_id)

    def shipments_of(self, order_id: str) -> list[dict[str, Any]]:
        """Shipments confirmed for the order, one row per item (see the module docstring)."""
        with self.state.lock:
            self.state.settle(f"order:{order_id}")
            return [dict(row) for row in self.state.shipments.get(order_id, [])]

    def stock_of(self, offer_id: str) -> int:
        offer = self.state.offer(offer_id)
        if offer is None:
            raise KeyError(offer_id)
        return offer["stock"]["amount"]

    def revoke_tokens(self) -> None:
        self.tokens.clear()

    def reset(self) -> None:
        """Forget orders, tokens, buckets, faults and counters."""
        self._reset()
        self.controls.clear()

    def _new_state(self) -> BolcomState:
        return BolcomState(now=self.now, process_delay_polls=self.process_delay_polls,
                           process_delay_seconds=self.process_delay_seconds,
                           listeners=[self.push.on_settled])

    def _reset(self) -> None:
        self.state = self._new_state()
        self.push.clear()
        self.exports.clear()
        self.rmas = ReturnBook()
        self.tokens.clear()
        self.tokens_issued = 0
        self._buckets.clear()

    # -- request checks ---------------------------------------------------------------

    def _error_body(self, status: int) -> dict[str, Any]:
        return problem(status)

    def _problem(self, request: Request, status: int, detail: str = "",
                 violations: list[dict[str, str]] | None = None,
                 headers: dict[str, str] | None = None, media: str = MEDIA) -> Response:
        body = problem(status, detail, request.url.path, violations)
        return JSONResponse(body, status_code=status, headers=headers, media_type=media)

    def _guard(self, request: Request, *, body: bool = False,
               accept: tuple[str, ...] = (MEDIA,)) -> tuple[str, dict[str, str]]:
        """Check token, media types (a body's Content-Type one of ``accept``'s JSON types)
        and the rate limit; (client id, rate-limit headers)."""
        auth = request.headers.get("authorization", "")
        token = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
        entry = self.tokens.get(token)
        if entry is None or entry[1] <= self.clock():
            raise _Reject(self._problem(
                request, 401, "Bearer token missing, invalid or expired.",
                headers={"WWW-Authenticate": 'Bearer realm="api.bol.com"'}))
        offered = request.headers.get("accept", "")
        if not any(media in offered for media in accept):
            raise _Reject(self._problem(
                request, 406, f"Accept must be {accept[0]}.", media="application/problem+json"))
        content = request.headers.get("content-type", "")
        if body and not any(media in content for media in accept if media.endswith("json")):
            raise _Reject(self._problem(request, 415, f"Content-Type must be {accept[0]}."))
        return entry[0], self._take(request, entry[0])

    def _take(self, request: Request, client: str) -> dict[str, str]:
        group = group_of(request.method, request.url.path)
        count, seconds = self.rates.get(group, (25, 60.0))
        bucket = self._buckets.get((client, group))
        if bucket is None:
            bucket = self._buckets[(client, group)] = ServerBucket(count / seconds, count,
                                                                   self.clock)
        if not self.controls.rate_limits:
            return {}
        wait = bucket.take()
        headers = {
            "x-ratelimit-limit": str(count),
            "x-ratelimit-remaining": str(max(0, int(bucket.burst - bucket.used))),
            "x-ratelimit-reset": str(math.ceil((bucket.burst - bucket.tokens) / bucket.rate)),
        }
        if wait:
            self.controls.throttled[_template(request.scope)] += 1
            headers["Retry-After"] = str(max(1, math.ceil(wait)))
            raise _Reject(self._problem(
                request, 429, "Too many requests, retry later.", headers=headers))
        return headers

    async def _json_body(self, request: Request) -> Any:
        try:
            return await request.json()
        except ValueError:
            raise _Reject(self._problem(request, 400, "Request body is not valid JSON.",
                                        [{"name": "body", "reason": "invalid JSON"}])) from None

    # -- routes -----------------------------------------------------------------------

    def _routes(self) -> list[Route]:
        def endpoint(handler):
            async def run(request: Request) -> Response:
                try:
                    return await handler(request)
                except _Reject as reject:
                    return reject.response
            return run

        table = [
            ("/token", self._token, ["POST"]),
            ("/retailer/orders", self._list_orders, ["GET"]),
            ("/retailer/orders/cancellation", self._cancel, ["PUT"]),
            ("/retailer/orders/{order_id}", self._get_order, ["GET"]),
            ("/retailer/shipments", self._ship, ["POST"]),
            ("/shared/process-status", self._process_statuses, ["GET"]),
            ("/shared/process-status/{process_id}", self._process_status, ["GET"]),
            ("/retailer/offers/{offer_id}/stock", self._stock, ["PUT"]),
            ("/retailer/offers/{offer_id}", self._get_offer, ["GET"]),
            ("/_sandbox/bolcom/orders", self._ctl_place, ["POST"]),
            *self.malformed_routes(),
            ("/_sandbox/bolcom/orders/{order_id}/raw", self._ctl_raw, ["PUT"]),
            ("/_sandbox/bolcom/orders/{order_id}/cancellation-request", self._ctl_cancel_request,
             ["POST"]),
            ("/_sandbox/bolcom/orders/{order_id}/cancel", self._ctl_cancel_by_bol, ["POST"]),
            ("/_sandbox/bolcom/orders/{order_id}/shipments", self._ctl_shipments, ["GET"]),
            ("/_sandbox/bolcom/tokens/revoke", self._ctl_revoke, ["POST"]),
        ] + self.offer_routes() + self.return_routes() + self.push_routes()
        return [Route(path, endpoint(fn), methods=methods) for path, fn, methods in table]

    def _ok(self, body: Any, headers: dict[str, str], status: int = 200) -> Response:
        return JSONResponse(body, status_code=status, headers=headers, media_type=MEDIA)

    async def _token(self, request: Request) -> Response:
        if request.query_params.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type",
                                 "error_description": "grant_type must be client_credentials"},
                                status_code=400)
        client, secret = _basic(request.headers.get("authorization", ""))
        if client is None or not secrets.compare_digest(
            self.clients.get(client, "\0"), secret or ""
        ):
            return JSONResponse({"error": "invalid_client",
                                 "error_description": "Bad client credentials"},
                                status_code=401, headers={"WWW-Authenticate": "Basic"})
        token = secrets.token_urlsafe(32)
        self.tokens[token] = (client, self.clock() + self.token_ttl)
        self.tokens_issued += 1
        return JSONResponse({"access_token": token, "token_type": "Bearer",
                             "expires_in": self.token_ttl, "scope": "RETAILER"})

    async def _list_orders(self, request: Request) -> Response:
        _, headers = self._guard(request)
        query = parse_query(request.query_params, self.now())
        if isinstance(query, list):
            return self._problem(request, 400, "Bad request", query, headers)
        orders = self.state.listing(query)
        start = (query.page - 1) * PAGE_SIZE
        return self._ok({"orders": orders[start:start + PAGE_SIZE]}, headers)

    async def _get_order(self, request: Request) -> Response:
        _, headers = self._guard(request)
        order_id = request.path_params["order_id"]
        order = self.state.order(order_id)
        if order is None:
            return self._problem(request, 404, f"Order {order_id} not found.", headers=headers)
        return self._ok(public_order(order), headers)

    async def _ship(self, request: Request) -> Response:
        _, headers = self._guard(request, body=True)
        body = await self._json_body(request)
        with self.state.lock:
            violations = self._shipment_violations(body)
            if violations:
                return self._problem(request, 400, "Bad request", violations, headers)
            process = self.state.ship(body["orderItems"], body.get("transport"),
                                      body.get("shipmentReference"))
            return self._ok(process.json(), headers, 202)

    def _shipment_violations(self, body: Any) -> list[dict[str, str]]:
        if not isinstance(body, dict):
            return [{"name": "body", "reason": "must be an object"}]
        out = []
        items = body.get("orderItems")
        if not isinstance(items, list) or not 1 <= len(items) <= 100:
            out.append({"name": "orderItems", "reason": "must hold 1 to 100 order items"})
            items = []
        for i, item in enumerate(items):
            name = f"orderItems[{i}]"
            item_id = item.get("orderItemId") if isinstance(item, dict) else None
            if not isinstance(item_id, str) or not item_id:
                out.append({"name": f"{name}.orderItemId", "reason": "must not be empty"})
            elif self.state.item_owner(item_id) is None:
                out.append({"name": f"{name}.orderItemId",
                            "reason": f"Order item {item_id} does not exist."})
            quantity = item.get("quantity") if isinstance(item, dict) else None
            if quantity is not None and (
                isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1
            ):
                out.append({"name": f"{name}.quantity", "reason": "must be at least 1"})
        transport = body.get("transport")
        if transport is not None:
            code = transport.get("transporterCode") if isinstance(transport, dict) else None
            if code not in TRANSPORTERS:
                out.append({"name": "transport.transporterCode",
                            "reason": f"Request contains invalid value(s): '{code}'."})
            tracking = transport.get("trackAndTrace") if isinstance(transport, dict) else None
            if tracking is not None and (not isinstance(tracking, str) or not tracking):
                out.append({"name": "transport.trackAndTrace", "reason": "must not be empty"})
        reference = body.get("shipmentReference")
        if reference is not None and (not isinstance(reference, str)
                                      or not 0 < len(reference) <= 90):
            out.append({"name": "shipmentReference", "reason": "1 to 90 characters, or null"})
        return out

    async def _cancel(self, request: Request) -> Response:
        _, headers = self._guard(request, body=True)
        body = await self._json_body(request)
        with self.state.lock:
            items = body.get("orderItems") if isinstance(body, dict) else None
            if not isinstance(items, list) or len(items) != 1 or not isinstance(items[0], dict):
                return self._problem(request, 400, "Bad request", [
                    {"name": "orderItems", "reason": "must hold exactly 1 order item"}], headers)
            item_id, reason = items[0].get("orderItemId"), items[0].get("reasonCode")
            violations = []
            if not isinstance(item_id, str) or self.state.item_owner(item_id) is None:
                violations.append({"name": "orderItems[0].orderItemId",
                                   "reason": f"Order item {item_id} does not exist."})
            if reason not in REASON_CODES:
                violations.append({"name": "orderItems[0].reasonCode", "reason": (
                    f"Request contains invalid value(s): '{reason}', allowed values: "
                    + ", ".join(sorted(REASON_CODES)) + ".")})
            if violations:
                return self._problem(request, 400, "Bad request", violations, headers)
            return self._ok(self.state.cancel(item_id, reason).json(), headers, 202)

    async def _process_statuses(self, request: Request) -> Response:
        """GET /shared/process-status?entity-id=&event-type=&page=: newest first, 50 a page."""
        _, headers = self._guard(request, accept=(MEDIA, ADVERTISER_MEDIA))
        query = request.query_params
        violations: list[dict[str, str]] = []
        entity = query.get("entity-id")
        if not entity:
            violations.append({"name": "entity-id", "reason": "must not be empty"})
        event = enum(query, "event-type", EVENT_TYPES, "", violations)
        page = int32(query, "page", violations)
        page = 1 if page is None else page
        if page < 1:
            violations.append({"name": "page", "reason": "Must be an integer of at least 1."})
        if violations:
            return self._problem(request, 400, "Bad request", violations, headers)
        with self.state.lock:
            found = [p for p in self.state.processes.values()
                     if p.entity_id == entity and p.event_type == event]
            found.reverse()
            rows = [p.json() for p in found[(page - 1) * 50: page * 50]]
        return self._ok({"processStatuses": rows}, headers)

    async def _process_status(self, request: Request) -> Response:
        _, headers = self._guard(request, accept=(MEDIA, ADVERTISER_MEDIA))
        process_id = request.path_params["process_id"]
        process = self.state.poll(process_id)
        if process is None:
            return self._problem(request, 404, f"Process status {process_id} not found.",
                                 headers=headers)
        return self._ok(process.json(), headers)

    async def _stock(self, request: Request) -> Response:
        _, headers = self._guard(request, body=True)
        body = await self._json_body(request)
        offer_id = request.path_params["offer_id"]
        amount = body.get("amount") if isinstance(body, dict) else None
        managed = body.get("managedByRetailer") if isinstance(body, dict) else None
        violations = []
        if isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount <= 999:
            violations.append({"name": "amount", "reason": "must be an integer from 0 to 999"})
        if not isinstance(managed, bool):
            violations.append({"name": "managedByRetailer", "reason": "must be a boolean"})
        if violations:
            return self._problem(request, 400, "Bad request", violations, headers)
        # an unknown offer is not refused here: its process fails (retailer.json: 202 or 400)
        return self._ok(self.state.update_stock(offer_id, amount, managed).json(), headers, 202)

    async def _get_offer(self, request: Request) -> Response:
        _, headers = self._guard(request)
        offer_id = request.path_params["offer_id"]
        offer = self.state.offer(offer_id)
        if offer is None:
            return self._problem(request, 404, f"Offer {offer_id} not found.", headers=headers)
        return self._ok(offer, headers)

    # -- control routes ---------------------------------------------------------------

    async def _ctl_place(self, request: Request) -> Response:
        try:
            order = self.state.place_order(await request.json())
        except (ValueError, TypeError, AttributeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse(public_order(order), status_code=201)

    async def _ctl_raw(self, request: Request) -> Response:
        body = await request.json()
        if not isinstance(body, dict):
            return JSONResponse({"error": "an object is required"}, status_code=400)
        body.setdefault("orderId", request.path_params["order_id"])
        self.state.put_order(body)
        return JSONResponse(body)

    async def _ctl_cancel_request(self, request: Request) -> Response:
        order_id = request.path_params["order_id"]
        if order_id not in self.state.orders:
            return JSONResponse({"error": f"order {order_id} not found"}, status_code=404)
        raw = await request.body()
        item_ids = (await request.json()).get("orderItemIds") if raw.strip() else None
        return JSONResponse(public_order(self.state.request_cancellation(order_id, item_ids)))

    async def _ctl_cancel_by_bol(self, request: Request) -> Response:
        order_id = request.path_params["order_id"]
        if order_id not in self.state.orders:
            return JSONResponse({"error": f"order {order_id} not found"}, status_code=404)
        raw = await request.body()
        body = (await request.json()) if raw.strip() else {}
        order = self.state.cancel_by_bol(order_id, body.get("orderItemIds"), body.get("quantity"))
        return JSONResponse(public_order(order))

    async def _ctl_shipments(self, request: Request) -> Response:
        order_id = request.path_params["order_id"]
        if order_id not in self.state.orders:
            return JSONResponse({"error": f"order {order_id} not found"}, status_code=404)
        return JSONResponse({"orderId": order_id, "shipments": self.shipments_of(order_id)})

    async def _ctl_revoke(self, request: Request) -> Response:
        self.revoke_tokens()
        return Response(status_code=204)


def _no_route(status: int, path: str) -> tuple[int, dict[str, Any]]:
    """Unknown path (404) or method (405): a Problem like any other bol.com error."""
    return status, problem(status, "", path)


def _basic(header: str) -> tuple[str | None, str | None]:
    if header[:6].lower() != "basic ":
        return None, None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    client, sep, secret = decoded.partition(":")
    return (client, secret) if sep else (None, None)


__all__ = ["BolcomTwin", "problem"]
