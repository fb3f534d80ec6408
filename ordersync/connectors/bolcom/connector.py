"""BolcomConnector: the bol.com Retailer API v10 as a MarketplaceConnector."""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx

from ordersync.connectors.base import KnownFilter
from ordersync.connectors.bolcom import mapping
from ordersync.connectors.bolcom.auth import BolcomAuth
from ordersync.connectors.bolcom.limits import RATE_LIMITS, group_of, rate_of
from ordersync.connectors.bolcom.offers import OfferStock
from ordersync.connectors.bolcom.returns import BolcomReturns
from ordersync.connectors.bolcom.subscriptions import PushSubscriptions
from ordersync.http import (
    ApiClient,
    NotFound,
    RateLimiter,
    UncertainWrite,
    Unlimited,
    limiter_for,
)
from ordersync.http.paging import numbered
from ordersync.orders import (
    MarketplaceCancellation,
    MarketplaceOrder,
    OrderBatch,
    ProcessResult,
    Quarantined,
    Shipment,
    WriteReceipt,
)

log = logging.getLogger("ordersync.connectors.bolcom")

MEDIA_TYPE = "application/vnd.retailer.v10+json"
PAGE_SIZE = 50  # fixed by bol.com: a shorter page is the last one
MAX_CHANGE_INTERVAL = 60  # change-interval-minute's maximum (spec)
CHANGE_HISTORY = timedelta(days=90)  # latest-change-date: "up to 3 months of history"


class BolcomConnector(OfferStock, BolcomReturns, PushSubscriptions):
    """Orders, shipments and cancellations on one bol.com retailer account; offer stock
    through ``OfferStock``, returns through ``BolcomReturns``, push subscriptions through
    ``PushSubscriptions``."""

    platform = "bolcom"

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        account: str,
        api_url: str = "https://api.bol.com",
        login_url: str = "https://login.bol.com",
        fulfilment_method: str = "FBR",
        rate_limits: bool = True,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.account = account
        self.fulfilment_method = fulfilment_method
        self._clock = clock
        self.auth = BolcomAuth(client_id, client_secret, login_url=login_url, clock=clock)
        self._limiters: dict[str, RateLimiter | Unlimited] = {
            group: (
                limiter_for(f"bolcom:{client_id}:{group}", *rate_of(group))
                if rate_limits else Unlimited()
            )
            for group in RATE_LIMITS
        }
        self.client = ApiClient(
            api_url.rstrip("/"),
            platform=self.platform,
            auth=self.auth,
            headers={"Accept": MEDIA_TYPE},
            limiter=Unlimited(),
            transport=transport,
            sleep=sleep,
            on_response=self._observe,
        )

    def __repr__(self) -> str:
        return f"BolcomConnector(account={self.account!r})"

    # -- HTTP helpers ---------------------------------------------------------------------

    def _observe(self, response: httpx.Response) -> None:
        """Feed bol.com's ``x-ratelimit-*`` headers to the endpoint group's limiter."""
        limit = response.headers.get("x-ratelimit-limit")
        remaining = response.headers.get("x-ratelimit-remaining")
        if not (limit and remaining):
            return
        try:
            capacity, left = float(limit), float(remaining)
        except ValueError:
            return
        if capacity > 0:
            group = group_of(response.request.method, response.request.url.path)
            self._limiters.get(group, Unlimited()).observe(capacity - left, capacity)

    def _call(self, method: str, path: str, *, params: dict[str, Any] | None = None,
              body: Any = None, idempotent: bool | None = None) -> dict[str, Any]:
        headers = None
        content = None
        if body is not None:
            headers = {"Content-Type": MEDIA_TYPE}
            content = json.dumps(body).encode()
        response = self.client.request(
            method, path, params=params, content=content, headers=headers,
            limiter=self._limiters.get(group_of(method, path)), idempotent=idempotent,
        )
        if not response.content:
            return {}
        data = response.json()
        return data if isinstance(data, dict) else {}

    def _order(self, order_id: str) -> dict[str, Any]:
        return self._call("GET", f"/retailer/orders/{quote(order_id, safe='')}")

    def _accepted(self, what: str, body: dict[str, Any]) -> str:
        """processStatusId of a 202 ProcessStatus; a 202 without one is an uncertain write."""
        ref = body.get("processStatusId")
        if not ref:
            raise UncertainWrite(f"{what}: no processStatusId in answer", platform=self.platform)
        return str(ref)

    # -- MarketplaceConnector -------------------------------------------------------------

    def fetch_open_orders(self, known: KnownFilter) -> Iterator[OrderBatch]:
        """Page through open orders (50 a page) until a short or empty page (an idle cycle
        is one request); details only for ids ``known`` does not have; one OrderBatch per
        page."""
        def fetch(page: int) -> tuple[list[dict[str, Any]], bool]:
            data = self._call("GET", "/retailer/orders", params={
                "page": page, "fulfilment-method": self.fulfilment_method, "status": "OPEN",
            })
            reduced = [o for o in data.get("orders") or [] if isinstance(o, dict)]
            return reduced, len(reduced) >= PAGE_SIZE

        for reduced in numbered(fetch, platform=self.platform, listing="open orders",
                                fingerprint=_order_ids):
            if not reduced:
                return
            ids = [str(o["orderId"]) for o in reduced if o.get("orderId")]
            yield self._batch(list(reduced), known(ids) if ids else set())

    def _batch(self, reduced: list[dict[str, Any]], known_ids: set[str]) -> OrderBatch:
        orders: list[MarketplaceOrder] = []
        rejected: list[Quarantined] = []
        cancels: list[str] = []
        cancellations: list[MarketplaceCancellation] = []
        for summary in reduced:
            order_id = summary.get("orderId")
            if not order_id:
                rejected.append(mapping.order_or_quarantine(summary, self.account))  # type: ignore[arg-type]
                continue
            order_id = str(order_id)
            if order_id in known_ids:
                if mapping.has_cancellation_request(summary):
                    cancels.append(order_id)
                cancellations.extend(mapping.cancellations_of(summary))
                continue
            try:
                detail = self._order(order_id)
            except NotFound:
                log.warning("bolcom: order %s vanished between list and detail", order_id)
                continue
            result = mapping.order_or_quarantine(
                detail, self.account, order_id, summary.get("orderPlacedDateTime")
            )
            (orders if isinstance(result, MarketplaceOrder) else rejected).append(result)  # type: ignore[arg-type]
            if isinstance(result, MarketplaceOrder) and result.cancellation_requested:
                cancellations.extend(mapping.cancellations_of(detail))
        return OrderBatch(tuple(orders), tuple(rejected), tuple(cancels), tuple(cancellations))

    def cancellations(self, watched: Collection[str],
                      since: datetime | None = None) -> list[MarketplaceCancellation]:
        """What bol.com cancelled, or buyers asked to cancel, of the watched orders since
        ``since``: the orders listing of every status filtered on the items' latest change
        (``change-interval-minute`` when ``since`` is within the hour, else
        ``latest-change-date`` per day, at most 3 months). The open listing cannot show it:
        a cancelled item (or order) leaves it."""
        wanted, found = set(watched), []
        for filters in self._change_windows(since):
            def fetch(page: int, filters: dict[str, Any] = filters
                      ) -> tuple[list[dict[str, Any]], bool]:
                data = self._call("GET", "/retailer/orders", params={
                    "page": page, "fulfilment-method": self.fulfilment_method, "status": "ALL",
                    **filters})
                reduced = [o for o in data.get("orders") or [] if isinstance(o, dict)]
                return reduced, len(reduced) >= PAGE_SIZE

            for reduced in numbered(fetch, platform=self.platform, listing="changed orders",
                                    fingerprint=_order_ids):
                found += [c for o in reduced if str(o.get("orderId")) in wanted
                          for c in mapping.cancellations_of(o)]
        return found

    def _change_windows(self, since: datetime | None) -> list[dict[str, Any]]:
        now = datetime.fromtimestamp(self._clock(), UTC)
        since = since or now - timedelta(days=1)
        minutes = math.ceil((now - since).total_seconds() / 60) + 1
        if minutes <= MAX_CHANGE_INTERVAL:
            return [{"change-interval-minute": max(minutes, 1)}]
        first = max(since.astimezone(UTC).date(), (now - CHANGE_HISTORY).date())
        days = (now.date() - first).days
        return [{"latest-change-date": (first + timedelta(days=d)).isoformat()}
                for d in range(days + 1)]

    def confirm_shipment(self, order_id: str, shipment: Shipment) -> WriteReceipt:
        """POST /retailer/shipments (chunks of 100 items); ref = processStatusId(s), comma
        separated. Not idempotent: UncertainWrite propagates for the caller to reconcile.

        A shipment of more than one chunk is resumable per item: the order is read first and
        only the items bol.com has not shipped, or is not shipping already, are sent."""
        if not shipment.lines:
            raise ValueError(f"bol.com order {order_id}: shipment without lines")
        refs: list[str] = []
        if len(shipment.lines) > mapping.MAX_SHIPMENT_ITEMS:
            todo, refs = self._still_to_do(order_id, [line.line_id for line in shipment.lines],
                                           "CREATE_SHIPMENT")
            shipment = replace(shipment, lines=tuple(
                line for line in shipment.lines if line.line_id in todo))
        refs += [
            self._accepted("POST /retailer/shipments",
                           self._call("POST", "/retailer/shipments", body=body))
            for body in (mapping.shipment_bodies(shipment) if shipment.lines else [])
        ]
        return WriteReceipt(done=not refs, ref=",".join(refs) or None)

    def cancel_order(self, order_id: str, line_ids: Collection[str], reason: str) -> WriteReceipt:
        """PUT /retailer/orders/cancellation, one item per request (the spec allows one).

        Resumable per item: the order is read first and only items with open units and no
        cancellation in progress are sent (bol.com refuses to cancel an item twice, so after a
        lost answer a blind repeat would fail the items cancelled the first time). A PUT is
        treated as non-idempotent: a timeout or 5xx raises UncertainWrite (the caller
        reconciles with ``is_cancelled``). Nothing left to send: done at once."""
        if not line_ids:
            raise ValueError(f"bol.com order {order_id}: nothing to cancel")
        code = mapping.cancel_reason_code(reason)
        todo, refs = self._still_to_do(order_id, [str(i) for i in line_ids], "CANCEL_ORDER")
        for line_id in todo:
            body = {"orderItems": [{"orderItemId": line_id, "reasonCode": code}]}
            answer = self._call("PUT", "/retailer/orders/cancellation", body=body,
                                idempotent=False)
            refs.append(self._accepted("PUT /retailer/orders/cancellation", answer))
        return WriteReceipt(done=not refs, ref=",".join(refs) or None)

    def _still_to_do(self, order_id: str, item_ids: list[str],
                     event_type: str) -> tuple[list[str], list[str]]:
        """(items still to send, ids of processes already under way for the others): items
        with no open units on bol.com (already shipped or cancelled) are left out."""
        open_ids = set(mapping.open_item_ids(self._order(order_id)))
        candidates = [i for i in item_ids if i in open_ids]
        pending = self._pending_processes(candidates, event_type)
        return [i for i in candidates if i not in pending], list(pending.values())

    def process_status(self, ref: str) -> ProcessResult:
        """GET /shared/process-status/{id} for each id in ``ref``; combined result."""
        results = [
            mapping.process_result(
                self._call("GET", f"/shared/process-status/{quote(part.strip(), safe='')}")
            )
            for part in ref.split(",") if part.strip()
        ]
        return mapping.combine_results(results)

    def is_shipped(self, order_id: str) -> bool:
        """Shipped, or a shipment of it is accepted and still processing: bol.com applies
        writes asynchronously, so a lost attempt shows in the process statuses first. (A
        shipment process is filed under its first item, so one pending process stands for
        its whole chunk.)"""
        order = self._order(order_id)
        if mapping.fully_shipped(order):
            return True
        return bool(self._pending_processes(mapping.open_item_ids(order), "CREATE_SHIPMENT"))

    def shipped_quantities(self, order_id: str) -> tuple[dict[str, int], list[str]]:
        """Units shipped per order item, and the shipment processes still pending for its
        open items (a lost shipment shows there before it shows in the quantities)."""
        order = self._order(order_id)
        shipped = {str(i.get("orderItemId")): int(i.get("quantityShipped") or 0)
                   for i in mapping.items_of(order)}
        pending = self._pending_processes(mapping.open_item_ids(order), "CREATE_SHIPMENT")
        return shipped, sorted(set(pending.values()))

    def _pending_processes(self, item_ids: Collection[str], event_type: str) -> dict[str, str]:
        """{item id: process id} of the items with a PENDING process of ``event_type`` (a
        finished one already shows in the order's quantities)."""
        found: dict[str, str] = {}
        for item_id in item_ids:
            body = self._call("GET", "/shared/process-status",
                              params={"entity-id": item_id, "event-type": event_type})
            for process in body.get("processStatuses") or []:
                if process.get("status") == "PENDING" and process.get("processStatusId"):
                    found[item_id] = str(process["processStatusId"])
                    break
        return found

    def is_cancelled(self, order_id: str) -> bool:
        """Every item cancelled, or its cancellation accepted and still processing (one item
        per cancellation, so each open item needs its own)."""
        order = self._order(order_id)
        if mapping.fully_cancelled(order):
            return True
        open_ids = mapping.open_item_ids(order)
        return bool(open_ids) and len(self._pending_processes(open_ids, "CANCEL_ORDER")) == len(
            open_ids)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> BolcomConnector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _order_ids(page: Sequence[dict[str, Any]]) -> tuple[str, ...]:
    """A page's content, to refuse a page-number listing that hands out one page again."""
    return tuple(str(o.get("orderId")) for o in page)
