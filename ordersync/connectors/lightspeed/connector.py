"""LightspeedConnector: the webshop side over the Lightspeed eCom (C-Series) REST API.

``{cluster}/{language}/{resource}.json`` with HTTP Basic (API key : secret), ``page``/``limit``
paging (limit at most 250), bodies wrapped in the singular resource key. Facts the stored
material leaves open (listing filters and order, where the hub reference and the carrier
live, the checkout answer) follow the official PHP client's documented behaviour and are
listed in ``limits.UNVERIFIED``.

Orders are created the only way the API offers, the checkout flow: ``POST /checkouts.json``
(reference in ``comment``), ``POST /checkouts/{id}/products.json`` per line,
``POST /checkouts/{id}/order.json`` - the last one creates the order; an uncertain answer is
reconciled by ``find_order`` (orders created since, matched on the reference).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import httpx

from ordersync.connectors.lightspeed.limits import MARGIN, MAX_LIMIT, WINDOWS
from ordersync.connectors.lightspeed.mapping import (
    SHIPPED,
    carrier_of,
    checkout_body,
    order_state,
    query_date,
    reference_of,
)
from ordersync.http import ApiClient, RateLimiter, Unlimited, ValidationError, limiter_for
from ordersync.http.paging import numbered
from ordersync.orders import MarketplaceOrder, WebshopOrderState
from ordersync.stock.model import WebshopStock

FIND_LOOKBACK = timedelta(minutes=5)  # clock skew between the hub and the platform


def window_values(header: str | None) -> list[int] | None:
    """``"300/3000/72000"`` -> [300, 3000, 72000]; None when absent or malformed."""
    if not header:
        return None
    try:
        values = [int(float(v)) for v in header.split("/")]
    except ValueError:
        return None
    return values if len(values) == len(WINDOWS) else None


def observe_windows(limiter: RateLimiter | Unlimited) -> Callable[[httpx.Response], None]:
    """An ``on_response`` hook honouring all three windows of ``X-RateLimit-Remaining`` /
    ``-Reset``: a window down to ``MARGIN`` requests holds every caller until it resets."""

    def observe(response: httpx.Response) -> None:
        remaining = window_values(response.headers.get("X-RateLimit-Remaining"))
        reset = window_values(response.headers.get("X-RateLimit-Reset"))
        if remaining is None or reset is None:
            return
        wait = max((r for left, r in zip(remaining, reset, strict=True) if left <= MARGIN),
                   default=0)
        if wait > 0:
            limiter.pause(float(wait))

    return observe


class LightspeedConnector:
    """A webshop connector (and ``StockReader``) for one Lightspeed eCom shop."""

    platform = "lightspeed"
    page_size = MAX_LIMIT  # orders per listing page (the kit lowers it to force pages)

    def __init__(
        self,
        *,
        cluster_url: str,
        language: str,
        api_key: str,
        api_secret: str,
        rate_limits: bool = True,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        limiter: RateLimiter | Unlimited | None = None,
    ) -> None:
        if not api_key or not api_secret:
            raise ValueError("lightspeed: an API key and secret are required")
        if not language.isalpha():
            raise ValueError("lightspeed: the language is a shop language code like 'nl'")
        self.base = f"{cluster_url.rstrip('/')}/{language}"
        self.account = api_key[:8]
        if limiter is None:
            first = WINDOWS[0]
            limiter = (limiter_for(f"lightspeed:{api_key[:8]}", first.limit / first.seconds,
                                   first.limit // 10) if rate_limits else Unlimited())
        self.client = ApiClient(
            self.base, platform=self.platform, auth=httpx.BasicAuth(api_key, api_secret),
            headers={"Accept": "application/json"}, limiter=limiter, transport=transport,
            sleep=sleep, on_response=observe_windows(limiter),
        )

    def __repr__(self) -> str:
        return f"LightspeedConnector(base={self.base!r})"

    # -- plumbing -----------------------------------------------------------------------

    def _get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.client.request("GET", f"/{path}.json", params=params).json()

    def _pages(self, path: str, key: str, params: Mapping[str, Any],
               limit: int) -> Iterator[list[dict[str, Any]]]:
        """``page`` 1, 2, ... until a page shorter than ``limit``; empty pages not yielded."""

        def fetch(page: int) -> tuple[list[dict[str, Any]], bool]:
            items = list(self._get(path, {**params, "page": page, "limit": limit})[key])
            return items, len(items) >= limit

        for items in numbered(fetch, platform=self.platform, listing=path, fingerprint=_ids):
            if items:
                yield list(items)

    # -- WebshopConnector ---------------------------------------------------------------

    def variant_ids(self, skus: Iterable[str]) -> dict[str, int]:
        """SKU -> variant id (``GET /variants.json?sku=``); unknown SKUs left out."""
        found: dict[str, int] = {}
        for sku in dict.fromkeys(s for s in skus if s):
            for item in self._get("variants", {"sku": sku, "limit": 1})["variants"]:
                if item.get("sku") == sku:
                    found[sku] = int(item["id"])
        return found

    def create_order(self, order: MarketplaceOrder) -> str:
        """The checkout flow (module docstring). An empty checkout is no order, so its creation
        is retried freely; a line or the order request cut off raises UncertainWrite, and the
        loop's lookup then tells whether an order exists before a retry starts a new checkout
        (a line is never re-sent into the same checkout: it would double its quantity)."""
        skus = [line.sku or "" for line in order.lines]
        variants = self.variant_ids(skus)
        missing = sorted({s for s in skus if s not in variants})
        if missing:
            raise ValidationError(
                f"{order.reference}: no variant with SKU {', '.join(missing) or '(empty)'}",
                platform=self.platform)
        checkout = self.client.request("POST", "/checkouts.json", json=checkout_body(order),
                                       idempotent=True).json()["checkout"]
        cid = int(checkout["id"])
        for line in order.lines:
            body = {"variant_id": variants[line.sku or ""], "quantity": line.quantity}
            self.client.request("POST", f"/checkouts/{cid}/products.json", json=body)
        created = self.client.request("POST", f"/checkouts/{cid}/order.json", json={}).json()
        return str(created["order"]["id"])

    def find_order(self, order: MarketplaceOrder, created_after: datetime) -> str | None:
        params = {"created_at_min": query_date(created_after - FIND_LOOKBACK)}
        for page in self._pages("orders", "orders", params, self.page_size):
            for item in page:
                if reference_of(item) == order.reference:
                    return str(item["id"])
        return None

    def changed_orders(self, since: datetime) -> Iterator[list[WebshopOrderState]]:
        """Orders updated at or after ``since`` (whole seconds), one list per page."""
        params = {"updated_at_min": query_date(since)}
        for page in self._pages("orders", "orders", params, self.page_size):
            yield [self._state(item) for item in page]

    def get_order(self, webshop_id: str) -> WebshopOrderState:
        return self._state(self._get(f"orders/{int(webshop_id)}")["order"])

    def cancel_order(self, webshop_id: str) -> None:
        """``PUT /orders/{id}.json {"order": {"status": "cancelled"}}``; repeating is harmless."""
        self.client.request("PUT", f"/orders/{int(webshop_id)}.json",
                            json={"order": {"status": "cancelled"}})

    def _state(self, order: Mapping[str, Any]) -> WebshopOrderState:
        """Shipments (and their carrier metafields) are read only for shipped orders."""
        shipments: list[tuple[dict[str, Any], str | None]] = []
        if order.get("shipmentStatus") in SHIPPED:
            params = {"order": int(order["id"])}
            for page in self._pages("shipments", "shipments", params, MAX_LIMIT):
                for shipment in page:
                    carrier = None
                    if shipment.get("trackingCode") and shipment.get("status") in SHIPPED:
                        metafields = self._get(f"shipments/{int(shipment['id'])}/metafields")
                        carrier = carrier_of(metafields["shipmentMetafields"])
                    shipments.append((shipment, carrier))
        return order_state(order, shipments)

    # -- StockReader --------------------------------------------------------------------

    def read_stock(self) -> WebshopStock:
        """Every variant's ``stockLevel`` where ``stockTracking`` is ``enabled``."""
        found: dict[str, int] = {}
        untracked: set[str] = set()
        duplicates: set[str] = set()
        for page in self._pages("variants", "variants", {}, MAX_LIMIT):
            for variant in page:
                sku = str(variant.get("sku") or "").strip()
                if not sku:
                    continue
                if sku in found or sku in untracked:
                    duplicates.add(sku)
                elif variant.get("stockTracking") != "enabled" or not isinstance(
                        variant.get("stockLevel"), int):
                    untracked.add(sku)
                else:
                    found[sku] = int(variant["stockLevel"])
        return WebshopStock(found, frozenset(untracked), frozenset(duplicates))

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> LightspeedConnector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _ids(page: Sequence[Any]) -> tuple[str, ...]:
    return tuple(str(i.get("id")) if isinstance(i, dict) else repr(i) for i in page)
