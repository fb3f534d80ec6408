"""ShopifyConnector: the webshop side over the Shopify Admin REST API."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import httpx

from ordersync.connectors.shopify.mapping import (
    DEFAULT_INVENTORY_BEHAVIOUR,
    STATE_FIELDS,
    iso,
    line_items_by_marketplace_line,
    order_payload,
    order_state,
)
from ordersync.connectors.shopify.pagination import link_pages
from ordersync.connectors.shopify.products import ProductReads
from ordersync.connectors.shopify.returns import ShopifyReturns
from ordersync.connectors.shopify.shop_import import ShopifyShopImport
from ordersync.http import ApiClient, RateLimiter, Unlimited, limiter_for
from ordersync.http.errors import error_for
from ordersync.orders import MarketplaceOrder, WebshopOrderState

log = logging.getLogger("ordersync.connectors.shopify")

API_VERSION = "2025-01"
"""The pinned Admin API version."""

BUCKET_SIZE = 40
LEAK_RATE = 2.0  # requests per second (Standard plan; Plus leaks 20/s from a bucket of 400)
PAGE_LIMIT = 250  # Shopify's maximum page size
FIND_LOOKBACK = timedelta(minutes=5)  # clock skew between the hub and Shopify
CALL_LIMIT_HEADER = "X-Shopify-Shop-Api-Call-Limit"


def observe_call_limit(limiter: RateLimiter | Unlimited) -> Callable[[httpx.Response], None]:
    """An ``on_response`` hook feeding ``X-Shopify-Shop-Api-Call-Limit: used/size`` to the
    limiter, so requests made by other apps on the same shop slow this one down too."""

    def hook(response: httpx.Response) -> None:
        value = response.headers.get(CALL_LIMIT_HEADER)
        if not value:
            return
        used, _, size = value.partition("/")
        try:
            limiter.observe(float(used), float(size))
        except (ValueError, ZeroDivisionError):
            log.debug("unreadable %s header: %r", CALL_LIMIT_HEADER, value)

    return hook


class ShopifyConnector(ProductReads, ShopifyShopImport, ShopifyReturns):
    """A webshop connector for one Shopify shop (a custom app's Admin API access token); also
    a ``ShopOrderSource`` (see ``shop_import``) and a ``ReturnRegistrar`` (see ``returns``)."""

    platform = "shopify"
    page_size = PAGE_LIMIT  # orders per listing page (lowered in tests to force many pages)

    def __init__(
        self,
        *,
        shop: str,
        access_token: str,
        api_version: str = API_VERSION,
        base_url: str | None = None,
        location_id: int | None = None,
        rate_limits: bool = True,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        limiter: RateLimiter | Unlimited | None = None,
        variants: Mapping[str, int] | None = None,
        inventory_behaviour: str = DEFAULT_INVENTORY_BEHAVIOUR,
    ) -> None:
        """``limiter`` overrides the shop's process-wide limiter (tests); ``variants`` maps
        SKUs to variant ids so those lines are linked to the shop's products."""
        if not access_token:
            raise ValueError("shopify: an access token is required")
        self.account = shop
        self.api_version = api_version
        self.location_id = location_id
        self.variants = dict(variants or {})
        self.inventory_behaviour = inventory_behaviour
        if limiter is None:
            limiter = (
                limiter_for(f"shopify:{shop}", LEAK_RATE, BUCKET_SIZE)
                if rate_limits
                else Unlimited()
            )
        self.limiter = limiter
        self.client = ApiClient(
            (base_url or f"https://{shop}.myshopify.com").rstrip("/"),
            platform=self.platform,
            headers={"X-Shopify-Access-Token": access_token, "Accept": "application/json"},
            limiter=limiter,
            transport=transport,
            sleep=sleep,
            on_response=observe_call_limit(limiter),
        )

    def __repr__(self) -> str:
        return f"ShopifyConnector(shop={self.account!r}, api_version={self.api_version!r})"

    def _path(self, resource: str) -> str:
        return f"/admin/api/{self.api_version}/{resource}.json"

    # -- writes -------------------------------------------------------------------------

    def create_order(self, order: MarketplaceOrder) -> str:
        """``POST /orders.json``; returns the Shopify order id. Not idempotent: a 5xx or a
        timeout raises UncertainWrite, reconcile with ``find_order`` before trying again."""
        unlinked = [li.sku for li in order.lines if li.sku and li.sku not in self.variants]
        variants = {**self.variants, **self.variant_ids(unlinked)}  # so Shopify takes stock
        body = order_payload(order, variants=variants, inventory_behaviour=self.inventory_behaviour)
        response = self.client.request("POST", self._path("orders"), json=body)
        return str(response.json()["order"]["id"])

    def cancel_order(self, webshop_id: str) -> None:
        """``POST /orders/{id}/cancel.json`` with ``restock`` (its unfulfilled quantities go
        back in stock), without mailing the buyer. Safe to repeat: an order that is already
        cancelled counts as success."""
        path = self._path(f"orders/{int(webshop_id)}/cancel")
        response = self.client.request(
            "POST", path, json={"reason": "other", "email": False, "restock": True},
            idempotent=True, expect=(422,),
        )
        if response.status_code == 422:
            detail = _error_text(response)
            if "already" in detail.lower() and "cancel" in detail.lower():
                return
            raise error_for(422, f"POST {path}", platform=self.platform, detail=detail)

    def delete_order(self, webshop_id: str) -> None:
        """``DELETE /orders/{id}.json`` (only orders without an online payment, such as the
        hub's test orders). Safe to repeat: an order that is gone counts as deleted."""
        self.client.request("DELETE", self._path(f"orders/{int(webshop_id)}"), expect=(404,))
    def cancel_lines(self, webshop_id: str, lines: Mapping[str, int]) -> None:
        """Cancel quantities of single lines (by marketplace line id): one refund whose lines
        have ``restock_type`` ``cancel`` (unfulfilled units, back in stock at the location),
        without notifying the buyer. Not idempotent: the caller looks the order's
        ``cancelled_lines`` up before a retry."""
        order = self.client.request("GET", self._path(f"orders/{int(webshop_id)}"),
                                    params={"fields": "id,line_items"}).json()["order"]
        by_line = line_items_by_marketplace_line(order)
        missing = sorted(set(lines) - set(by_line))
        if missing:
            raise error_for(422, f"refund order {webshop_id}", platform=self.platform,
                            detail=f"no line for marketplace line(s) {', '.join(missing)}")
        location = self._location()
        body = {"refund": {"notify": False, "note": "cancelled on the marketplace",
                           "refund_line_items": [
                               {"line_item_id": by_line[line_id], "quantity": quantity,
                                "restock_type": "cancel", "location_id": location}
                               for line_id, quantity in sorted(lines.items())]}}
        self.client.request("POST", self._path(f"orders/{int(webshop_id)}/refunds"), json=body)

    def _location(self) -> int:
        """The location stock goes back to: the configured one, else the shop's first active
        location (read once)."""
        if self.location_id is None:
            found = self.client.request("GET", self._path("locations")).json()["locations"]
            active = [loc for loc in found if loc.get("active", True)] or found
            self.location_id = int(active[0]["id"])
        return self.location_id

    # -- reads --------------------------------------------------------------------------

    def get_order(self, webshop_id: str) -> WebshopOrderState:
        path = self._path(f"orders/{int(webshop_id)}")
        response = self.client.request("GET", path, params={"fields": STATE_FIELDS})
        return order_state(response.json()["order"])

    def find_order(self, order: MarketplaceOrder, created_after: datetime) -> str | None:
        """The id of the order created for ``order.reference`` since ``created_after`` (minus
        a few minutes of clock skew), or None."""
        params = {
            "status": "any",
            "created_at_min": iso(created_after - FIND_LOOKBACK),
            "fields": "id,source_identifier,created_at",
            "limit": self.page_size,
        }
        for page in self._pages(params):
            for item in page:
                if item.get("source_identifier") == order.reference:
                    return str(item["id"])
        return None

    def changed_orders(self, since: datetime) -> Iterator[list[WebshopOrderState]]:
        """Orders updated at or after ``since`` (any status), one list per page."""
        params = {
            "status": "any",
            "updated_at_min": iso(since),
            "fields": STATE_FIELDS,
            "limit": self.page_size,
        }
        for page in self._pages(params):
            if page:
                yield [order_state(item) for item in page]

    def _pages(self, params: dict[str, Any]) -> Iterator[Sequence[dict[str, Any]]]:
        """Follow the Link header; with ``page_info`` only ``limit`` and ``fields`` may go."""
        path = self._path("orders")
        return link_pages(lambda query: self.client.request("GET", path, params=query),
                          params, "orders", platform=self.platform, listing="orders")

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> ShopifyConnector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _error_text(response: httpx.Response) -> str:
    """Shopify error bodies: ``{"errors": ...}`` or ``{"error": "..."}``."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        return str(body.get("errors") or body.get("error") or body)[:500]
    return str(body)[:200]
