"""A twin of the Amazon Selling Partner API (Orders v0, Feeds 2021-06-30, Listings Items
2021-08-01) and of Login with Amazon, in one host-agnostic ASGI app.

Platform routes (``x-amz-access-token`` required, else 403 ``Unauthorized``; rate limited per
client and operation with the rates of ``ordersync.connectors.amazon.limits``: every answer
carries ``x-amzn-RateLimit-Limit``, above the burst 429 ``QuotaExceeded``; errors are
``{"errors": [{"code", "message", "details"}]}``):
- ``POST /auth/o2/token`` (form grant_type=refresh_token, refresh_token, client_id,
  client_secret) -> ``{access_token, refresh_token, token_type, expires_in: 3600}``.
- ``GET /orders/v0/orders`` (MarketplaceIds; CreatedAfter or LastUpdatedAfter, or
  AmazonOrderIds; OrderStatuses, FulfillmentChannels, MaxResultsPerPage <= 100; NextToken) ->
  ``{"payload": {"Orders": [...], "NextToken"?}}``, oldest first. A NextToken keeps its
  query's page size, is reusable, and is 400 InvalidInput when unknown or older than
  ``page_token_ttl`` (see ``ordersync.sandbox.amazon.paging``).
- ``GET /orders/v0/orders/{id}`` -> ``{"payload": Order}``;
  ``GET /orders/v0/orders/{id}/orderItems[?NextToken=]`` -> ``{"payload": {AmazonOrderId,
  OrderItems, NextToken?}}`` (``items_page_size`` items a page). Pending orders have no
  ShippingAddress, OrderTotal or ItemPrice and a placeholder BuyerEmail. No Restricted Data
  Token is required (the real API needs one for the address).
- ``POST /orders/v0/orders/{id}/shipmentConfirmation`` -> 204; 400 InvalidInput for a bad
  body, unknown items, over-shipping, carrier "Other" without carrierName, or an order that
  is not Unshipped/PartiallyShipped.
- ``GET|PATCH /listings/2021-08-01/items/{sellerId}/{sku}?marketplaceIds=`` -> listing /
  ListingsItemSubmissionResponse (PATCH of ``/attributes/fulfillment_availability`` sets the
  quantity; an unknown SKU is created).
- ``POST /feeds/2021-06-30/documents`` -> 201 ``{feedDocumentId, url}``, url =
  ``{host}/_feed-documents/{id}`` (``PUT`` the content there, no token, like S3);
  ``POST /feeds/2021-06-30/feeds`` -> 202 ``{feedId}``; ``GET /feeds/2021-06-30/feeds/{id}``
  -> Feed: IN_QUEUE, IN_PROGRESS for the first ``feed_delay_polls`` polls, then DONE with the
  quantities applied (FATAL when the document is unreadable) and a ``resultFeedDocumentId``:
  the processing report ``{header, issues: [{messageId, code, severity, message}], summary:
  {errors, warnings, messagesProcessed, messagesAccepted, messagesInvalid}}`` (an ERROR issue
  per invalid message, or per SKU in ``state.refused_skus``);
  ``GET /feeds/2021-06-30/feeds?feedTypes=&createdSince=&pageSize=`` (getFeeds, newest first,
  nextToken); ``GET /feeds/2021-06-30/documents/{id}`` (getFeedDocument) -> ``{feedDocumentId,
  url}``, ``GET`` that url downloads it.
- ``POST_ORDER_FULFILLMENT_DATA`` feeds (XML) confirm shipments without a tracking number:
  see ``ordersync.sandbox.amazon.fulfillment`` (processing, XML report, the confirmations
  ledger and ``GET /_sandbox/amazon/confirmations``).

Control routes (no auth), besides the common ``/_sandbox/faults``, ``/_sandbox/rate-limits``,
``/_sandbox/stats`` and ``/_sandbox/reset`` (see ``ordersync.sandbox.common``):
- ``POST /_sandbox/amazon/orders`` - a buyer orders. Body ``{pending?: bool, AmazonOrderId?,
  PurchaseDate?, currency?, email?, address?: {Name, AddressLine1, City, PostalCode,
  CountryCode, ...}, items?: [{sku, asin, title, quantity, unitPrice, orderItemId?}]}``;
  ``pending: true`` = status Pending (no address, prices or real e-mail yet). 201 with the
  Order JSON. Listed SKUs lose the ordered quantity.
- ``POST /_sandbox/amazon/orders/{id}/pay`` - Pending -> Unshipped (address, prices appear).
- ``POST /_sandbox/amazon/orders/{id}/fraud-cancel`` - Pending -> Canceled (quantity back).
- ``POST /_sandbox/amazon/orders/{id}/buyer-cancel`` - the buyer cancels an Unshipped order
  before the seller shipped: Canceled (quantity back), LastUpdateDate moves.
- ``POST /_sandbox/amazon/orders/{id}/cancellation-request`` ``{orderItemIds?}`` - the buyer
  asks the seller to cancel: ``BuyerRequestedCancel`` on the items; the order stays Unshipped.
- ``GET /_sandbox/amazon/orders/{id}/shipments`` - confirmed packages, one row per item.
- ``GET /_sandbox/amazon/listings/{sku}`` - ``{sku, quantity, productType}``;
  ``PUT`` the same path ``{quantity}`` creates/sets a listing.
- ``PUT /_sandbox/amazon/orders/{id}/raw``, ``POST /_sandbox/amazon/orders/malformed``:
  malformed orders served as planted (see ``ordersync.sandbox.amazon.malformed``).
Python helpers: ``place_order``, ``pay``, ``fraud_cancel``, ``shipments_of``, ``quantity_of``,
``add_listing``, ``put_raw_order``, ``plant_malformed``, ``revoke_tokens``, ``reset``,
``confirmations_of``, ``process_feeds``.
"""

from __future__ import annotations

import math
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from starlette.convertors import StringConvertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ordersync.connectors.amazon.limits import RATE_LIMITS, operation_of
from ordersync.sandbox.amazon.errors import Reject as _Reject
from ordersync.sandbox.amazon.errors import errors, no_route
from ordersync.sandbox.amazon.errors import fail as _fail
from ordersync.sandbox.amazon.fulfillment import FulfillmentControls
from ordersync.sandbox.amazon.malformed import MalformedRoutes
from ordersync.sandbox.amazon.paging import UNDECODABLE, Page, PageTokens
from ordersync.sandbox.amazon.state import AmazonState, OrderRecord
from ordersync.sandbox.amazon.stock import StockRoutes
from ordersync.sandbox.common import ServerBucket, TwinControls, _template, build_app


class SkuConvertor(StringConvertor):
    """A seller SKU in a path: any characters, ``/`` and line breaks included (Starlette's
    ``path`` convertor stops at a line break, which made such a SKU an unknown route)."""

    regex = r"[\s\S]+"


register_url_convertor("sku", SkuConvertor())

SELLER_ID = "A1SANDBOXSELLER"
MARKETPLACE_ID = "A1805IZSGTT6HS"
TOKEN_TTL = 3600
OPEN_FOR_SHIPPING = ("Unshipped", "PartiallyShipped")


class AmazonTwin(StockRoutes, FulfillmentControls, MalformedRoutes):
    """In-memory Amazon: ``.app`` (ASGI), ``.controls``, and helpers for tests."""

    def __init__(
        self,
        *,
        clients: dict[str, tuple[str, str]] | None = None,
        seller_id: str = SELLER_ID,
        marketplace_id: str = MARKETPLACE_ID,
        rate_limits: bool = True,
        token_ttl: int = TOKEN_TTL,
        items_page_size: int = 100,
        feed_delay_polls: int = 2,
        page_token_ttl: float | None = None,
        clock: Callable[[], float] = time.time,
        rates: dict[str, tuple[float, int]] | None = None,
    ) -> None:
        # client id -> (client secret, refresh token)
        self.clients = dict(clients or {"sandbox-client": ("sandbox-secret", "Atzr|sandbox")})
        self.seller_id, self.marketplace_id = seller_id, marketplace_id
        self.token_ttl = token_ttl
        self.items_page_size = items_page_size
        self.feed_delay_polls = feed_delay_polls
        self.clock = clock
        self.rates = {**RATE_LIMITS, **(rates or {})}
        self.controls = TwinControls(rate_limits=rate_limits)
        self.tokens: dict[str, tuple[str, float]] = {}  # token -> (client id, expires at)
        self.tokens_issued = 0
        self._buckets: dict[tuple[str, str], ServerBucket] = {}
        self.state = self._new_state()
        self.order_pages = PageTokens(clock, page_token_ttl)  # getOrders/getOrderItems
        self.app = build_app(self._routes(), self.controls, self._reset,
                             lambda status: errors(status), no_route=no_route)

    # -- Python-side helpers ----------------------------------------------------------

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def place_order(self, items: list[dict[str, Any]] | None = None, *, pending: bool = False,
                    **fields: Any) -> str:
        """A buyer orders (fields as in ``POST /_sandbox/amazon/orders``); its AmazonOrderId."""
        with self.state.lock:
            spec = {**fields, "pending": pending, "items": items or [{}]}
            return self.state.place_order(spec).order_id

    def pay(self, order_id: str) -> None:
        with self.state.lock:
            self.state.pay(order_id)

    def fraud_cancel(self, order_id: str) -> None:
        with self.state.lock:
            self.state.fraud_cancel(order_id)

    def buyer_cancel(self, order_id: str) -> None:
        with self.state.lock:
            self.state.buyer_cancel(order_id)

    def request_cancellation(self, order_id: str, item_ids: list[str] | None = None) -> None:
        with self.state.lock:
            self.state.request_cancellation(order_id, item_ids)

    def status_of(self, order_id: str) -> str:
        return self.state.orders[order_id].status

    def shipments_of(self, order_id: str) -> list[dict[str, Any]]:
        with self.state.lock:
            return [dict(row) for row in self.state.orders[order_id].shipments]

    def add_listing(self, sku: str, quantity: int, product_type: str = "PRODUCT") -> None:
        with self.state.lock:
            self.state.set_quantity(sku, quantity, product_type)

    def quantity_of(self, sku: str) -> int:
        return self.state.listings[sku]["quantity"]

    def revoke_tokens(self) -> None:
        self.tokens.clear()

    def reset(self) -> None:
        """Forget orders, listings, feeds, tokens, buckets, faults and counters."""
        self._reset()
        self.controls.clear()

    def _new_state(self) -> AmazonState:
        return AmazonState(now=self.now, seller_id=self.seller_id,
                           marketplace_id=self.marketplace_id,
                           feed_delay_polls=self.feed_delay_polls)

    def _reset(self) -> None:
        self.state = self._new_state()
        self.order_pages.clear()
        self.tokens.clear()
        self.tokens_issued = 0
        self._buckets.clear()

    # -- request checks ---------------------------------------------------------------

    def _guard(self, request: Request) -> dict[str, str]:
        """Check the access token and the operation's rate; the rate-limit headers."""
        entry = self.tokens.get(request.headers.get("x-amz-access-token", ""))
        if entry is None:
            raise _fail(403, "Access to requested resource is denied.",
                        "The access token is missing or invalid.")
        if entry[1] <= self.clock():
            raise _fail(403, "Access to requested resource is denied.",
                        "The access token you provided has expired.")
        return self._take(request, entry[0])

    def _take(self, request: Request, client: str) -> dict[str, str]:
        op = operation_of(request.method, request.url.path) or "other"
        rate, burst = self.rates.get(op, (1.0, 10))
        if not self.controls.rate_limits:
            return {}
        bucket = self._buckets.get((client, op))
        if bucket is None:
            bucket = self._buckets[(client, op)] = ServerBucket(rate, burst, self.clock)
        headers = {"x-amzn-RateLimit-Limit": f"{rate:g}"}
        wait = bucket.take()
        if wait:
            self.controls.throttled[_template(request.scope)] += 1
            raise _fail(429, "You exceeded your quota for the requested resource.",
                        headers={**headers, "Retry-After": str(max(1, math.ceil(wait)))})
        return headers

    async def _json(self, request: Request) -> Any:
        try:
            return await request.json()
        except ValueError:
            raise _fail(400, "Request body is not valid JSON.") from None

    def _order(self, request: Request) -> OrderRecord:
        order_id = request.path_params["order_id"]
        record = self.state.orders.get(order_id)
        if record is None:
            raise _fail(404, f"Order {order_id} not found.")
        return record

    # -- routes -----------------------------------------------------------------------

    def _routes(self) -> list[Route]:
        def endpoint(handler):
            async def run(request: Request) -> Response:
                try:
                    return await handler(request)
                except _Reject as reject:
                    return reject.response
            return run

        orders = "/orders/v0/orders"
        table = [
            ("/auth/o2/token", self._token, ["POST"]),
            (orders, self._get_orders, ["GET"]),
            (orders + "/{order_id}", self._get_order, ["GET"]),
            (orders + "/{order_id}/orderItems", self._get_items, ["GET"]),
            (orders + "/{order_id}/shipmentConfirmation", self._confirm, ["POST"]),
            ("/listings/2021-08-01/items/{seller_id}/{sku:sku}", self._listing,
             ["GET", "PATCH"]),
            ("/feeds/2021-06-30/documents", self._create_document, ["POST"]),
            ("/_feed-documents/{doc_id}", self._upload, ["PUT"]),
            ("/feeds/2021-06-30/feeds", self._create_feed, ["POST"]),
            ("/feeds/2021-06-30/feeds", self._get_feeds, ["GET"]),
            ("/feeds/2021-06-30/documents/{doc_id}", self._get_document, ["GET"]),
            ("/_feed-documents/{doc_id}", self._download, ["GET"]),
            ("/feeds/2021-06-30/feeds/{feed_id}", self._get_feed, ["GET"]),
            ("/_sandbox/amazon/orders", self._ctl_place, ["POST"]),
            ("/_sandbox/amazon/orders/{order_id}/pay", self._ctl_pay, ["POST"]),
            ("/_sandbox/amazon/orders/{order_id}/fraud-cancel", self._ctl_cancel, ["POST"]),
            ("/_sandbox/amazon/orders/{order_id}/buyer-cancel", self._ctl_buyer_cancel,
             ["POST"]),
            ("/_sandbox/amazon/orders/{order_id}/cancellation-request",
             self._ctl_cancel_request, ["POST"]),
            ("/_sandbox/amazon/orders/{order_id}/shipments", self._ctl_shipments, ["GET"]),
            ("/_sandbox/amazon/listings/{sku:path}", self._ctl_listing, ["GET", "PUT"]),
        ] + self.malformed_routes()
        table.extend(self._fulfillment_routes())
        return [Route(path, endpoint(fn), methods=methods) for path, fn, methods in table]

    async def _token(self, request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        if form.get("grant_type") != "refresh_token":
            return JSONResponse({"error": "unsupported_grant_type",
                                 "error_description": "grant_type must be refresh_token"},
                                status_code=400)
        client = str(form.get("client_id") or "")
        secret, refresh = self.clients.get(client, ("\0", "\0"))
        if not secrets.compare_digest(secret, str(form.get("client_secret") or "")):
            return JSONResponse({"error": "invalid_client",
                                 "error_description": "Client authentication failed"},
                                status_code=401)
        if not secrets.compare_digest(refresh, str(form.get("refresh_token") or "")):
            return JSONResponse({"error": "invalid_grant",
                                 "error_description": "The request has an invalid grant"},
                                status_code=400)
        token = "Atza|" + secrets.token_urlsafe(32)
        self.tokens[token] = (client, self.clock() + self.token_ttl)
        self.tokens_issued += 1
        return JSONResponse({"access_token": token, "refresh_token": refresh,
                             "token_type": "bearer", "expires_in": self.token_ttl})

    async def _get_orders(self, request: Request) -> Response:
        headers = self._guard(request)
        query = request.query_params
        if self.marketplace_id not in (query.get("MarketplaceIds") or "").split(","):
            raise _fail(400, "Invalid Input", "MarketplaceIds missing or unknown.",
                        headers=headers)
        with self.state.lock:
            token = query.get("NextToken")
            if token:  # overrides the other criteria, not a page size sent along
                page = self._page(token, headers)
                ids, offset = list(page.ids), page.offset
                size = (self._page_size(query, headers) if "MaxResultsPerPage" in query
                        else page.size)
            else:
                ids, size = self._select(query, headers), self._page_size(query, headers)
                offset = 0
            orders = [self.state.orders[i].public() for i in ids[offset:offset + size]]
            payload: dict[str, Any] = {"Orders": orders}
            if offset + size < len(ids):
                payload["NextToken"] = self.order_pages.issue(ids, offset + size, size)
        return JSONResponse({"payload": payload}, headers=headers)

    def _page(self, token: str, headers: dict[str, str], order_id: str | None = None) -> Page:
        """The page a NextToken points to (of ``order_id``'s items when given), else 400."""
        page = self.order_pages.resolve(token)
        if page is None or (order_id is not None and page.ids != (order_id,)):
            raise _fail(400, UNDECODABLE, headers=headers)
        return page

    def _page_size(self, query: Any, headers: dict[str, str]) -> int:
        text = query.get("MaxResultsPerPage", "100")
        if not text.isdigit() or not 1 <= int(text) <= 100:
            raise _fail(400, "Invalid Input", "MaxResultsPerPage must be 1 to 100.",
                        headers=headers)
        return int(text)

    def _select(self, query: Any, headers: dict[str, str]) -> list[str]:
        records = list(self.state.orders.values())
        ids = query.get("AmazonOrderIds")
        if ids:
            wanted = ids.split(",")
            if len(wanted) > 50:
                raise _fail(400, "Invalid Input", "At most 50 AmazonOrderIds.", headers=headers)
            return [r.order_id for r in records if r.order_id in wanted]
        created, updated = query.get("CreatedAfter"), query.get("LastUpdatedAfter")
        if bool(created) == bool(updated):
            raise _fail(400, "Invalid Input",
                        "Exactly one of CreatedAfter and LastUpdatedAfter is required.",
                        headers=headers)
        try:
            since = datetime.fromisoformat((created or updated or "").replace("Z", "+00:00"))
        except ValueError:
            raise _fail(400, "Invalid Input", "Invalid date.", headers=headers) from None
        statuses = set(filter(None, (query.get("OrderStatuses") or "").split(",")))
        channels = set(filter(None, (query.get("FulfillmentChannels") or "").split(",")))
        out = []
        for record in records:
            moment = record.purchased if created else record.updated
            if moment < since or (statuses and record.status not in statuses):
                continue
            if channels and "MFN" not in channels:
                continue
            out.append(record.order_id)
        return out

    async def _get_order(self, request: Request) -> Response:
        headers = self._guard(request)
        with self.state.lock:
            return JSONResponse({"payload": self._order(request).public()}, headers=headers)

    async def _get_items(self, request: Request) -> Response:
        headers = self._guard(request)
        with self.state.lock:
            record = self._order(request)
            token = request.query_params.get("NextToken")
            offset = self._page(token, headers, record.order_id).offset if token else 0
            items = record.public_items()
            size = self.items_page_size
            payload: dict[str, Any] = {"AmazonOrderId": record.order_id,
                                       "OrderItems": items[offset:offset + size]}
            if offset + size < len(items):
                payload["NextToken"] = self.order_pages.issue([record.order_id],
                                                              offset + size, size)
        return JSONResponse({"payload": payload}, headers=headers)

    async def _confirm(self, request: Request) -> Response:
        headers = self._guard(request)
        body = await self._json(request)
        with self.state.lock:
            record = self._order(request)
            problem = self._shipment_problem(record, body)
            if problem:
                raise _fail(400, "Invalid Input", problem, headers=headers)
            self.state.ship(record, body["packageDetail"])
        # no body, but the model's `produces: application/json` covers this answer too
        return Response(status_code=204, headers=headers, media_type="application/json")

    def _shipment_problem(self, record: OrderRecord, body: Any) -> str | None:
        if not isinstance(body, dict) or not isinstance(body.get("packageDetail"), dict):
            return "packageDetail is required"
        if body.get("marketplaceId") != record.marketplace_id:
            return "marketplaceId does not match the order"
        if record.status not in OPEN_FOR_SHIPPING:
            return f"order is {record.status}; it cannot be shipped"
        detail = body["packageDetail"]
        for key in ("packageReferenceId", "carrierCode", "trackingNumber", "shipDate"):
            if not isinstance(detail.get(key), str) or not detail[key]:
                return f"packageDetail.{key} is required"
        if not detail["packageReferenceId"].isdigit():
            return "packageReferenceId must be a positive number"
        if detail["carrierCode"] == "Other" and not detail.get("carrierName"):
            return "carrierName is required when carrierCode is Other"
        lines = detail.get("orderItems")
        if not isinstance(lines, list) or not lines:
            return "packageDetail.orderItems is required"
        items = {i["OrderItemId"]: i for i in record.items}
        for line in lines:
            item = items.get(line.get("orderItemId")) if isinstance(line, dict) else None
            if item is None:
                return f"unknown orderItemId {line!r}"
            quantity = line.get("quantity")
            if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
                return f"quantity of {item['OrderItemId']} must be >= 1"
            if item["QuantityShipped"] + quantity > item["QuantityOrdered"]:
                return f"orderItemId {item['OrderItemId']} would ship more than ordered"
        return None

    # -- control routes ---------------------------------------------------------------

    async def _ctl_place(self, request: Request) -> Response:
        try:
            body = await request.json()
            with self.state.lock:
                record = self.state.place_order(body)
                return JSONResponse(record.public(), status_code=201)
        except (ValueError, TypeError, AttributeError, ArithmeticError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)

    async def _ctl_change(self, request: Request, change: Callable[[str], Any]) -> Response:
        order_id = request.path_params["order_id"]
        with self.state.lock:
            if order_id not in self.state.orders:
                return JSONResponse({"error": f"order {order_id} not found"}, status_code=404)
            try:
                change(order_id)
            except ValueError as exc:
                return JSONResponse({"error": str(exc)}, status_code=409)
            return JSONResponse(self.state.orders[order_id].public())

    async def _ctl_pay(self, request: Request) -> Response:
        return await self._ctl_change(request, self.state.pay)

    async def _ctl_cancel(self, request: Request) -> Response:
        return await self._ctl_change(request, self.state.fraud_cancel)

    async def _ctl_buyer_cancel(self, request: Request) -> Response:
        return await self._ctl_change(request, self.state.buyer_cancel)

    async def _ctl_cancel_request(self, request: Request) -> Response:
        raw = await request.body()
        item_ids = (await request.json()).get("orderItemIds") if raw.strip() else None
        return await self._ctl_change(
            request, lambda order_id: self.state.request_cancellation(order_id, item_ids))

    async def _ctl_shipments(self, request: Request) -> Response:
        order_id = request.path_params["order_id"]
        if order_id not in self.state.orders:
            return JSONResponse({"error": f"order {order_id} not found"}, status_code=404)
        return JSONResponse({"AmazonOrderId": order_id, "shipments": self.shipments_of(order_id)})

    async def _ctl_listing(self, request: Request) -> Response:
        sku = request.path_params["sku"]
        if request.method == "PUT":
            quantity = (await request.json()).get("quantity")
            if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
                return JSONResponse({"error": "quantity must be an int >= 0"}, status_code=400)
            self.add_listing(sku, quantity)
        listing = self.state.listings.get(sku)
        if listing is None:
            return JSONResponse({"error": f"listing {sku} not found"}, status_code=404)
        return JSONResponse({"sku": sku, **listing})


__all__ = ["MARKETPLACE_ID", "SELLER_ID", "AmazonTwin", "errors"]
