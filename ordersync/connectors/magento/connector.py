"""MagentoConnector: a Magento 2 / Adobe Commerce shop as the order loop's webshop, over the
admin REST API with an integration access token (Bearer).

Choices (docs: specs/magento2/docs):
- **Create** with the admin ``POST /V1/orders`` (order repository save), not the guest cart
  APIs (``POST /V1/guest-carts`` ... ``PUT /V1/guest-carts/{id}/order``): it is one request,
  keeps the marketplace's prices (a cart re-prices from the catalogue), needs no payment
  method that takes money, and stores the reference in ``ext_order_id`` in the same write, so
  ``find_order`` finds an uncertain create again by ``ext_order_id eq reference``. A cart
  could only carry the reference in a second write after the order exists. Cost: Magento
  places no MSI reservation for a repository save; sources are deducted when it ships.
- **Changes** are read by keyset on ``(updated_at, entity_id)``: every request is page 1 of
  ``updated_at >= T AND (updated_at > T OR entity_id > last)``, sorted by both. Offset pages
  would skip an order when another one moves to the end (its ``updated_at`` changes) during
  paging; a keyset cannot. An order changed while paging is yielded once; the next poll
  reads its new state.
  Shipments (and tracks added later, which leave the order row untouched) are read with
  ``GET /V1/shipments`` filtered on ``order_id in`` the page's shipped orders, plus those
  updated since the watermark.
- Paging by ``current_page`` (find, shipments, stock) stops at ``total_count``: Magento
  answers a page past the end with the last page again.
- No rate limit: Magento has none for REST except the optional one on cart payment routes
  (2.4.7+, rate-limiting doc); ``rate_limits`` spaces requests politely, a 429 with
  Retry-After from a proxy is honoured by the client.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import httpx

from ordersync.connectors.magento.mapping import (
    CANCELED,
    has_shipments,
    order_payload,
    order_state,
    render_message,
)
from ordersync.connectors.magento.search import (
    Filter,
    last_page,
    magento_date,
    search_criteria,
)
from ordersync.connectors.magento.stock import MagentoStock
from ordersync.http import (
    ApiClient,
    ApiError,
    RateLimiter,
    Unlimited,
    ValidationError,
    limiter_for,
)
from ordersync.http.paging import Page, numbered, paginate
from ordersync.orders import MarketplaceOrder, WebshopOrderState

PAGE_SIZE = 100
ID_CHUNK = 100  # ids per ``in`` filter
FIND_LOOKBACK = timedelta(minutes=5)  # clock skew between the hub and the shop
POLITE_RATE, POLITE_BURST = 5.0, 10
Groups = Sequence[Sequence[Filter]]


class MagentoConnector(MagentoStock):
    """A webshop connector for one Magento store (``base_url`` + integration token)."""

    platform = "magento"
    page_size = PAGE_SIZE  # items per search page (lowered in tests to force many pages)

    def __init__(
        self,
        *,
        base_url: str,
        access_token: str,
        store_code: str | None = None,
        source_code: str = "default",
        payment_method: str = "checkmo",
        shipping_method: str = "flatrate_flatrate",
        account: str | None = None,
        rate_limits: bool = False,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        limiter: RateLimiter | Unlimited | None = None,
    ) -> None:
        """``store_code`` None uses ``/rest/V1`` (the default store view); ``source_code`` is
        the MSI source whose quantities stock sync reads; ``payment_method`` and
        ``shipping_method`` are the offline methods the created orders carry."""
        if not access_token:
            raise ValueError("magento: an integration access token is required")
        url = httpx.URL(base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError("magento: base_url must be the shop's http(s) address")
        self.base_url = base_url.rstrip("/")
        self.account = account or url.host
        self.prefix = f"/rest/{store_code}/V1" if store_code else "/rest/V1"
        self.source_code = source_code
        self.payment_method, self.shipping_method = payment_method, shipping_method
        if limiter is None:
            limiter = (limiter_for(f"magento:{self.account}", POLITE_RATE, POLITE_BURST)
                       if rate_limits else Unlimited())
        self._last_error = ""
        self.client = ApiClient(
            self.base_url, platform=self.platform,
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
            limiter=limiter, transport=transport, sleep=sleep, on_response=self._remember,
        )

    def __repr__(self) -> str:
        return f"MagentoConnector(base_url={self.base_url!r})"

    # -- plumbing -----------------------------------------------------------------------

    def _remember(self, response: httpx.Response) -> None:
        """Keep the last error body rendered (``message`` with ``parameters`` filled in)."""
        if response.status_code >= 400:
            try:
                self._last_error = render_message(response.json())
            except ValueError:
                self._last_error = response.text[:200]

    def _request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        """One call; an error names Magento's rendered message."""
        self._last_error = ""
        try:
            return self.client.request(method, f"{self.prefix}/{path}", **kw)
        except ApiError as exc:
            if self._last_error and exc.status is not None:
                exc.detail = self._last_error
                exc.args = (f"{self.platform}: {method} {self.prefix}/{path}: {exc.detail}",)
            raise

    def _get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self._request("GET", path, params=params).json()

    def _search(self, path: str, groups: Groups, *, sort: Sequence[tuple[str, str]] = (),
                page_size: int | None = None) -> Iterator[Sequence[dict[str, Any]]]:
        """Every page of a search, ``current_page`` 1..last by ``total_count`` (a page past
        the end would repeat the last one), through the shared paginator."""
        size = page_size or self.page_size

        def fetch(page: int) -> tuple[list[dict[str, Any]], bool]:
            body = self._get(path, search_criteria(groups, sort=sort, page_size=size,
                                                   current_page=page))
            items = list(body.get("items") or ())
            return items, bool(items) and page < last_page(int(body.get("total_count") or 0),
                                                           size)

        for items in numbered(fetch, platform=self.platform, listing=path,
                              fingerprint=_fingerprint):
            if items:
                yield items

    # -- WebshopConnector ---------------------------------------------------------------

    def product_ids(self, skus: Sequence[str]) -> dict[str, int]:
        """SKU -> product id, one search for the order's SKUs."""
        wanted = sorted({s for s in skus if s})
        if not wanted:
            return {}
        found: dict[str, int] = {}
        for page in self._search("products", [[Filter("sku", ",".join(wanted), "in")]],
                                 page_size=max(len(wanted), 1)):
            for product in page:
                if product.get("sku") in wanted:
                    found[product["sku"]] = int(product["id"])
        return found

    def create_order(self, order: MarketplaceOrder) -> str:
        """``POST /V1/orders`` (see the module docstring). Not idempotent: a timeout or 5xx
        raises UncertainWrite; the loop reconciles with ``find_order`` first."""
        skus = [line.sku or "" for line in order.lines]
        products = self.product_ids(skus)
        missing = sorted({s for s in skus if s not in products})
        if missing:
            raise ValidationError(
                f"{order.reference}: no product with SKU {', '.join(missing) or '(empty)'}",
                platform=self.platform)
        body = order_payload(order, products, payment_method=self.payment_method,
                             shipping_method=self.shipping_method)
        response = self._request("POST", "orders", json=body)
        return str(response.json()["entity_id"])

    def find_order(self, order: MarketplaceOrder, created_after: datetime) -> str | None:
        """The oldest order whose ``ext_order_id`` is the reference, created since
        ``created_after`` (minus ``FIND_LOOKBACK``)."""
        groups = [[Filter("ext_order_id", order.reference)],
                  [Filter("created_at", magento_date(created_after - FIND_LOOKBACK), "gteq")]]
        for page in self._search("orders", groups, sort=[("entity_id", "ASC")]):
            for item in page:
                if item.get("ext_order_id") == order.reference:
                    return str(item["entity_id"])
        return None

    def changed_orders(self, since: datetime) -> Iterator[list[WebshopOrderState]]:
        """Orders updated at or after ``since`` (keyset pages, see the module docstring),
        then orders whose shipments changed since then that were not in those pages. Each order
        once per listing: one that changes while paging moves to the end of the keyset and is
        not yielded again; the next poll (watermark minus overlap) reads its new state."""
        seen: set[int] = set()
        for page in self._keyset_pages(magento_date(since)):
            fresh = [o for o in page if int(o["entity_id"]) not in seen]
            seen.update(int(o["entity_id"]) for o in fresh)
            if fresh:
                yield self._states(fresh)
        moved = self._orders_with_shipments_since(since, exclude=seen)
        for start in range(0, len(moved), ID_CHUNK):
            chunk = ",".join(str(i) for i in moved[start:start + ID_CHUNK])
            for page in self._search("orders", [[Filter("entity_id", chunk, "in")]],
                                     sort=[("entity_id", "ASC")]):
                yield self._states(page)

    def _keyset_pages(self, since: str) -> Iterator[Sequence[dict[str, Any]]]:
        """Page 1 of ``updated_at >= since`` after the cursor ``(updated_at, entity_id)`` of
        the previous page's last order, until a page is not full."""
        size = self.page_size

        def fetch(after: tuple[str, int] | None) -> Page[dict[str, Any], tuple[str, int]]:
            groups: list[list[Filter]] = [[Filter("updated_at", since, "gteq")]]
            if after is not None:
                groups = [[Filter("updated_at", after[0], "gteq")],
                          [Filter("updated_at", after[0], "gt"),
                           Filter("entity_id", str(after[1]), "gt")]]
            body = self._get("orders", search_criteria(
                groups, sort=[("updated_at", "ASC"), ("entity_id", "ASC")],
                page_size=size, current_page=1))
            items = list(body.get("items") or ())
            if int(body.get("total_count") or 0) <= size or len(items) < size:
                return Page(items)
            last = items[-1]
            return Page(items, (str(last["updated_at"]), int(last["entity_id"])))

        for items in paginate(fetch, None, platform=self.platform, listing="orders keyset"):
            if items:
                yield items

    def _orders_with_shipments_since(self, since: datetime, exclude: Any) -> list[int]:
        """Ids of orders whose shipments (or their tracks) changed since ``since``."""
        ids: set[int] = set()
        groups = [[Filter("updated_at", magento_date(since), "gteq")]]
        for page in self._search("shipments", groups, sort=[("entity_id", "ASC")]):
            ids.update(int(s["order_id"]) for s in page)
        return sorted(ids - set(exclude))

    def _shipments(self, order_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
        """order id -> its shipments with items and tracks."""
        found: dict[int, list[dict[str, Any]]] = {i: [] for i in order_ids}
        for start in range(0, len(order_ids), ID_CHUNK):
            chunk = ",".join(str(i) for i in order_ids[start:start + ID_CHUNK])
            for page in self._search("shipments", [[Filter("order_id", chunk, "in")]],
                                     sort=[("entity_id", "ASC")]):
                for shipment in page:
                    found.setdefault(int(shipment["order_id"]), []).append(shipment)
        return found

    def _states(self, orders: Sequence[Mapping[str, Any]]) -> list[WebshopOrderState]:
        shipped = [int(o["entity_id"]) for o in orders if has_shipments(o)]
        shipments = self._shipments(shipped) if shipped else {}
        return [order_state(o, shipments.get(int(o["entity_id"]), ())) for o in orders]

    def get_order(self, webshop_id: str) -> WebshopOrderState:
        return self._states([self.get_raw(webshop_id)])[0]

    def get_raw(self, webshop_id: str) -> dict[str, Any]:
        return self._get(f"orders/{int(webshop_id)}")

    def cancel_order(self, webshop_id: str) -> None:
        """``POST /V1/orders/{id}/cancel``. Magento answers ``false`` (200) when the order
        cannot be cancelled: fine when it already is, else a ValidationError naming its state
        (e.g. complete: everything shipped)."""
        done = self._request("POST", f"orders/{int(webshop_id)}/cancel", idempotent=True).json()
        if done is True:
            return
        state = self.get_raw(webshop_id).get("state")
        if state != CANCELED:
            raise ValidationError(f"order {webshop_id} cannot be cancelled in state {state}",
                                  platform=self.platform, status=200)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> MagentoConnector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _fingerprint(items: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """A search page's content: its entities' ids (orders, shipments, products) or SKUs and
    sources (MSI source items)."""
    return tuple(str(i.get("entity_id") or i.get("id")
                     or f"{i.get('sku')}@{i.get('source_code')}") for i in items)
