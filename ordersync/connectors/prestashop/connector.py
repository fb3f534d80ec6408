"""PrestaShopConnector: the webshop side over the PrestaShop webservice (8.x).

The key is the Basic-auth user (empty password); every answer is asked as JSON
(``Output-Format: JSON``) and every write is sent as XML, which is all 8.x reads. Facts the
stored docs leave open are in ``facts.py`` (each marked UNVERIFIED, chosen as the official
client ``PrestaShopWebservice`` / PrestaShop core behaves): the shop time zone, ``[]`` for an
empty list, no rate limit in core (paced politely), the hub reference kept in ``orders.note``.

An order is created as the webservice requires: a guest customer, an address, a cart with the
lines, then ``POST /api/orders`` from that cart (the only non-repeatable step that matters: the
customer, address and cart before it are harmless leftovers when the order is retried).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import httpx

from ordersync.connectors.prestashop.facts import (
    API,
    CANCELED,
    MAX_DATE,
    PAGE_LIMIT,
    PAYMENT_ACCEPTED,
    POLITE_BURST,
    POLITE_RATE,
    REFERENCE_FIELD,
    SHOP_TIMEZONE,
)
from ordersync.connectors.prestashop.mapping import (
    address_fields,
    customer_fields,
    items,
    order_state,
    ps_date,
    xml_body,
)
from ordersync.http import ApiClient, RateLimiter, Unlimited, ValidationError, limiter_for
from ordersync.http.paging import Page, paginate
from ordersync.orders import MarketplaceOrder, WebshopOrderState
from ordersync.stock.model import WebshopStock

TEST_PAYMENT = "TEST ORDER by ordersync - do not ship"  # PrestaShop has no test order kind
FIND_LOOKBACK = timedelta(minutes=5)  # clock skew between the hub and the shop
XML = {"Content-Type": "application/xml"}


class PrestaShopConnector:
    """A webshop connector (and ``StockReader``) for one PrestaShop shop's webservice key."""

    platform = "prestashop"
    page_size = PAGE_LIMIT  # orders per listing page (lowered in tests to force pages)

    def __init__(
        self,
        *,
        url: str,
        api_key: str,
        rate_limits: bool = True,
        carrier_id: int = 1,
        timezone: str = SHOP_TIMEZONE,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        limiter: RateLimiter | Unlimited | None = None,
    ) -> None:
        """``url`` is the shop's address (the webservice is under ``/api``); ``carrier_id``
        the carrier new orders get; ``timezone`` the shop's (PS_TIMEZONE)."""
        if not api_key:
            raise ValueError("prestashop: a webservice key is required")
        if httpx.URL(url).scheme not in ("http", "https"):
            raise ValueError("prestashop: the shop URL must be http:// or https://")
        self.url = url.rstrip("/")
        self.account = httpx.URL(self.url).host or self.url
        self.carrier_id, self.timezone = carrier_id, timezone
        if limiter is None:
            limiter = (limiter_for(f"prestashop:{self.account}", POLITE_RATE, POLITE_BURST)
                       if rate_limits else Unlimited())
        self.client = ApiClient(
            self.url, platform=self.platform, auth=httpx.BasicAuth(api_key, ""),
            headers={"Output-Format": "JSON", "Accept": "application/json"},
            limiter=limiter, transport=transport, sleep=sleep)
        self._ids: dict[tuple[str, str], str] = {}  # (resource, iso code) -> id
        self._carriers: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"PrestaShopConnector(url={self.url!r})"

    # -- plumbing -----------------------------------------------------------------------

    def _get(self, resource: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.client.request("GET", f"{API}/{resource}", params=params).json()

    def _post(self, resource: str, body: bytes) -> dict[str, Any]:
        response = self.client.request("POST", f"{API}/{resource}", content=body, headers=XML)
        return dict(response.json())

    def _keyset(self, resource: str, params: Mapping[str, Any],
                size: int) -> Iterator[list[dict[str, Any]]]:
        """Pages by id (``filter[id]=[after+1,...]``, ``sort=[id_ASC]``): an order that
        changes while the listing is paged neither shifts a page nor is skipped."""

        def fetch(after: int) -> Page[dict[str, Any], int]:
            query = {**params, "filter[id]": f"[{after + 1},999999999]", "sort": "[id_ASC]",
                     "limit": str(size)}
            found = items(self._get(resource, query), resource)
            last = int(found[-1]["id"]) if found else after
            return Page(found, last if len(found) >= size else None)

        for page in paginate(fetch, 0, platform=self.platform, listing=f"{API}/{resource}"):
            if page:
                yield list(page)

    def _lookup(self, resource: str, iso: str) -> str:
        """The id of a country or currency by ISO code (cached)."""
        key = (resource, iso.upper())
        if key not in self._ids:
            found = items(self._get(resource, {"filter[iso_code]": f"[{iso.upper()}]",
                                               "display": "[id,iso_code]"}), resource)
            if not found:
                raise ValidationError(f"no {resource[:-1]} {iso!r} in the shop",
                                      platform=self.platform)
            self._ids[key] = str(found[0]["id"])
        return self._ids[key]

    def product_ids(self, skus: Iterable[str]) -> dict[str, str]:
        """SKU (product ``reference``) -> product id, in one request; unknown SKUs left out."""
        wanted = sorted({s for s in skus if s})
        if not wanted:
            return {}
        found = items(self._get("products", {"filter[reference]": "[" + "|".join(wanted) + "]",
                                             "display": "[id,reference]"}), "products")
        return {str(p["reference"]): str(p["id"]) for p in found if p.get("reference") in wanted}

    # -- WebshopConnector ---------------------------------------------------------------

    def create_order(self, order: MarketplaceOrder) -> str:
        """Customer, address, cart, then ``POST /api/orders`` (payment accepted, the hub's
        reference in ``note``; a test order says so in ``payment``, which the admin's order
        list shows, and is cancelled - stock back - when its loop is done). Not idempotent: a
        5xx or timeout on the order raises UncertainWrite; reconcile with ``find_order``
        first."""
        skus = [line.sku or "" for line in order.lines]
        products = self.product_ids(skus)
        missing = sorted({s for s in skus if s not in products})
        if missing:
            raise ValidationError(
                f"{order.reference}: no product with SKU {', '.join(missing) or '(empty)'}",
                platform=self.platform)
        ship = order.shipping_address
        bill = order.billing_address or ship
        email = ship.email or bill.email or f"{order.external_id}@ordersync.invalid"
        country = self._lookup("countries", ship.country or "NL")
        currency = self._lookup("currencies", order.currency)
        customer = self._post("customers", xml_body("customer", customer_fields(bill, email)))
        customer_id = str(customer["customer"]["id"])
        address = self._post("addresses", xml_body(
            "address", address_fields(ship, customer_id, country)))
        address_id = str(address["address"]["id"])
        rows = [{"id_product": products[line.sku or ""], "id_product_attribute": 0,
                 "id_address_delivery": address_id, "quantity": line.quantity}
                for line in order.lines]
        cart = self._post("carts", xml_body(
            "cart", {"id_customer": customer_id, "id_address_delivery": address_id,
                     "id_address_invoice": address_id, "id_currency": currency, "id_lang": 1,
                     "id_carrier": self.carrier_id},
            {"cart_rows": ("cart_row", rows)}))
        total = f"{order.total:.2f}"
        created = self._post("orders", xml_body("order", {
            "id_cart": cart["cart"]["id"], "id_customer": customer_id,
            "id_address_delivery": address_id, "id_address_invoice": address_id,
            "id_currency": currency, "id_lang": 1, "id_carrier": self.carrier_id,
            "current_state": PAYMENT_ACCEPTED, "module": "ps_wirepayment",
            "payment": TEST_PAYMENT if order.test else f"Paid on {order.platform}",
            "total_paid": total,
            "total_paid_real": total, "total_products": total, "total_products_wt": total,
            "conversion_rate": 1, REFERENCE_FIELD: order.reference}))
        return str(created["order"]["id"])

    def find_order(self, order: MarketplaceOrder, created_after: datetime) -> str | None:
        """The order whose ``note`` is the hub's reference, created since ``created_after``
        (minus a clock-skew margin): one filtered request."""
        since = ps_date(created_after - FIND_LOOKBACK, self.timezone)
        found = items(self._get("orders", {
            f"filter[{REFERENCE_FIELD}]": f"[{order.reference}]",
            "filter[date_add]": f"[{since},{MAX_DATE}]", "date": "1",
            "display": f"[id,{REFERENCE_FIELD}]", "sort": "[id_ASC]"}), "orders")
        matches = [o for o in found if o.get(REFERENCE_FIELD) == order.reference]
        return str(matches[0]["id"]) if matches else None

    def changed_orders(self, since: datetime) -> Iterator[list[WebshopOrderState]]:
        """Orders with ``date_upd`` at or after ``since``, by id, ``page_size`` a page, each
        page's order_carriers in one more request."""
        params = {"display": "full", "date": "1",
                  "filter[date_upd]": f"[{ps_date(since, self.timezone)},{MAX_DATE}]"}
        for page in self._keyset("orders", params, self.page_size):
            yield self._states(page)

    def get_order(self, webshop_id: str) -> WebshopOrderState:
        order = self._get(f"orders/{int(webshop_id)}")["order"]
        return self._states([order])[0]

    def cancel_order(self, webshop_id: str) -> None:
        """A new order history in state Canceled (stock goes back); skipped when the order is
        cancelled already, so a repeat is harmless."""
        if self.get_order(webshop_id).cancelled:
            return
        self.set_state(webshop_id, CANCELED)

    def set_state(self, webshop_id: str, state: int) -> None:
        """``POST /api/order_histories`` (the order's ``current_state`` follows)."""
        self._post("order_histories", xml_body(
            "order_history", {"id_order": int(webshop_id), "id_order_state": state}))

    def _states(self, orders: Sequence[Mapping[str, Any]]) -> list[WebshopOrderState]:
        if not orders:
            return []
        ids = "|".join(str(o["id"]) for o in orders)
        rows = items(self._get("order_carriers", {"filter[id_order]": f"[{ids}]",
                                                  "display": "full", "sort": "[id_ASC]"}),
                     "order_carriers")
        wanted = {str(r.get("id_carrier")) for r in rows if r.get("tracking_number")}
        if wanted - set(self._carriers):
            self._carriers = {str(c["id"]): str(c.get("name") or "") for c in items(
                self._get("carriers", {"display": "[id,name]"}), "carriers")}
        by_order: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            by_order.setdefault(str(row.get("id_order")), []).append(row)
        return [order_state(o, by_order.get(str(o["id"]), []), self._carriers, self.timezone)
                for o in orders]

    # -- StockReader --------------------------------------------------------------------

    def read_stock(self) -> WebshopStock:
        """Every simple product's quantity (``stock_availables`` with
        ``id_product_attribute`` 0) by its ``reference``; combinations are untracked."""
        skus: dict[str, str] = {}
        duplicates: set[str] = set()
        for page in self._keyset("products", {"display": "[id,reference]"}, PAGE_LIMIT):
            for product in page:
                sku = str(product.get("reference") or "").strip()
                if sku and sku in skus.values():
                    duplicates.add(sku)
                elif sku:
                    skus[str(product["id"])] = sku
        found: dict[str, int] = {}
        untracked: set[str] = set()
        params = {"display": "[id,id_product,id_product_attribute,quantity]"}
        for page in self._keyset("stock_availables", params, PAGE_LIMIT):
            for row in page:
                sku = skus.get(str(row.get("id_product")))
                if sku is None or sku in duplicates:
                    continue
                if str(row.get("id_product_attribute")) != "0":
                    untracked.add(sku)
                else:
                    found[sku] = int(row.get("quantity") or 0)
        for sku in untracked:
            found.pop(sku, None)
        return WebshopStock(found, frozenset(untracked), frozenset(duplicates))

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> PrestaShopConnector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
