"""WooCommerceConnector: the webshop side and the import-side reads over WooCommerce REST v3."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import httpx

from ordersync.connectors.woocommerce.auth import WooAuth
from ordersync.connectors.woocommerce.mapping import (
    COMPLETED,
    iso,
    order_payload,
    order_state,
    reference_of,
)
from ordersync.connectors.woocommerce.returns import WooReturns
from ordersync.connectors.woocommerce.shop_import import WooShopImport
from ordersync.connectors.woocommerce.stock import WooStock
from ordersync.http import ApiClient, RateLimiter, Unlimited, ValidationError, limiter_for
from ordersync.http.paging import numbered
from ordersync.orders import MarketplaceOrder, WebshopOrderState

API = "/wp-json/wc/v3"
TRACKING_API = "/wp-json/wc-shipment-tracking/v3"
PAGE_LIMIT = 100  # WooCommerce's maximum per_page
FIND_LOOKBACK = timedelta(minutes=5)  # clock skew between the hub and the site
POLITE_RATE, POLITE_BURST = 5.0, 10  # core has no limit; be gentle with shared hosting


class WooCommerceConnector(WooShopImport, WooStock, WooReturns):
    """A webshop connector for one WooCommerce site (a REST API key pair); also a
    ``ShopOrderSource`` (see ``shop_import``) and a ``ReturnRegistrar`` (see ``returns``)."""

    platform = "woocommerce"
    page_size = PAGE_LIMIT  # orders per listing page (lowered in tests to force many pages)

    def __init__(
        self,
        *,
        url: str,
        consumer_key: str,
        consumer_secret: str,
        rate_limits: bool = False,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        limiter: RateLimiter | Unlimited | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``url`` is the site URL exactly as WooCommerce knows it (the OAuth signature covers
        it): https -> HTTP Basic, http -> OAuth 1.0a signed with ``clock``'s time (see
        ``auth``). ``rate_limits`` True spaces requests politely (``POLITE_RATE``/s per site)."""
        if not consumer_key or not consumer_secret:
            raise ValueError("woocommerce: a consumer key and secret are required")
        if httpx.URL(url).scheme not in ("http", "https"):
            raise ValueError("woocommerce: the site URL must be http:// or https://")
        self.url = url.rstrip("/")
        self.account = httpx.URL(self.url).host or self.url
        if limiter is None:
            limiter = (limiter_for(f"woocommerce:{self.account}", POLITE_RATE, POLITE_BURST)
                       if rate_limits else Unlimited())
        self.client = ApiClient(
            self.url, platform=self.platform, auth=WooAuth(consumer_key, consumer_secret,
                                                           clock=clock),
            headers={"Accept": "application/json"}, limiter=limiter, transport=transport,
            sleep=sleep,
        )

    def __repr__(self) -> str:
        return f"WooCommerceConnector(url={self.url!r})"

    # -- plumbing -----------------------------------------------------------------------

    def _get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.client.request("GET", f"{API}/{path}", params=params).json()

    def _pages(self, path: str, params: Mapping[str, Any]) -> Iterator[list[dict[str, Any]]]:
        """Page numbers until ``X-WP-TotalPages`` (or an empty page); empty pages are not
        yielded."""

        def fetch(page: int) -> tuple[list[dict[str, Any]], bool]:
            response = self.client.request("GET", path, params={**params, "page": page})
            items = response.json()
            total = response.headers.get("X-WP-TotalPages")
            last = int(total) if total and total.isdigit() else page
            return items, bool(items) and page < last

        for items in numbered(fetch, platform=self.platform, listing=path, fingerprint=_ids):
            if items:
                yield list(items)

    # -- WebshopConnector ---------------------------------------------------------------

    def product_ids(self, skus: Iterable[str]) -> dict[str, int]:
        """SKU -> product id (``GET /products?sku=``); unknown SKUs are left out."""
        found: dict[str, int] = {}
        for sku in dict.fromkeys(s for s in skus if s):
            for item in self._get("products", {"sku": sku, "per_page": 1}):
                if item.get("sku") == sku:
                    found[sku] = int(item["id"])
        return found

    def create_order(self, order: MarketplaceOrder) -> str:
        """``POST /orders`` (processing, paid, reference in ``meta_data``). Not idempotent: a
        5xx or timeout raises UncertainWrite; reconcile with ``find_order`` first."""
        skus = [line.sku or "" for line in order.lines]
        products = self.product_ids(skus)
        missing = sorted({s for s in skus if s not in products})
        if missing:
            raise ValidationError(
                f"{order.reference}: no product with SKU {', '.join(missing) or '(empty)'}",
                platform=self.platform,
            )
        body = order_payload(order, products)
        response = self.client.request("POST", f"{API}/orders", json=body)
        return str(response.json()["id"])

    def find_order(self, order: MarketplaceOrder, created_after: datetime) -> str | None:
        params = {"after": iso(created_after - FIND_LOOKBACK), "dates_are_gmt": "true",
                  "status": "any", "per_page": self.page_size, "orderby": "id", "order": "asc"}
        for page in self._pages(f"{API}/orders", params):
            for item in page:
                if reference_of(item) == order.reference:
                    return str(item["id"])
        return None

    def changed_orders(self, since: datetime) -> Iterator[list[WebshopOrderState]]:
        """Orders modified after ``since``, one list per page; tracking is read from the
        Shipment Tracking extension for completed orders only."""
        params = {"modified_after": iso(since), "dates_are_gmt": "true", "status": "any",
                  "per_page": self.page_size, "orderby": "id", "order": "asc"}
        for page in self._pages(f"{API}/orders", params):
            yield [self._state(item) for item in page]

    def get_order(self, webshop_id: str) -> WebshopOrderState:
        return self._state(self._get(f"orders/{int(webshop_id)}"))

    def cancel_order(self, webshop_id: str) -> None:
        """``PUT /orders/{id} {"status": "cancelled"}``; repeating it is harmless."""
        self.set_status(webshop_id, "cancelled")

    def delete_order(self, webshop_id: str) -> None:
        """Cancelled first (WooCommerce gives back the stock an order took on cancel, never on
        delete), then ``DELETE /orders/{id}?force=true`` (for good, not to the trash). Safe
        to repeat: an order that is gone counts as deleted."""
        path = f"{API}/orders/{int(webshop_id)}"
        if self.client.request("PUT", path, json={"status": "cancelled"},
                               expect=(404,)).status_code == 404:
            return
        self.client.request("DELETE", path, params={"force": "true"}, expect=(404,))

    def _state(self, order: Mapping[str, Any]) -> WebshopOrderState:
        trackings = self.trackings(order["id"]) if order.get("status") in COMPLETED else []
        return order_state(order, trackings)

    def trackings(self, order_id: int | str) -> list[dict[str, Any]]:
        """Shipment Tracking entries; [] when the extension is not installed (404)."""
        path = f"{TRACKING_API}/orders/{int(order_id)}/shipment-trackings"
        response = self.client.request("GET", path, expect=(404,))
        return [] if response.status_code == 404 else list(response.json())

    # -- import-side reads and writes ---------------------------------------------------

    def list_orders(
        self,
        *,
        after: datetime | None = None,
        before: datetime | None = None,
        modified_after: datetime | None = None,
        statuses: Iterable[str] | None = None,
        page_size: int = PAGE_LIMIT,
    ) -> Iterator[list[dict[str, Any]]]:
        """Raw orders page by page (oldest id first); map them with ``mapping.shop_order``."""
        params: dict[str, Any] = {"dates_are_gmt": "true", "per_page": min(page_size, PAGE_LIMIT),
                                  "orderby": "id", "order": "asc",
                                  "status": ",".join(statuses) if statuses else "any"}
        for key, value in (("after", after), ("before", before),
                           ("modified_after", modified_after)):
            if value is not None:
                params[key] = iso(value)
        yield from self._pages(f"{API}/orders", params)

    def get_products(self, ids: Iterable[int | str]) -> list[dict[str, Any]]:
        """Products by id (with their ``categories``), in chunks of 100."""
        wanted = sorted({int(i) for i in ids})
        found: list[dict[str, Any]] = []
        for start in range(0, len(wanted), PAGE_LIMIT):
            chunk = wanted[start:start + PAGE_LIMIT]
            params = {"include": ",".join(map(str, chunk)), "per_page": PAGE_LIMIT}
            for page in self._pages(f"{API}/products", params):
                found.extend(page)
        return found

    def list_categories(self) -> list[dict[str, Any]]:
        """Every product category as ``{id, name, parent}``."""
        return [{"id": c["id"], "name": c["name"], "parent": c.get("parent", 0)}
                for page in self._pages(f"{API}/products/categories", {"per_page": PAGE_LIMIT})
                for c in page]

    def add_order_note(self, order_id: int | str, note: str) -> dict[str, Any]:
        """A private note on the order. Not idempotent (UncertainWrite on a timeout)."""
        path = f"{API}/orders/{int(order_id)}/notes"
        return self.client.request("POST", path, json={"note": note}).json()

    def set_status(self, order_id: int | str, status: str) -> None:
        self.client.request("PUT", f"{API}/orders/{int(order_id)}", json={"status": status})

    def add_tracking(self, order_id: int | str, provider: str, number: str,
                     date_shipped: date | datetime | None = None) -> dict[str, Any]:
        """Add a Shipment Tracking entry (extension required)."""
        body: dict[str, Any] = {"tracking_provider": provider, "tracking_number": number}
        if date_shipped is not None:
            body["date_shipped"] = (date_shipped.date() if isinstance(date_shipped, datetime)
                                    else date_shipped).isoformat()
        path = f"{TRACKING_API}/orders/{int(order_id)}/shipment-trackings"
        return self.client.request("POST", path, json=body).json()

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> WooCommerceConnector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _ids(page: Sequence[Any]) -> tuple[str, ...]:
    """A page's content, to refuse a listing that hands out one page again."""
    return tuple(str(i.get("id")) if isinstance(i, dict) else repr(i) for i in page)
