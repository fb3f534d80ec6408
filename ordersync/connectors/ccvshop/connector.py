"""CcvShopConnector: the webshop side over the CCV Shop REST API (``/api/rest/v1``).

Every request is signed (``auth``), every 2xx answer's hash checked as the official PHP SDK
does; lists are offset pages (``start``/``size``, follow ``next``) on the shared paginator.
Facts the stored material leaves open are in ``facts`` (marked unverified there, each following
the official client C1 where it shows one).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import httpx

from ordersync.connectors.ccvshop.auth import CcvAuth, iso_now
from ordersync.connectors.ccvshop.facts import (
    ACCEPT,
    API,
    CANCELLED,
    CANCELLED_STATUSES,
    CHANGE_WINDOW,
    CLIENT_MARGIN,
    FIND_LOOKBACK,
    PAGE_MAX,
    READ_PER_MINUTE,
    SHIPPED_STATUSES,
    WRITE_PER_MINUTE,
)
from ordersync.connectors.ccvshop.mapping import (
    iso,
    moment,
    order_payload,
    order_state,
    reference_of,
)
from ordersync.http import (
    ApiClient,
    AuthError,
    RateLimiter,
    UncertainWrite,
    Unlimited,
    ValidationError,
    limiter_for,
)
from ordersync.http.paging import Page, paginate
from ordersync.orders import MarketplaceOrder, WebshopOrderState
from ordersync.stock.model import WebshopStock

Limiter = RateLimiter | Unlimited


class CcvShopConnector:
    """A webshop connector for one CCV Shop (an API key pair: public key + secret)."""

    platform = "ccvshop"
    page_size = PAGE_MAX  # orders per listing page (lowered in tests to force many pages)

    def __init__(
        self,
        *,
        url: str,
        public_key: str,
        secret_key: str,
        rate_limits: bool = True,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        limiter: Limiter | None = None,
        clock: Callable[[], str] = iso_now,
    ) -> None:
        """``url`` is the shop's address (``https://shop.example``). ``rate_limits`` spaces
        reads and writes under CCV's per-minute budgets; ``limiter`` replaces both."""
        if not public_key or not secret_key:
            raise ValueError("ccvshop: a public key and a secret key are required")
        if httpx.URL(url).scheme not in ("http", "https"):
            raise ValueError("ccvshop: the shop URL must be http:// or https://")
        self.url = url.rstrip("/")
        self.account = httpx.URL(self.url).host or self.url
        self._auth = CcvAuth(public_key, secret_key, clock=clock)
        self.reads, self.writes = self._limiters(public_key, rate_limits, limiter)
        self.client = ApiClient(
            self.url, platform=self.platform, auth=self._auth,
            headers={"Accept": ACCEPT, "Content-Type": "application/json"},
            limiter=self.reads, transport=transport, sleep=sleep, on_response=self._check,
        )
        self._products: dict[str, int] = {}

    def _limiters(self, public: str, on: bool, given: Limiter | None) -> tuple[Limiter, Limiter]:
        if given is not None:
            return given, given
        if not on:
            return Unlimited(), Unlimited()
        key = f"ccvshop:{self.account}:{public}"  # the public key is not a secret
        read = int(READ_PER_MINUTE * CLIENT_MARGIN)
        write = int(WRITE_PER_MINUTE * CLIENT_MARGIN)
        return (limiter_for(f"{key}:read", read / 60, read),
                limiter_for(f"{key}:write", write / 60, write))

    def __repr__(self) -> str:
        return f"CcvShopConnector(url={self.url!r})"

    # -- plumbing -----------------------------------------------------------------------

    def _check(self, response: httpx.Response) -> None:
        """C1's response check on 2xx answers: a wrong hash is an AuthError on a read (wrong
        secret or a tampered answer) and an UncertainWrite on a write (it may have happened)."""
        if not 200 <= response.status_code < 300:
            return
        problem = self._auth.verify(response)
        if problem is None:
            return
        what = f"{response.request.method} {response.request.url.path}"
        if response.request.method in ("GET", "HEAD"):
            raise AuthError(what, platform=self.platform, detail=problem)
        raise UncertainWrite(what, platform=self.platform, detail=problem)

    def _get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.client.request("GET", f"{API}/{path}", params=params).json()

    def _write(self, method: str, path: str, body: Any) -> httpx.Response:
        return self.client.request(method, f"{API}/{path}", json=body, limiter=self.writes)

    def _pages(self, path: str, params: Mapping[str, Any],
               size: int | None = None) -> Iterator[Sequence[dict[str, Any]]]:
        """Offset pages (``start``/``size``) while the body names a ``next`` page."""
        size = min(size or self.page_size, PAGE_MAX)

        def fetch(start: int) -> Page[dict[str, Any], int]:
            body = self._get(path, {**params, "start": start, "size": size})
            items = list(body.get("items") or [])
            more = bool(body.get("next")) and bool(items)
            return Page(items, start + len(items) if more else None)

        yield from paginate(fetch, 0, platform=self.platform, listing=f"{API}/{path}")

    # -- WebshopConnector ---------------------------------------------------------------

    def product_ids(self, skus: Iterable[str]) -> dict[str, int]:
        """SKU (``productnumber``) -> product id, looked up once per connector."""
        for sku in dict.fromkeys(s for s in skus if s and s not in self._products):
            for item in self._get("products/", {"productnumber": sku, "size": 1}).get(
                    "items") or []:
                if item.get("productnumber") == sku:
                    self._products[sku] = int(item["id"])
        return {s: self._products[s] for s in skus if s in self._products}

    def create_order(self, order: MarketplaceOrder) -> str:
        """``POST /orders/``. Not idempotent: a 5xx or timeout raises UncertainWrite;
        reconcile with ``find_order`` (by ``reservationnumber``) first."""
        skus = [line.sku or "" for line in order.lines]
        products = self.product_ids(skus)
        missing = sorted({s for s in skus if s not in products})
        if missing:
            raise ValidationError(
                f"{order.reference}: no product with number {', '.join(missing) or '(empty)'}",
                platform=self.platform)
        response = self._write("POST", "orders/", order_payload(order, products))
        return str(response.json()["id"])

    def find_order(self, order: MarketplaceOrder, created_after: datetime) -> str | None:
        params = {"min_create_date": iso(created_after - FIND_LOOKBACK), "orderby": "id"}
        for page in self._pages("orders/", params):
            for item in page:
                if reference_of(item) == order.reference:
                    return str(item["id"])
        return None

    def changed_orders(self, since: datetime) -> Iterator[list[WebshopOrderState]]:
        """CCV lists no changes (see ``facts.CHANGE_WINDOW``): the orders created in the window
        before ``since``, of which those created since ``since`` and every shipped or cancelled
        one are reported (an older open order carries nothing the loop acts on)."""
        params = {"min_create_date": iso(since - CHANGE_WINDOW), "orderby": "id"}
        for page in self._pages("orders/", params):
            yield [order_state(item) for item in page
                   if item.get("status") in SHIPPED_STATUSES | CANCELLED_STATUSES
                   or moment(item.get("create_date")) >= since]

    def get_order(self, webshop_id: str) -> WebshopOrderState:
        return order_state(self._get(f"orders/{int(webshop_id)}/"))

    def cancel_order(self, webshop_id: str) -> None:
        """``PATCH /orders/{id}/ {"status": 8}``; repeating it is harmless (same value)."""
        self._write("PATCH", f"orders/{int(webshop_id)}/", {"status": CANCELLED})

    # -- StockReader --------------------------------------------------------------------

    def read_stock(self) -> WebshopStock:
        """Every product's ``stock`` where ``stockenabled``, by ``productnumber``."""
        found: dict[str, int] = {}
        untracked: set[str] = set()
        duplicates: set[str] = set()
        for page in self._pages("products/", {"orderby": "id"}, size=PAGE_MAX):
            for product in page:
                sku = str(product.get("productnumber") or "").strip()
                if not sku:
                    continue
                if sku in found or sku in untracked:
                    duplicates.add(sku)
                    continue
                stock = product.get("stock")
                if not product.get("stockenabled") or not isinstance(stock, int | float) \
                        or isinstance(stock, bool):
                    untracked.add(sku)
                    continue
                found[sku] = int(stock)
        return WebshopStock(found, frozenset(untracked), frozenset(duplicates))

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> CcvShopConnector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

