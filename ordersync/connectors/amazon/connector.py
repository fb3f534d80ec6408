"""AmazonConnector: the Selling Partner API (Orders v0, Feeds, Listings Items) as a
MarketplaceConnector, plus stock updates.

Beyond the protocol, for the pending-order flow (PRODUCT.md section 2):
- ``listed_statuses``: OrderStatus of every order seen by the last ``fetch_open_orders``
  (known ones too), so the hub sees a known *pending* order turn Unshipped without extra calls;
- ``order_statuses(ids)``: current OrderStatus of given orders (getOrders by AmazonOrderIds),
  e.g. to find pending orders Amazon cancelled (fraud check);
- ``fetch_order(id)``: one order in full (getOrder + getOrderItems), e.g. once it is paid.

A shipment without a tracking number is confirmed with an order fulfillment feed
(``ordersync.connectors.amazon.fulfillment``): asynchronous, followed with ``process_status``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx

from ordersync.connectors.amazon import mapping
from ordersync.connectors.amazon.auth import DEFAULT_TOKEN_URL, AmazonAuth
from ordersync.connectors.amazon.feeds import FeedOps
from ordersync.connectors.amazon.fulfillment import (
    FULFILLMENT_FEED_TYPE,
    FeedInFlight,
    FulfillmentOps,
)
from ordersync.connectors.amazon.limits import RATE_LIMITS, operation_of
from ordersync.connectors.base import KnownFilter
from ordersync.http import (
    ApiClient,
    NotFound,
    RateLimiter,
    Unlimited,
    UnsupportedOperation,
    ValidationError,
    limiter_for,
)
from ordersync.http.paging import Page, paginate
from ordersync.orders import (
    MarketplaceCancellation,
    MarketplaceOrder,
    OrderBatch,
    ProcessResult,
    Quarantined,
    Shipment,
    WriteReceipt,
)
from ordersync.orders.limits import printable

log = logging.getLogger("ordersync.connectors.amazon")

OPEN_STATUSES = ("Pending", "Unshipped", "PartiallyShipped")
DEFAULT_LOOKBACK = timedelta(days=30)
IDS_PER_QUERY = 50  # getOrders AmazonOrderIds maxItems
# LastUpdateDate has whole seconds and Amazon's clock is not the hub's: a change this close
# before the hub's import may not be in the items it read then.
IMPORT_SKEW = timedelta(minutes=2)


class AmazonConnector(FeedOps, FulfillmentOps):
    """Orders, shipments and stock of one Amazon seller in one marketplace."""

    platform = "amazon"

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        seller_id: str,
        marketplace_id: str = "A1805IZSGTT6HS",
        account: str,
        api_url: str = "https://sellingpartnerapi-eu.amazon.com",
        token_url: str = DEFAULT_TOKEN_URL,
        rate_limits: bool = True,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.account = account
        self.seller_id = seller_id
        self.marketplace_id = marketplace_id
        self._clock = clock
        self.auth = AmazonAuth(client_id, client_secret, refresh_token,
                               token_url=token_url, clock=clock)
        self.limiters: dict[str, RateLimiter | Unlimited] = {
            op: limiter_for(f"amazon:{seller_id}:{op}", rate, burst) if rate_limits
            else Unlimited()
            for op, (rate, burst) in RATE_LIMITS.items()
        }
        self.listed_statuses: dict[str, str] = {}
        self.listed_updates: dict[str, str] = {}  # open order id -> LastUpdateDate listed
        self._items_read: set[str] = set()  # orders whose items the last listing read
        self._own_feeds: dict[str, str] = {}  # fulfillment feedId -> order, sent by this instance
        common = {"platform": self.platform, "limiter": Unlimited(), "transport": transport,
                  "sleep": sleep}
        self.client = ApiClient(api_url.rstrip("/"), auth=self.auth,
                                headers={"Accept": "application/json"},
                                on_response=self._observe, **common)  # type: ignore[arg-type]
        self._uploads = ApiClient("", **common)  # type: ignore[arg-type]  # presigned URLs

    def __repr__(self) -> str:
        return f"AmazonConnector(account={self.account!r}, seller_id={self.seller_id!r})"

    # -- HTTP helpers ---------------------------------------------------------------------

    def _observe(self, response: httpx.Response) -> None:
        """Slow an operation's limiter down when Amazon reports a lower live rate."""
        value = response.headers.get("x-amzn-RateLimit-Limit")
        op = operation_of(response.request.method, response.request.url.path)
        limiter = self.limiters.get(op or "")
        if not value or not isinstance(limiter, RateLimiter):
            return
        try:
            rate = float(value)
        except ValueError:
            return
        if 0 < rate < limiter.rate:
            limiter.rate = rate

    def _call(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
              body: Any = None, expect: tuple[int, ...] = ()) -> dict[str, Any]:
        op = operation_of(method, path)
        response = self.client.request(
            method, path, params=params, json=body,
            limiter=self.limiters.get(op or ""), expect=expect,
        )
        if not response.content:
            return {}
        data = response.json()
        return data if isinstance(data, dict) else {}

    @staticmethod
    def _payload(data: Mapping[str, Any]) -> dict[str, Any]:
        payload = data.get("payload")
        return payload if isinstance(payload, dict) else {}

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    @staticmethod
    def _iso(moment: datetime) -> str:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def _order_path(self, order_id: str) -> str:
        return f"/orders/v0/orders/{quote(order_id, safe='')}"

    # -- orders ---------------------------------------------------------------------------

    def _order_pages(self, params: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
        """getOrders pages; a NextToken request sends only NextToken and MarketplaceIds."""

        def fetch(token: str | None) -> Page[dict[str, Any], str]:
            query = params if token is None else {"MarketplaceIds": self.marketplace_id,
                                                  "NextToken": token}
            payload = self._payload(self._call("GET", "/orders/v0/orders", params=query))
            return Page([o for o in payload.get("Orders") or [] if isinstance(o, dict)],
                        payload.get("NextToken") or None)

        for page in paginate(fetch, None, platform=self.platform, listing="getOrders"):
            yield list(page)

    def order_items(self, order_id: str) -> list[dict[str, Any]]:
        """Every OrderItem of an order (getOrderItems, following NextToken)."""
        path = f"{self._order_path(order_id)}/orderItems"

        def fetch(token: str | None) -> Page[dict[str, Any], str]:
            query = None if token is None else {"NextToken": token}
            payload = self._payload(self._call("GET", path, params=query))
            return Page([i for i in payload.get("OrderItems") or [] if isinstance(i, dict)],
                        payload.get("NextToken") or None)

        return [item for page in paginate(fetch, None, platform=self.platform,
                                          listing=f"getOrderItems {order_id}") for item in page]

    def fetch_open_orders(self, known: KnownFilter, *,
                          updated_since: datetime | None = None) -> Iterator[OrderBatch]:
        """Merchant-fulfilled Pending/Unshipped/PartiallyShipped orders updated since
        ``updated_since`` (default: the last 30 days), one OrderBatch per getOrders page;
        order items are fetched only for ids ``known`` does not have. Pending orders come with
        ``pending=True``, an empty address and zero prices."""
        since = updated_since or (self._now() - DEFAULT_LOOKBACK)
        params = {
            "MarketplaceIds": self.marketplace_id,
            "LastUpdatedAfter": self._iso(since),
            "OrderStatuses": ",".join(OPEN_STATUSES),
            "FulfillmentChannels": "MFN",
            "MaxResultsPerPage": 100,
        }
        params["OrderStatuses"] = ",".join((*OPEN_STATUSES, mapping.CANCELED))
        self.listed_statuses, self.listed_updates, self._items_read = {}, {}, set()
        for orders in self._order_pages(params):
            ids = [str(o["AmazonOrderId"]) for o in orders if o.get("AmazonOrderId")]
            for o in orders:  # a Canceled order is not open: the pending flow asks for it
                if o.get("AmazonOrderId") and o.get("OrderStatus") != mapping.CANCELED:
                    self.listed_statuses[str(o["AmazonOrderId"])] = str(o.get("OrderStatus"))
                    self.listed_updates[str(o["AmazonOrderId"])] = str(
                        o.get("LastUpdateDate") or "")
            known_ids = known(ids) if ids else set()
            yield self._batch(orders, known_ids)

    def _batch(self, orders: list[dict[str, Any]], known_ids: set[str]) -> OrderBatch:
        found: list[MarketplaceOrder] = []
        rejected: list[Quarantined] = []
        cancellations: list[MarketplaceCancellation] = []
        for order in orders:
            order_id = order.get("AmazonOrderId")
            if order.get("OrderStatus") == mapping.CANCELED:  # never imported; known: cancel
                if order_id and str(order_id) in known_ids:
                    cancellations.append(MarketplaceCancellation(
                        str(order_id), whole=True, reason="cancelled on Amazon"))
                continue
            if order_id and str(order_id) in known_ids:
                continue
            try:
                items = self.order_items(str(order_id)) if order_id else []
            except NotFound:  # listed, but its items are not found: try again next cycle
                log.warning("amazon: items of order %s not found; skipped",
                            printable(order_id, 200))
                continue
            self._items_read.add(str(order_id))
            result = mapping.order_or_quarantine(order, items, self.account)
            (found if isinstance(result, MarketplaceOrder) else rejected).append(result)  # type: ignore[arg-type]
            if isinstance(result, MarketplaceOrder):
                cancellations.extend(mapping.buyer_requests(result.external_id, items))
        return OrderBatch(tuple(found), tuple(rejected), cancellations=tuple(cancellations))

    def cancellations(self, watched: Mapping[str, datetime],
                      since: datetime | None = None) -> list[MarketplaceCancellation]:
        """Buyer cancellation requests (``BuyerRequestedCancel`` on the order items) on the
        watched orders (id -> when the hub imported it) the last listing showed as changed
        after ``since`` and after their import: the items of an order are read once per
        change, never every cycle. (A Canceled order comes with the listing itself.)"""
        found: list[MarketplaceCancellation] = []
        for order_id in sorted(set(watched) & set(self.listed_updates) - self._items_read):
            seen = watched[order_id] - IMPORT_SKEW
            after = max(since, seen) if since is not None else seen
            if not _changed_since(self.listed_updates[order_id], after):
                continue
            try:
                items = self.order_items(order_id)
            except NotFound:
                continue
            found.extend(mapping.buyer_requests(order_id, items))
        return found

    def get_order(self, order_id: str) -> dict[str, Any]:
        """The raw Order (getOrder payload)."""
        return self._payload(self._call("GET", self._order_path(order_id)))

    def fetch_order(self, order_id: str) -> MarketplaceOrder | Quarantined:
        """One order in full, e.g. a pending order once it is paid."""
        return mapping.order_or_quarantine(
            self.get_order(order_id), self.order_items(order_id), self.account, order_id)

    def order_statuses(self, ids: Collection[str]) -> dict[str, str]:
        """OrderStatus of the given orders (getOrders by AmazonOrderIds, 50 a query); ids
        Amazon does not return are left out."""
        wanted = list(dict.fromkeys(str(i) for i in ids))
        statuses: dict[str, str] = {}
        for start in range(0, len(wanted), IDS_PER_QUERY):
            params = {"MarketplaceIds": self.marketplace_id,
                      "AmazonOrderIds": ",".join(wanted[start:start + IDS_PER_QUERY])}
            for orders in self._order_pages(params):
                statuses.update((str(o["AmazonOrderId"]), str(o.get("OrderStatus")))
                                for o in orders if o.get("AmazonOrderId"))
        return statuses

    # -- MarketplaceConnector writes and reconciliation -----------------------------------

    def confirm_shipment(self, order_id: str, shipment: Shipment) -> WriteReceipt:
        """confirmShipment (204); without a tracking number (which confirmShipment requires)
        an order fulfillment feed, answered ``WriteReceipt(done=False, ref=feedId)``. Neither
        is idempotent: UncertainWrite propagates for the caller to reconcile with
        ``is_shipped``."""
        if not shipment.tracking_number:
            return WriteReceipt(done=False, ref=self.submit_fulfillment(order_id, shipment))
        try:
            body = mapping.shipment_body(order_id, shipment, self.marketplace_id)
        except ValueError as exc:  # e.g. carrier Other without a name: this order only
            raise ValidationError(f"confirmShipment {order_id}", platform=self.platform,
                                  detail=str(exc)) from None
        response = self.client.request(
            "POST", f"{self._order_path(order_id)}/shipmentConfirmation", json=body,
            limiter=self.limiters["confirmShipment"],
        )
        if response.status_code != 204:
            log.info("amazon: confirmShipment answered %s", response.status_code)
        return WriteReceipt(done=True)

    def is_shipped(self, order_id: str) -> bool:
        """Shipped or InvoiceUnconfirmed on Amazon. While a fulfillment feed that may be an
        earlier attempt's for this order is still queued or processing (getFeed does not name
        a feed's input, so any but this connector's own feeds for other orders), an unshipped
        order raises FeedInFlight (retriable: look again later) rather than answering False
        and inviting a second confirmation. The feeds
        are listed *before* the order is read, so a feed finishing in between is seen."""
        in_flight = self.fulfillment_in_flight(order_id)
        shipped = self.get_order(order_id).get("OrderStatus") in mapping.SHIPPED_STATUSES
        if in_flight and not shipped:
            raise FeedInFlight(
                f"order {order_id}: fulfillment feed(s) {', '.join(in_flight)} still "
                "processing; looking again later", platform=self.platform)
        return shipped

    def shipped_quantities(self, order_id: str) -> tuple[dict[str, int], list[str]]:
        """QuantityShipped per order item (getOrderItems), and the fulfillment feeds still
        queued or processing that may be the order's (listed first, as in ``is_shipped``)."""
        in_flight = self.fulfillment_in_flight(order_id)
        shipped = {str(i.get("OrderItemId")): int(i.get("QuantityShipped") or 0)
                   for i in self.order_items(order_id) if i.get("OrderItemId")}
        return shipped, in_flight

    def cancel_order(self, order_id: str, line_ids: Collection[str], reason: str) -> WriteReceipt:
        """Not available: Orders v0 has no seller cancellation (the spec's only writes are
        confirmShipment, updateShipmentStatus and updateVerificationStatus)."""
        raise UnsupportedOperation(
            f"order {order_id}: SP-API Orders v0 has no seller cancellation; cancel in "
            "Seller Central (or with an order-acknowledgement feed)", platform=self.platform)

    def is_cancelled(self, order_id: str) -> bool:
        return self.get_order(order_id).get("OrderStatus") == mapping.CANCELED

    def process_status(self, ref: str) -> ProcessResult:
        """State of a feed (``ref`` = feedId from ``confirm_shipment`` or
        ``submit_quantities``); a fulfillment feed's result comes from its processing
        report."""
        feed = self._feed(ref)
        if feed.get("feedType") == FULFILLMENT_FEED_TYPE:
            return self.fulfillment_result(feed)
        return mapping.feed_result(feed)

    # -- stock ----------------------------------------------------------------------------

    def _listing_path(self, sku: str) -> str:
        return (f"/listings/2021-08-01/items/{quote(self.seller_id, safe='')}/"
                f"{quote(sku, safe='')}")

    def set_quantity(self, sku: str, quantity: int,
                     product_type: str = mapping.PRODUCT_TYPE) -> WriteReceipt:
        """patchListingsItem on ``fulfillment_availability``; ValidationError when Amazon
        answers INVALID. The PATCH sets an absolute value, so retrying it is safe."""
        response = self.client.request(
            "PATCH", self._listing_path(sku),
            params={"marketplaceIds": self.marketplace_id},
            json=mapping.listings_patch_body(quantity, product_type),
            limiter=self.limiters["patchListingsItem"], idempotent=True,
        )
        answer = response.json() if response.content else {}
        if answer.get("status") == "INVALID":
            issues = "; ".join(f"{i.get('code')}: {i.get('message')}"
                               for i in answer.get("issues") or [])
            raise ValidationError(f"PATCH listing {sku}", platform=self.platform,
                                  status=response.status_code, detail=issues)
        return WriteReceipt(done=True, ref=answer.get("submissionId"))

    def submit_quantities(self, quantities: Mapping[str, int],
                          product_type: str = mapping.PRODUCT_TYPE) -> str:
        """Bulk quantities as a JSON_LISTINGS_FEED: createFeedDocument, upload to its URL,
        createFeed. Returns the feedId (poll ``feed_status`` / ``process_status``). The steps
        one by one: ``create_feed_document`` and ``create_feed`` (``FeedOps``)."""
        return self.create_feed(self.create_feed_document(quantities, product_type))

    def _feed(self, feed_id: str) -> dict[str, Any]:
        return self._call("GET", f"/feeds/2021-06-30/feeds/{quote(feed_id, safe='')}")

    def feed_status(self, feed_id: str) -> str:
        """processingStatus: IN_QUEUE, IN_PROGRESS, DONE, CANCELLED or FATAL."""
        return str(self._feed(feed_id).get("processingStatus"))

    def close(self) -> None:
        self.client.close()
        self._uploads.close()

    def __enter__(self) -> AmazonConnector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _changed_since(stamp: str, since: datetime) -> bool:
    """A LastUpdateDate at or after ``since`` (an unreadable one counts as changed)."""
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return True
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment >= since


__all__ = ["AmazonConnector", "UnsupportedOperation"]
