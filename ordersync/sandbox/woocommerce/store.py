"""In-memory state of one WooCommerce site: orders, products, categories, customers, notes
and Shipment Tracking entries, with WooCommerce's JSON shapes (money as strings, dates as
``YYYY-MM-DDTHH:MM:SS`` in the site's timezone plus ``*_gmt`` twins)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

Json = dict[str, Any]
STATUSES = ("pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed",
            "trash", "checkout-draft")
EMPTY_BILLING = {k: "" for k in ("first_name", "last_name", "company", "address_1", "address_2",
                                 "city", "state", "postcode", "country", "email", "phone")}
EMPTY_SHIPPING = {k: v for k, v in EMPTY_BILLING.items() if k != "email"}
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"  # PHP's Y-m-d\TH:i:s


class WooError(Exception):
    """An API error with WooCommerce's body ``{"code", "message", "data": {"status"}}``."""

    def __init__(self, status: int, code: str, message: str, **data: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"code": code, "message": message, "data": {"status": status, **data}}


def money(value: Any) -> str:
    return f"{Decimal(str(value or 0)):.2f}"


def _product_defaults(pid: int, name: str) -> Json:
    """The rest of a product's documented fields, as a plain simple product has them."""
    return {
        "permalink": f"https://shop.example/product/{slugify(name)}/", "featured": False,
        "catalog_visibility": "visible", "date_on_sale_from": None,
        "date_on_sale_from_gmt": None, "date_on_sale_to": None, "date_on_sale_to_gmt": None,
        "price_html": "", "on_sale": False, "purchasable": True, "total_sales": 0,
        "virtual": False, "downloadable": False, "downloads": [], "download_limit": -1,
        "download_expiry": -1, "external_url": "", "button_text": "", "tax_status": "taxable",
        "tax_class": "", "backorders": "no", "backorders_allowed": False, "backordered": False,
        "sold_individually": False, "weight": "",
        "dimensions": {"length": "", "width": "", "height": ""}, "shipping_required": True,
        "shipping_taxable": True, "shipping_class": "", "shipping_class_id": 0,
        "reviews_allowed": True, "average_rating": "0.00", "rating_count": 0,
        "related_ids": [], "upsell_ids": [], "cross_sell_ids": [], "parent_id": 0,
        "purchase_note": "", "tags": [], "images": [], "attributes": [],
        "default_attributes": [], "variations": [], "grouped_products": [], "menu_order": 0,
    }


def _label(status: str) -> str:
    """The status name WooCommerce prints in notes (``on-hold`` -> ``On hold``)."""
    return status.replace("-", " ").capitalize()


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "item"


class WooStore:
    """Thread-safe state; ``clock`` gives epoch seconds, ``utc_offset`` the site timezone."""

    def __init__(self, clock: Callable[[], float], utc_offset: timedelta) -> None:
        self.clock, self.utc_offset = clock, utc_offset
        self.lock = threading.RLock()
        self.currency = "EUR"
        self.default_country = "NL"
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.orders: dict[int, Json] = {}
            self.products: dict[int, Json] = {}
            self.categories: dict[int, Json] = {}
            self.customers: dict[int, Json] = {}
            self.notes: dict[int, list[Json]] = {}
            self.trackings: dict[int, list[Json]] = {}
            self.stock_reduced: set[int] = set()  # orders whose stock was taken
            self._ids = 100

    def next_id(self) -> int:
        self._ids += 1
        return self._ids

    # -- time ---------------------------------------------------------------------------

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), tz=UTC).replace(microsecond=0)

    def stamp(self, when: datetime | None = None) -> tuple[str, str]:
        """(site-local, gmt) strings as WooCommerce prints them: ``Y-m-d\\TH:i:s``, whole
        seconds, no zone suffix (``wc_rest_prepare_date_response``), whatever ``when`` holds."""
        when = (when or self.now()).astimezone(UTC).replace(tzinfo=None, microsecond=0)
        return (when + self.utc_offset).strftime(DATE_FORMAT), when.strftime(DATE_FORMAT)

    def touch(self, order: Json) -> None:
        order["date_modified"], order["date_modified_gmt"] = self.stamp()

    # -- catalog ------------------------------------------------------------------------

    def create_category(self, body: Json) -> Json:
        with self.lock:
            if not body.get("name"):
                raise WooError(400, "rest_missing_callback_param",
                               "Missing parameter(s): name", params=["name"])
            parent = int(body.get("parent") or 0)
            if parent and parent not in self.categories:
                raise WooError(400, "woocommerce_rest_term_invalid", "Resource doesn't exist.")
            cid = self.next_id()
            self.categories[cid] = {
                "id": cid, "name": body["name"], "slug": body.get("slug") or slugify(body["name"]),
                "parent": parent, "description": body.get("description", ""),
                "display": "default", "image": None, "menu_order": 0, "count": 0,
            }
            return self.categories[cid]

    def create_product(self, body: Json) -> Json:
        with self.lock:
            pid = self.next_id()
            local, gmt = self.stamp()
            cats = []
            for ref in body.get("categories") or []:
                cat = self.categories.get(int(ref["id"]))
                if cat is None:
                    raise WooError(400, "woocommerce_rest_term_invalid", "Resource doesn't exist.")
                cat["count"] += 1
                cats.append({"id": cat["id"], "name": cat["name"], "slug": cat["slug"]})
            price = money(body.get("regular_price") or body.get("price") or 0)
            self.products[pid] = {
                "id": pid, "name": body.get("name", ""), "slug": slugify(body.get("name", "")),
                "date_created": local, "date_created_gmt": gmt,
                "date_modified": local, "date_modified_gmt": gmt,
                "type": body.get("type", "simple"), "status": body.get("status", "publish"),
                "description": body.get("description", ""),
                "short_description": body.get("short_description", ""),
                "sku": body.get("sku", ""), "price": price, "regular_price": price,
                "sale_price": "", "manage_stock": bool(body.get("manage_stock", False)),
                "stock_quantity": body.get("stock_quantity"), "stock_status": "instock",
                "categories": cats, "meta_data": [],
                **_product_defaults(pid, body.get("name", "")),
            }
            return self.products[pid]

    def update_product(self, pid: int, body: Json) -> Json:
        with self.lock:
            product = self.product(pid)
            for key in ("manage_stock", "stock_quantity", "name", "sku", "description",
                        "short_description"):
                if key in body:
                    product[key] = body[key]
            product["date_modified"], product["date_modified_gmt"] = self.stamp()
            return product

    def product(self, pid: int) -> Json:
        product = self.products.get(pid)
        if product is None:
            raise WooError(404, "woocommerce_rest_product_invalid_id", "Invalid ID.")
        return product

    def create_customer(self, body: Json) -> Json:
        with self.lock:
            if not body.get("email"):
                raise WooError(400, "rest_missing_callback_param",
                               "Missing parameter(s): email", params=["email"])
            cid = self.next_id()
            local, gmt = self.stamp()
            self.customers[cid] = {
                "id": cid, "date_created": local, "date_created_gmt": gmt,
                "date_modified": local, "date_modified_gmt": gmt, "email": body["email"],
                "first_name": body.get("first_name", ""), "last_name": body.get("last_name", ""),
                "role": "customer", "username": body.get("username", body["email"]),
                "billing": {**EMPTY_BILLING, **(body.get("billing") or {})},
                "shipping": {**EMPTY_SHIPPING, **(body.get("shipping") or {})},
                "is_paying_customer": False, "avatar_url": "", "meta_data": [],
            }
            return self.customers[cid]

    # -- orders -------------------------------------------------------------------------

    def order(self, oid: int) -> Json:
        order = self.orders.get(oid)
        if order is None:
            raise WooError(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
        return order

    def delete_order(self, oid: int, *, force: bool) -> Json:
        """``DELETE /orders/{id}``: to the trash, or for good with ``force=true``; answers
        the order as it was."""
        with self.lock:
            order = self.order(oid)
            if force:
                del self.orders[oid]
                self.notes.pop(oid, None)
                self.trackings.pop(oid, None)
            else:
                order["status"] = "trash"
                self.touch(order)
            return dict(order)

    def _line(self, item: Json) -> Json:
        pid = int(item.get("product_id") or 0)
        sku = item.get("sku")
        if not pid and sku:
            pid = next((p["id"] for p in self.products.values() if p["sku"] == sku), 0)
        if not pid and not item.get("name"):
            raise WooError(400, "woocommerce_rest_required_product_reference",
                           "Product ID or SKU is required.")
        product = self.products.get(pid) if pid else None
        if pid and product is None:
            raise WooError(400, "woocommerce_rest_invalid_product_id",
                           f"Product #{pid} does not exist.")
        quantity = int(item.get("quantity") or 1)
        if "total" in item:
            total = Decimal(str(item["total"]))
        else:
            total = Decimal(product["price"] if product else "0") * quantity
        return {
            "id": self.next_id(), "name": item.get("name") or (product or {}).get("name", ""),
            "product_id": pid, "variation_id": int(item.get("variation_id") or 0),
            "quantity": quantity, "tax_class": "", "subtotal": money(item.get("subtotal", total)),
            "subtotal_tax": "0.00", "total": money(total), "total_tax": "0.00", "taxes": [],
            "meta_data": [], "sku": (product or {}).get("sku", ""),
            "price": float(total / quantity) if quantity else 0.0,
        }

    def create_order(self, body: Json, *, created: datetime | None = None) -> Json:
        with self.lock:
            status = body.get("status") or ("processing" if body.get("set_paid") else "pending")
            if status not in STATUSES:
                raise WooError(400, "rest_invalid_param", "Invalid parameter(s): status",
                               params={"status": "status is not one of " + ", ".join(STATUSES)})
            lines = [self._line(item) for item in body.get("line_items") or []]
            ships = [{"id": self.next_id(), "method_title": s.get("method_title", ""),
                      "method_id": s.get("method_id", ""), "total": money(s.get("total")),
                      "total_tax": "0.00", "taxes": [], "meta_data": []}
                     for s in body.get("shipping_lines") or []]
            oid = self.next_id()
            local, gmt = self.stamp(created)
            shipping_total = sum(Decimal(s["total"]) for s in ships)
            total = sum(Decimal(line["total"]) for line in lines) + shipping_total
            paid = body.get("set_paid") or status in ("processing", "completed")
            meta = [{"id": self.next_id(), "key": m["key"], "value": m["value"]}
                    for m in body.get("meta_data") or []]
            order = {
                "id": oid, "parent_id": 0, "number": str(oid), "order_key": f"wc_order_{oid:x}",
                "created_via": "rest-api", "version": "9.4.0", "status": status,
                "currency": body.get("currency") or self.currency,
                "date_created": local, "date_created_gmt": gmt,
                "date_modified": local, "date_modified_gmt": gmt,
                "discount_total": "0.00", "discount_tax": "0.00",
                "shipping_total": money(shipping_total), "shipping_tax": "0.00",
                "cart_tax": "0.00", "total": money(total), "total_tax": "0.00",
                "prices_include_tax": False, "customer_id": int(body.get("customer_id") or 0),
                "customer_ip_address": "", "customer_user_agent": "",
                "customer_note": body.get("customer_note", ""),
                "billing": {**EMPTY_BILLING, **(body.get("billing") or {})},
                "shipping": {**EMPTY_SHIPPING, **(body.get("shipping") or {})},
                "payment_method": body.get("payment_method", ""),
                "payment_method_title": body.get("payment_method_title", ""),
                "transaction_id": "",
                "date_paid": local if paid else None, "date_paid_gmt": gmt if paid else None,
                "date_completed": None, "date_completed_gmt": None, "cart_hash": "",
                "meta_data": meta, "line_items": lines, "tax_lines": [],
                "shipping_lines": ships, "fee_lines": [], "coupon_lines": [], "refunds": [],
            }
            self.orders[oid] = order
            self._complete_stamp(order)
            self._stock_for_status(order)
            return order

    def _complete_stamp(self, order: Json) -> None:
        if order["status"] == "completed" and order["date_completed"] is None:
            order["date_completed"], order["date_completed_gmt"] = self.stamp()

    def update_order(self, oid: int, body: Json) -> Json:
        """``PUT /orders/{id}``. Like WooCommerce, an update that changes nothing leaves
        ``date_modified`` alone, and a status change adds a system note (and, for
        ``completed``, the completion date) once: repeating the same PUT is harmless."""
        with self.lock:
            order = self.order(oid)
            changed = False
            new_status = body.get("status")
            if new_status is not None and new_status != order["status"]:
                if new_status not in STATUSES:
                    raise WooError(400, "rest_invalid_param", "Invalid parameter(s): status",
                                   params={"status": "status is not one of "
                                           + ", ".join(STATUSES)})
                old, order["status"] = order["status"], new_status
                self._complete_stamp(order)
                self._system_note(oid, f"Order status changed from {_label(old)} to "
                                       f"{_label(new_status)}.")
                self._stock_for_status(order)
                changed = True
            for key in ("billing", "shipping"):
                if key in body and any(order[key].get(k) != v for k, v in body[key].items()):
                    order[key].update(body[key])
                    changed = True
            for meta in body.get("meta_data") or []:
                order["meta_data"].append({"id": self.next_id(), **meta})
                changed = True
            if "currency" in body and body["currency"] != order["currency"]:
                order["currency"] = body["currency"]
                changed = True
            if changed:
                self.touch(order)
            return order

    # WooCommerce core (wc-stock-functions.php): wc_maybe_reduce_stock_levels runs on payment
    # and on the statuses processing, completed and on-hold, once per order;
    # wc_maybe_increase_stock_levels on cancelled and pending gives it back. Only products
    # with manage_stock change; each change leaves a system note.
    REDUCE_ON = frozenset({"processing", "completed", "on-hold"})
    RESTORE_ON = frozenset({"cancelled", "pending"})

    def _stock_for_status(self, order: Json) -> None:
        oid, status = order["id"], order["status"]
        if status in self.REDUCE_ON and oid not in self.stock_reduced:
            self._adjust_stock(order, -1, "Stock levels reduced")
            self.stock_reduced.add(oid)
        elif status in self.RESTORE_ON and oid in self.stock_reduced:
            self._adjust_stock(order, +1, "Stock levels increased")
            self.stock_reduced.discard(oid)

    def _adjust_stock(self, order: Json, sign: int, title: str) -> None:
        changes = []
        for line in order["line_items"]:
            product = self.products.get(line["product_id"])
            if not product or not product["manage_stock"] or product["stock_quantity"] is None:
                continue
            before = int(product["stock_quantity"])
            after = before + sign * int(line["quantity"])
            product["stock_quantity"] = after
            product["stock_status"] = "instock" if after > 0 else "outofstock"
            product["date_modified"], product["date_modified_gmt"] = self.stamp()
            changes.append(f"{product['name']} ({product['sku']}) {before}&rarr;{after}")
        if changes:
            self._system_note(order["id"], f"{title}: " + ", ".join(changes))

    def _system_note(self, oid: int, text: str) -> None:
        local, gmt = self.stamp()
        self.notes.setdefault(oid, []).insert(0, {
            "id": self.next_id(), "author": "system", "date_created": local,
            "date_created_gmt": gmt, "note": text, "customer_note": False})

    def set_quantity(self, oid: int, line_id: int, quantity: int) -> Json:
        with self.lock:
            order = self.order(oid)
            line = next((x for x in order["line_items"] if x["id"] == line_id), None)
            if line is None:
                raise WooError(404, "woocommerce_rest_invalid_line", "Invalid line item ID.")
            line["quantity"] = quantity
            line["total"] = line["subtotal"] = money(Decimal(str(line["price"])) * quantity)
            total = sum(Decimal(x["total"]) for x in order["line_items"])
            order["total"] = money(total + Decimal(order["shipping_total"]))
            self.touch(order)
            return order

    def add_note(self, oid: int, body: Json) -> Json:
        with self.lock:
            order = self.order(oid)
            if not body.get("note"):
                raise WooError(400, "rest_missing_callback_param",
                               "Missing parameter(s): note", params=["note"])
            local, gmt = self.stamp()
            author = "admin" if body.get("added_by_user") else "system"
            note = {"id": self.next_id(), "author": author, "date_created": local,
                    "date_created_gmt": gmt, "note": body["note"],
                    "customer_note": bool(body.get("customer_note", False))}
            self.notes.setdefault(oid, []).insert(0, note)
            self.touch(order)
            return note

    def add_tracking(self, oid: int, body: Json) -> Json:
        with self.lock:
            order = self.order(oid)
            if not body.get("tracking_number"):
                raise WooError(400, "woocommerce_shipment_tracking_missing_number",
                               "Tracking number is required.")
            provider = body.get("tracking_provider") or ""
            shipped = str(body.get("date_shipped") or self.now().date().isoformat())
            entry = {
                "tracking_id": f"{self.next_id():x}", "tracking_provider": provider,
                "custom_tracking_provider": body.get("custom_tracking_provider", ""),
                "custom_tracking_link": body.get("custom_tracking_link", ""),
                "tracking_number": body["tracking_number"], "date_shipped": shipped,
                "tracking_link": body.get("custom_tracking_link", ""),
            }
            self.trackings.setdefault(oid, []).append(entry)
            self.touch(order)
            return entry
