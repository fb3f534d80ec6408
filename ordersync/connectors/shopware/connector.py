"""ShopwareConnector: the webshop side over the Shopware 6 Admin API (6.7)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import httpx

from ordersync.connectors.parsing import MappingError
from ordersync.connectors.shopware import criteria
from ordersync.connectors.shopware.auth import ShopwareAuth
from ordersync.connectors.shopware.mapping import (
    Json,
    ShopContext,
    errors_of,
    order_payload,
    order_state,
    stock_of,
)
from ordersync.http import ApiClient, RateLimiter, Unlimited, ValidationError, limiter_for
from ordersync.http.errors import error_for
from ordersync.http.paging import Page, paginate
from ordersync.orders import MarketplaceOrder, WebshopOrderState
from ordersync.stock.model import WebshopStock

PAGE_LIMIT = 100
FIND_LOOKBACK = timedelta(minutes=5)  # clock skew between the hub and the shop
POLITE_RATE, POLITE_BURST = 10.0, 20
"""The Admin API has no default rate limit (docs rate-limiter.md: only login/oauth-style
routes are limited); keep to a polite pace for shared hosting."""
TOKEN_RATE, TOKEN_BURST = 10 / 60, 5
"""The ``oauth`` limiter (time_backoff: 10 per 10 s, 15 per 30 s, 20 per 60 s, reset 24 h):
token requests stay at 10 a minute with bursts of 5, far below it (a token lasts 600 s)."""
ILLEGAL_TRANSITION = "SYSTEM__ILLEGAL_STATE_TRANSITION"
STOREFRONT_TYPE = "8a243080f92e4c719546314b577cf82b"
"""``Defaults::SALES_CHANNEL_TYPE_STOREFRONT``: without a configured channel, orders go to the
first active storefront (not the Headless/API channel every install also has)."""


class ShopwareConnector:
    """A webshop connector for one Shopware 6 shop (an integration's access key), writing
    orders into one sales channel; also a ``StockSource``."""

    platform = "shopware"
    page_size = PAGE_LIMIT  # orders/products per search page (lowered in tests: many pages)

    def __init__(
        self,
        *,
        url: str,
        client_id: str,
        client_secret: str,
        sales_channel_id: str | None = None,
        account: str | None = None,
        rate_limits: bool = True,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        limiter: RateLimiter | Unlimited | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``url`` is the shop's base URL (the Admin API is under ``/api``);
        ``sales_channel_id`` the channel orders are booked on (None: the oldest active
        storefront channel)."""
        if not client_id or not client_secret:
            raise ValueError("shopware: an integration access key id and secret are required")
        if httpx.URL(url).scheme not in ("http", "https"):
            raise ValueError("shopware: the shop URL must be http:// or https://")
        self.url = url.rstrip("/")
        self.account = account or httpx.URL(self.url).host or self.url
        self.sales_channel_id = sales_channel_id
        if limiter is None:
            limiter = (limiter_for(f"shopware:{self.account}", POLITE_RATE, POLITE_BURST)
                       if rate_limits else Unlimited())
        token_limiter = (limiter_for(f"shopware-oauth:{self.account}:{client_id}", TOKEN_RATE,
                                     TOKEN_BURST) if rate_limits else Unlimited())
        self.auth = ShopwareAuth(self.url, client_id, client_secret, clock=clock,
                                 limiter=token_limiter)
        self.client = ApiClient(self.url, platform=self.platform, auth=self.auth,
                                headers={"Accept": "application/json"}, limiter=limiter,
                                transport=transport, sleep=sleep)
        self._context: ShopContext | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ShopwareConnector(url={self.url!r})"

    # -- plumbing -----------------------------------------------------------------------

    def search(self, entity: str, body: Json) -> Json:
        """``POST /api/search/{entity}`` (a read: safe to retry)."""
        return self.client.request("POST", f"/api/search/{entity}", json=body,
                                   idempotent=True).json()

    def context(self) -> ShopContext:
        """The sales channel's ids, the initial states, currencies and countries (4 searches,
        once per connector)."""
        with self._lock:
            if self._context is None:
                self._context = self._read_context()
            return self._context

    def _read_context(self) -> ShopContext:
        body: Json = {"limit": 1, "filter": [criteria.equals("active", True),
                                             criteria.equals("typeId", STOREFRONT_TYPE)],
                      "sort": [{"field": "createdAt", "order": "ASC"}]}
        if self.sales_channel_id:
            body = {"ids": [self.sales_channel_id]}
        channels = self.search("sales-channel", body)["data"]
        if not channels:
            raise ValidationError("no such sales channel (check the block's sales channel id)",
                                  platform=self.platform)
        channel = channels[0]
        machines = ("order.state", "order_delivery.state", "order_transaction.state")
        found = self.search("state-machine-state", {
            "filter": [criteria.equals("technicalName", "open"),
                       criteria.equals_any("stateMachine.technicalName", machines)],
            "associations": {"stateMachine": {}}})["data"]
        opened = {s["stateMachine"]["technicalName"]: s["id"] for s in found}
        if set(machines) - opened.keys():
            raise ValidationError("the shop's state machines have no 'open' state",
                                  platform=self.platform)
        currencies = {c["isoCode"]: c["id"] for c in self.search(
            "currency", {"includes": {"currency": ["id", "isoCode"]}})["data"]}
        countries = {c["iso"]: c["id"] for c in self.search(
            "country", {"includes": {"country": ["id", "iso"]}})["data"] if c.get("iso")}
        return ShopContext(
            sales_channel_id=channel["id"], language_id=channel["languageId"],
            payment_method_id=channel["paymentMethodId"],
            shipping_method_id=channel["shippingMethodId"],
            order_state_id=opened["order.state"],
            delivery_state_id=opened["order_delivery.state"],
            transaction_state_id=opened["order_transaction.state"],
            currencies=currencies, countries=countries)

    # -- WebshopConnector ---------------------------------------------------------------

    def products(self, numbers: Iterable[str]) -> dict[str, Json]:
        """productNumber -> product for the numbers the shop has (one search)."""
        wanted = [n for n in dict.fromkeys(numbers) if n]
        if not wanted:
            return {}
        found = self.search("product", criteria.products_by_number(wanted))["data"]
        return {p["productNumber"]: p for p in found}

    def create_order(self, order: MarketplaceOrder) -> str:
        """``POST /api/order`` (204, the id is ours). Not idempotent: a timeout or 5xx raises
        UncertainWrite; reconcile with ``find_order`` before writing again."""
        ctx = self.context()
        products = self.products(line.sku or "" for line in order.lines)
        try:
            body = order_payload(order, ctx, products)
        except MappingError as exc:
            raise ValidationError(str(exc), platform=self.platform) from None
        self.client.request("POST", "/api/order", json=body)
        return str(body["id"])

    def find_order(self, order: MarketplaceOrder, created_after: datetime) -> str | None:
        body = criteria.by_reference(order.reference, created_after - FIND_LOOKBACK)
        found = self.search("order", body)["data"]
        return str(found[-1]["id"]) if found else None  # the oldest, were there several

    def changed_orders(self, since: datetime) -> Iterator[list[WebshopOrderState]]:
        """Orders (or their deliveries) changed at or after ``since``, one list per page."""
        for page in self._keyset("order", lambda after: criteria.changed_orders(
                since, after, self.page_size)):
            yield [order_state(item) for item in page]

    def _keyset(self, entity: str, body_for: Callable[[int | None], Json]
                ) -> Iterator[Sequence[Json]]:
        """Pages of a search keyset-paged on ``autoIncrement`` (see ``criteria``), on the
        shared paginator: the exact total of what is left ends it without an empty request,
        a cursor handed out twice raises ``RepeatedCursor`` instead of looping."""

        def fetch(after: int | None) -> Page[Json, int | None]:
            body = self.search(entity, body_for(after))
            page = body.get("data") or []
            if not page or int(body.get("total") or 0) <= len(page):
                return Page(page, None)
            last = page[-1].get("autoIncrement")
            if not isinstance(last, int) or isinstance(last, bool):
                raise ValidationError(f"{entity} search: a page without autoIncrement",
                                      platform=self.platform)
            return Page(page, last)

        return paginate(fetch, None, platform=self.platform, listing=f"{entity} search")

    def get_order(self, webshop_id: str) -> WebshopOrderState:
        found = self.search("order", criteria.order_by_ids([webshop_id]))["data"]
        if not found:
            raise error_for(404, f"order {webshop_id}", platform=self.platform)
        return order_state(found[0])

    def cancel_order(self, webshop_id: str) -> None:
        """``POST /api/_action/order/{id}/state/cancel`` without mailing the buyer. Safe to
        repeat: an order already cancelled counts as success (the state machine answers
        400 ``SYSTEM__ILLEGAL_STATE_TRANSITION`` from ``cancelled``)."""
        path = f"/api/_action/order/{webshop_id}/state/cancel"
        response = self.client.request("POST", path, json={"sendMail": False},
                                       idempotent=True, expect=(400,))
        if response.status_code == 400:
            errors = errors_of(_json(response))
            if any(e.get("code") == ILLEGAL_TRANSITION for e in errors) \
                    and self._order_status(webshop_id) == "cancelled":
                return
            detail = "; ".join(f"{e.get('code')}: {e.get('detail')}" for e in errors)
            raise error_for(400, f"POST {path}", platform=self.platform, detail=detail)

    def _order_status(self, webshop_id: str) -> str | None:
        found = self.search("order", {"ids": [webshop_id],
                                      "associations": {"stateMachineState": {}}})["data"]
        return (found[0].get("stateMachineState") or {}).get("technicalName") if found else None

    # -- stock --------------------------------------------------------------------------

    def read_stock(self) -> WebshopStock:
        """Every product's stock by productNumber, keyset-paged (100 a page)."""
        return stock_of(p for page in self.product_pages() for p in page)

    def product_pages(self) -> Iterator[list[Json]]:
        return self._keyset("product", lambda after: criteria.product_page(after, self.page_size))

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> ShopwareConnector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
