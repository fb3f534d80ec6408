"""The twin's in-memory shop: orders, customers, fulfillment orders, fulfillments, stock.

Everything is rendered in Shopify's REST shapes (large integer ids, money as strings with two
decimals, ``admin_graphql_api_id``, timestamps with the shop's UTC offset) as in the fixtures
of ``shared/specs/shopify-fixtures``. Errors are raised as ``ShopError(status, body)``.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from ordersync.sandbox.shopify.seeding import SeededOrders
from ordersync.sandbox.shopify.shopper import render

COUNTRIES = {
    "NL": "Netherlands", "BE": "Belgium", "DE": "Germany", "FR": "France", "AT": "Austria",
    "LU": "Luxembourg", "ES": "Spain", "IT": "Italy", "PL": "Poland", "GB": "United Kingdom",
    "US": "United States", "DK": "Denmark", "SE": "Sweden",
}
TRACKING_URLS = {
    "postnl": "https://jouw.postnl.nl/track-and-trace/{number}",
    "dhl": "https://www.dhl.com/nl-en/home/tracking.html?tracking-id={number}",
    "dpd": "https://tracking.dpd.de/parcelstatus?query={number}",
    "ups": "https://www.ups.com/track?tracknum={number}",
    "gls": "https://gls-group.com/track/{number}",
}
ID_BASE = 5_900_000_000_000  # modern Shopify ids are 13 digits
SHOP_ID = 69_420_000_001

Json = dict[str, Any]


class ShopError(Exception):
    """An API error with Shopify's status and body."""

    def __init__(self, status: int, body: Json) -> None:
        super().__init__(status, body)
        self.status, self.body = status, body


def _missing(param: str) -> ShopError:
    return ShopError(400, {"errors": {param: "Required parameter missing or invalid"}})


def _unprocessable(message: str) -> ShopError:
    return ShopError(422, {"errors": [message]})


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def _money_set(amount: str, currency: str) -> Json:
    money = {"amount": amount, "currency_code": currency}
    return {"shop_money": dict(money), "presentment_money": dict(money)}


def _gid(kind: str, ident: int) -> str:
    return f"gid://shopify/{kind}/{ident}"


class ShopStore:
    """The shop's state; thread-safe (the served app and the test thread both touch it)."""

    def __init__(self, shop: str, clock: Callable[[], float], tz: timezone) -> None:
        self.shop, self._clock, self._tz = shop, clock, tz
        self.lock = threading.RLock()
        self.location = {
            "id": 71_250_000_001, "name": "Sandbox Warehouse", "deleted_at": None,
            "address1": "Warehouse Street 1", "address2": None, "city": "Utrecht",
            "zip": "3511 AA", "province": None, "country": "NL", "phone": None,
            "created_at": "2024-01-02T09:00:00+01:00", "updated_at": "2024-01-02T09:00:00+01:00",
            "country_code": "NL", "country_name": "Netherlands", "province_code": None,
            "legacy": False, "active": True,
            "admin_graphql_api_id": _gid("Location", 71_250_000_001),
        }
        self.inventory_item_of: Callable[[int | None], int | None] = lambda variant: None
        """A variant's inventory item id (the catalogue sets this; None: no such variant)."""
        self.listeners: list[Callable[[str, Json, Json], None]] = []
        """Called under the lock with (topic, order, fulfillment or {}) after a fulfilment
        (``fulfillments/create``), a tracking update (``fulfillments/update``) or a
        cancellation (``orders/cancelled``): the webhooks (``.webhooks``)."""
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.orders: dict[int, Json] = {}
            self.customers: dict[str, Json] = {}
            self.fulfillment_orders: dict[int, list[Json]] = {}
            self.fulfillments: dict[int, int] = {}  # fulfillment id -> order id
            self.inventory: dict[tuple[int, int], Json] = {}
            self.seeded = SeededOrders()  # bulk shopper orders, rendered on demand
            self._ids = ID_BASE
            self._number = 0

    # -- helpers ------------------------------------------------------------------------

    def now(self) -> datetime:
        """The shop's current time, to the second (Shopify's resolution)."""
        return datetime.fromtimestamp(int(self._clock()), tz=self._tz)

    def stamp(self) -> str:
        return self.now().isoformat()

    def _local(self, value: Any) -> str | None:
        """A client timestamp rendered in the shop's offset, like Shopify does."""
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self._tz)
        return moment.astimezone(self._tz).replace(microsecond=0).isoformat()

    def next_id(self) -> int:
        self._ids += 1
        return self._ids

    @property
    def tz(self) -> timezone:
        return self._tz

    def order(self, order_id: int) -> Json:
        """The order (a seeded one is materialized: from now on it is an ordinary order)."""
        found = self.orders.get(order_id)
        if found is None and self.seeded.locate(order_id) is not None:
            found = self.adopt(self.render_seeded(order_id))
            self.seeded.materialized.add(order_id)
        if found is None:
            raise ShopError(404, {"errors": "Not Found"})
        return found

    def render_seeded(self, order_id: int) -> Json:
        batch, i = self.seeded.locate(order_id)  # type: ignore[misc]
        return render(batch.build(i), self.shop)

    def adopt(self, order: Json) -> Json:
        """Keep a fully rendered order (a shopper's) with its fulfillment order and
        fulfillments, as if it had been created and processed here."""
        with self.lock:
            self.orders[order["id"]] = order
            fo = self._fulfillment_order(order)
            by_line = {li["id"]: li for li in order["line_items"]}
            for line in fo["line_items"]:
                line["fulfillable_quantity"] = by_line[line["line_item_id"]][
                    "fulfillable_quantity"]
            fo["line_items"] = [x for x in fo["line_items"] if x["fulfillable_quantity"]]
            if order["closed_at"] or order["cancelled_at"] or not fo["line_items"]:
                fo.update(status="closed", supported_actions=[])
            elif order["fulfillment_status"] == "partial":
                fo["status"] = "in_progress"
            self.fulfillment_orders[order["id"]] = [fo]
            for fulfillment in order["fulfillments"]:
                self.fulfillments[fulfillment["id"]] = order["id"]
            return order

    # -- orders -------------------------------------------------------------------------

    def create_order(self, payload: Any) -> Json:
        """``POST /orders.json`` semantics: validate, assign ids, numbers and totals."""
        if not isinstance(payload, dict) or not isinstance(payload.get("order"), dict):
            raise ShopError(400, {"errors": {"order": "Required parameter missing or invalid"}})
        data: Json = payload["order"]
        with self.lock:
            currency = data.get("currency") or "EUR"
            lines = self._line_items(data.get("line_items"), currency)
            order_id, now = self.next_id(), self.stamp()
            self._number += 1
            subtotal = sum((Decimal(li["price"]) * li["quantity"] for li in lines), Decimal(0))
            email = data.get("email") or (data.get("customer") or {}).get("email")
            shipping = self._address(data.get("shipping_address"))
            billing = self._address(data.get("billing_address"))
            total = _money(subtotal)
            order: Json = {
                "id": order_id,
                "admin_graphql_api_id": _gid("Order", order_id),
                "app_id": 1_354_745,
                "browser_ip": None,
                "buyer_accepts_marketing": False,
                "cancel_reason": None,
                "cancelled_at": None,
                "cart_token": None,
                "checkout_id": None,
                "checkout_token": None,
                "client_details": None,
                "closed_at": None,
                "confirmed": True,
                "contact_email": email,
                "created_at": now,
                "currency": currency,
                "customer_locale": None,
                "device_id": None,
                "discount_codes": [],
                "email": email or "",
                "financial_status": data.get("financial_status") or "paid",
                "fulfillment_status": None,
                "gateway": "manual",
                "landing_site": None,
                "landing_site_ref": None,
                "location_id": data.get("location_id"),
                "name": f"#{1000 + self._number}",
                "note": data.get("note"),
                "note_attributes": list(data.get("note_attributes") or []),
                "number": self._number,
                "order_number": 1000 + self._number,
                "order_status_url": (
                    f"https://{self.shop}.myshopify.com/{SHOP_ID}/orders/"
                    f"{secrets.token_hex(16)}/authenticate?key={secrets.token_hex(16)}"
                ),
                "payment_gateway_names": ["manual"],
                "phone": None,
                "presentment_currency": currency,
                "processed_at": self._local(data.get("processed_at")) or now,
                "processing_method": "manual",
                "reference": None,
                "referring_site": None,
                "source_identifier": data.get("source_identifier"),
                "source_name": data.get("source_name") or str(1_354_745),
                "source_url": None,
                "subtotal_price": total,
                "subtotal_price_set": _money_set(total, currency),
                "tags": data.get("tags") or "",
                "tax_lines": [],
                "taxes_included": bool(data.get("taxes_included", False)),
                "test": bool(data.get("test", False)),
                "token": secrets.token_hex(16),
                "total_discounts": "0.00",
                "total_discounts_set": _money_set("0.00", currency),
                "total_line_items_price": total,
                "total_line_items_price_set": _money_set(total, currency),
                "total_price": total,
                "total_price_set": _money_set(total, currency),
                "total_shipping_price_set": _money_set("0.00", currency),
                "total_tax": "0.00",
                "total_tax_set": _money_set("0.00", currency),
                "total_weight": 0,
                "updated_at": now,
                "user_id": None,
                "billing_address": billing,
                "customer": self._customer(data.get("customer"), email, billing, currency, now),
                "fulfillments": [],
                "line_items": lines,
                "refunds": [],
                "shipping_address": shipping,
                "shipping_lines": [],
            }
            if order["customer"] is not None:
                order["customer"]["last_order_id"] = order_id
                order["customer"]["last_order_name"] = order["name"]
            self.orders[order_id] = order
            self.fulfillment_orders[order_id] = [self._fulfillment_order(order)]
            return order

    def _line_items(self, raw: Any, currency: str) -> list[Json]:
        if not raw or not isinstance(raw, list):
            raise ShopError(422, {"errors": {"line_items": ["must have at least one line item"]}})
        items = []
        for entry in raw:
            quantity = entry.get("quantity") if isinstance(entry, dict) else None
            if not isinstance(quantity, int) or quantity < 1:
                raise ShopError(
                    422, {"errors": {"line_items": ["quantity must be greater than 0"]}}
                )
            variant_id = entry.get("variant_id")
            if not entry.get("title") and variant_id is None:
                raise ShopError(422, {"errors": {"line_items": ["title can't be blank"]}})
            try:
                price = Decimal(str(entry.get("price", "0")))
            except InvalidOperation:
                raise ShopError(422, {"errors": {"line_items": ["price is invalid"]}}) from None
            ident = self.next_id()
            title = entry.get("title") or f"Variant {variant_id}"
            items.append({
                "id": ident,
                "admin_graphql_api_id": _gid("LineItem", ident),
                "fulfillable_quantity": quantity,
                "fulfillment_service": "manual",
                "fulfillment_status": None,
                "gift_card": False,
                "grams": int(entry.get("grams") or 0),
                "name": title,
                "price": _money(price),
                "price_set": _money_set(_money(price), currency),
                "product_exists": variant_id is not None,
                "product_id": None,
                "properties": list(entry.get("properties") or []),
                "quantity": quantity,
                "requires_shipping": bool(entry.get("requires_shipping", True)),
                "sku": entry.get("sku"),
                "taxable": bool(entry.get("taxable", True)),
                "title": title,
                "total_discount": "0.00",
                "variant_id": variant_id,
                "variant_inventory_management": "shopify" if variant_id else None,
                "variant_title": None,
                "vendor": None,
                "tax_lines": [],
            })
        return items

    def _address(self, raw: Any) -> Json | None:
        if not isinstance(raw, dict):
            return None
        code = (raw.get("country_code") or "").upper() or None
        first, last = raw.get("first_name"), raw.get("last_name")
        return {
            "first_name": first,
            "address1": raw.get("address1"),
            "phone": raw.get("phone"),
            "city": raw.get("city"),
            "zip": raw.get("zip"),
            "province": raw.get("province"),
            "country": raw.get("country") or COUNTRIES.get(code or "", code),
            "last_name": last,
            "address2": raw.get("address2"),
            "company": raw.get("company"),
            "latitude": None,
            "longitude": None,
            "name": " ".join(p for p in (first, last) if p),
            "country_code": code,
            "province_code": raw.get("province_code"),
        }

    def _customer(
        self, raw: Any, email: str | None, address: Json | None, currency: str, now: str
    ) -> Json | None:
        if not email:
            return None
        raw = raw if isinstance(raw, dict) else {}
        customer = self.customers.get(email)
        if customer is None:
            ident = self.next_id()
            default = dict(address or {}, id=self.next_id(), customer_id=ident, default=True)
            default.pop("latitude", None), default.pop("longitude", None)
            default["country_name"] = default.get("country")
            customer = self.customers[email] = {
                "id": ident, "email": email, "accepts_marketing": False,
                "created_at": now, "updated_at": now,
                "first_name": raw.get("first_name"), "last_name": raw.get("last_name"),
                "orders_count": 0, "state": "disabled", "total_spent": "0.00",
                "last_order_id": None, "note": None, "verified_email": True,
                "multipass_identifier": None, "tax_exempt": False, "phone": None, "tags": "",
                "last_order_name": None, "currency": currency,
                "admin_graphql_api_id": _gid("Customer", ident), "default_address": default,
            }
        customer["orders_count"] += 1
        customer["updated_at"] = now
        return dict(customer)

    def _fulfillment_order(self, order: Json) -> Json:
        ident, now = self.next_id(), order["created_at"]
        lines = [
            {
                "id": self.next_id(), "shop_id": SHOP_ID, "fulfillment_order_id": ident,
                "quantity": li["quantity"], "line_item_id": li["id"],
                "inventory_item_id": self.inventory_item_of(li["variant_id"]),
                "fulfillable_quantity": li["quantity"], "variant_id": li["variant_id"],
            }
            for li in order["line_items"] if li["requires_shipping"]
        ]
        location = self.location
        return {
            "id": ident, "shop_id": SHOP_ID, "order_id": order["id"],
            "assigned_location_id": location["id"], "request_status": "unsubmitted",
            "status": "open", "supported_actions": ["create_fulfillment", "hold"],
            "destination": order["shipping_address"], "line_items": lines,
            "fulfill_at": now, "fulfill_by": None, "international_duties": None,
            "fulfillment_holds": [],
            "delivery_method": {"id": self.next_id(), "method_type": "shipping"},
            "created_at": now, "updated_at": now,
            "assigned_location": {
                k: location[k] for k in ("address1", "address2", "city", "country_code",
                                          "name", "phone", "province", "zip")
            } | {"location_id": location["id"]},
            "merchant_requests": [],
        }

    def cancel(self, order_id: int, reason: str | None = None) -> Json:
        with self.lock:
            order = self.order(order_id)
            if order["cancelled_at"]:
                raise ShopError(422, {"error": "Order has already been cancelled"})
            if order["fulfillment_status"] == "fulfilled":
                raise ShopError(422, {"error": "Cannot cancel a fulfilled order"})
            now = self.stamp()
            order.update(cancelled_at=now, closed_at=now, updated_at=now,
                         cancel_reason=reason or "other")
            for fo in self.fulfillment_orders.get(order_id, []):
                if fo["status"] == "open":
                    fo.update(status="closed", updated_at=now, supported_actions=[])
            self._notify("orders/cancelled", order, {})
            return order

    def delete(self, order_id: int) -> None:
        """``DELETE orders/{id}.json``: only orders without an online payment gateway (created
        through the API or by hand, like the hub's test orders) can be deleted."""
        with self.lock:
            order = self.order(order_id)
            if set(order.get("payment_gateway_names") or []) - {"manual", "bogus", ""}:
                raise ShopError(422, {"errors": {"base": [
                    "Orders that interact with an online gateway can't be deleted"]}})
            del self.orders[order_id]
            self.fulfillment_orders.pop(order_id, None)
            for fid in [f for f, oid in self.fulfillments.items() if oid == order_id]:
                del self.fulfillments[fid]

    # -- fulfillments -------------------------------------------------------------------

    def fulfill(self, data: Any) -> Json:
        """``POST /fulfillments.json``: fulfil fulfillment orders (all their remaining lines,
        or the ``fulfillment_order_line_items`` given), with optional tracking."""
        if not isinstance(data, dict) or not isinstance(data.get("fulfillment"), dict):
            raise _missing("fulfillment")
        body = data["fulfillment"]
        requested = body.get("line_items_by_fulfillment_order") or []
        with self.lock:
            picks: list[tuple[Json, Json, int]] = []  # (fulfillment order, its line, quantity)
            order_ids = set()
            for entry in requested:
                fo = self._find_fulfillment_order(entry.get("fulfillment_order_id"))
                order_ids.add(fo["order_id"])
                if fo["status"] not in ("open", "in_progress"):
                    raise _unprocessable(
                        f"Fulfillment order {fo['id']} has an unfulfillable status= {fo['status']}."
                    )
                wanted = {i.get("id"): i.get("quantity") for i in
                          entry.get("fulfillment_order_line_items") or []}
                for line in fo["line_items"]:
                    if wanted and line["id"] not in wanted:
                        continue
                    qty = wanted.get(line["id"]) or line["fulfillable_quantity"]
                    if qty > line["fulfillable_quantity"]:
                        raise _unprocessable(
                            "Invalid fulfillment order line item quantity requested."
                        )
                    if qty:
                        picks.append((fo, line, qty))
            if len(order_ids) != 1 or not picks:
                raise _unprocessable(
                    "Fulfillment orders must belong to one order and have lines to fulfil."
                )
            order = self.order(order_ids.pop())
            return self._record_fulfillment(order, picks, body.get("tracking_info") or {})

    def _find_fulfillment_order(self, ident: Any) -> Json:
        for fos in self.fulfillment_orders.values():
            for fo in fos:
                if fo["id"] == ident:
                    return fo
        raise ShopError(404, {"errors": "Not Found"})

    def _record_fulfillment(
        self, order: Json, picks: Iterable[tuple[Json, Json, int]], tracking: Json
    ) -> Json:
        now, ident = self.stamp(), self.next_id()
        by_line = {li["id"]: li for li in order["line_items"]}
        shipped = []
        for fo, line, qty in picks:
            line["fulfillable_quantity"] -= qty
            fo["updated_at"] = now
            if all(x["fulfillable_quantity"] == 0 for x in fo["line_items"]):
                fo.update(status="closed", supported_actions=[])
            else:
                fo["status"] = "in_progress"
            item = by_line[line["line_item_id"]]
            item["fulfillable_quantity"] -= qty
            item["fulfillment_status"] = "partial" if item["fulfillable_quantity"] else "fulfilled"
            shipped.append(dict(item, quantity=qty))
        fulfillment = {
            "id": ident, "admin_graphql_api_id": _gid("Fulfillment", ident),
            "created_at": now, "location_id": self.location["id"],
            "name": f"{order['name']}.{len(order['fulfillments']) + 1}",
            "order_id": order["id"], "origin_address": {}, "receipt": {},
            "service": "manual", "shipment_status": None, "status": "success",
            "tracking_company": None, "tracking_number": None, "tracking_numbers": [],
            "tracking_url": None, "tracking_urls": [], "updated_at": now,
            "line_items": shipped,
        }
        self._set_tracking(fulfillment, tracking)
        order["fulfillments"].append(fulfillment)
        self.fulfillments[ident] = order["id"]
        left = [li for li in order["line_items"] if li["fulfillable_quantity"] > 0]
        order["fulfillment_status"] = "partial" if left else "fulfilled"
        order["updated_at"] = now
        if not left:
            order["closed_at"] = now  # "automatically archive the order" (the default)
        self._notify("fulfillments/create", order, fulfillment)
        return fulfillment

    def _notify(self, topic: str, order: Json, fulfillment: Json) -> None:
        for listener in self.listeners:
            listener(topic, order, fulfillment)

    @staticmethod
    def _set_tracking(fulfillment: Json, tracking: Json) -> None:
        numbers = list(tracking.get("numbers") or [])
        if tracking.get("number"):
            numbers = [tracking["number"], *numbers]
        company = tracking.get("company") or None
        urls = list(tracking.get("urls") or [])
        if tracking.get("url"):
            urls = [tracking["url"], *urls]
        template = TRACKING_URLS.get((company or "").lower())
        if not urls and template:
            urls = [template.format(number=n) for n in numbers]
        fulfillment.update(
            tracking_company=company, tracking_number=numbers[0] if numbers else None,
            tracking_numbers=numbers, tracking_url=urls[0] if urls else None,
            tracking_urls=urls,
        )

    def fulfillment(self, fulfillment_id: int) -> tuple[Json, Json]:
        order_id = self.fulfillments.get(fulfillment_id)
        if order_id is None:
            raise ShopError(404, {"errors": "Not Found"})
        order = self.orders[order_id]
        found = next(f for f in order["fulfillments"] if f["id"] == fulfillment_id)
        return order, found

    def update_tracking(self, fulfillment_id: int, tracking: Json) -> Json:
        with self.lock:
            order, fulfillment = self.fulfillment(fulfillment_id)
            self._set_tracking(fulfillment, tracking)
            now = self.stamp()
            fulfillment["updated_at"] = order["updated_at"] = now
            self._notify("fulfillments/update", order, fulfillment)
            return fulfillment

    def complete(self, order_id: int, number: str | None, company: str | None) -> Json:
        """The merchant ships every open line in the back office."""
        with self.lock:
            fos = [fo for fo in self.fulfillment_orders.get(self.order(order_id)["id"], [])
                   if fo["status"] in ("open", "in_progress")]
            return self.fulfill({"fulfillment": {
                "line_items_by_fulfillment_order": [{"fulfillment_order_id": fo["id"]}
                                                    for fo in fos],
                "tracking_info": {"number": number, "company": company},
                "notify_customer": False,
            }})

    # -- stock --------------------------------------------------------------------------

    def set_inventory(self, data: Any) -> Json:
        if not isinstance(data, dict) or not all(
            k in data for k in ("location_id", "inventory_item_id", "available")
        ):
            raise _missing("inventory_item_id")
        if data["location_id"] != self.location["id"]:
            raise _unprocessable("Inventory item is not stocked at the location")
        with self.lock:
            level = {
                "inventory_item_id": int(data["inventory_item_id"]),
                "location_id": int(data["location_id"]),
                "available": int(data["available"]),
                "updated_at": self.stamp(),
                "admin_graphql_api_id": (
                    f"gid://shopify/InventoryLevel/{data['location_id']}"
                    f"?inventory_item_id={data['inventory_item_id']}"
                ),
            }
            self.inventory[(level["inventory_item_id"], level["location_id"])] = level
            return level


def shop_timezone(hours: float) -> timezone:
    return timezone(timedelta(hours=hours))
