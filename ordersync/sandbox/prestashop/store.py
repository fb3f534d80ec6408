"""The PrestaShop twin's state: resources as rows keyed by id, the webservice's list
parameters (``display``, ``filter[...]``, ``sort``, ``limit``, ``date``), and the order life
cycle (an order from a cart takes stock; Canceled gives it back; each state change is an
order history and moves ``date_upd``)."""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ordersync.connectors.prestashop.facts import (
    CANCELLED_STATES,
    DATE_FORMAT,
    ERR_BAD_BODY,
    ERR_BAD_PARAM,
    ERR_NOT_FOUND,
)

Row = dict[str, Any]
RESOURCES = ("orders", "order_histories", "order_carriers", "order_states", "carriers",
             "products", "stock_availables", "customers", "addresses", "carts", "countries",
             "currencies")
SINGULAR = {"orders": "order", "order_histories": "order_history",
            "order_carriers": "order_carrier", "order_states": "order_state",
            "carriers": "carrier", "products": "product", "stock_availables": "stock_available",
            "customers": "customer", "addresses": "address", "carts": "cart",
            "countries": "country", "currencies": "currency"}
WRITABLE = {"POST": {"customers", "addresses", "carts", "orders", "order_histories"},
            "PUT": {"order_carriers", "stock_availables"}}
REQUIRED = {
    "customers": ("firstname", "lastname", "email"),
    "addresses": ("id_customer", "id_country", "alias", "firstname", "lastname", "address1",
                  "city"),
    "carts": ("id_currency", "id_lang"),
    "orders": ("id_address_delivery", "id_address_invoice", "id_cart", "id_currency", "id_lang",
               "id_customer", "id_carrier", "module", "payment", "total_paid",
               "total_paid_real", "total_products", "total_products_wt", "conversion_rate"),
    "order_histories": ("id_order", "id_order_state"),
}
DATE_FIELDS = frozenset({"date_add", "date_upd"})
ORDER_STATES = (  # the default install's states (order-states.json): id, name, shipped, paid
    (1, "Awaiting check payment", 0, 0), (2, "Payment accepted", 0, 1),
    (3, "Processing in progress", 0, 1), (4, "Shipped", 1, 1), (5, "Delivered", 1, 1),
    (6, "Canceled", 0, 0), (7, "Refunded", 0, 0), (8, "Payment error", 0, 0),
    (9, "On backorder (paid)", 0, 1), (10, "Awaiting bank wire payment", 0, 0),
    (11, "Remote payment accepted", 0, 1), (12, "On backorder (not paid)", 0, 0),
    (13, "Awaiting Cash On Delivery validation", 0, 0))
FILTER = re.compile(r"^filter\[(\w+)\]$")


class PsError(Exception):
    """An answer in the webservice's error shape: ``{"errors": [{"code", "message"}]}``."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def now() -> str:
    return datetime.now(UTC).strftime(DATE_FORMAT)


def _matches(value: Any, spec: str) -> bool:
    """``[a|b]`` any of, ``[a,b]`` interval, ``[x]%`` / ``%[x]`` / ``%[x]%`` like."""
    text = "" if value is None else str(value)
    like = re.fullmatch(r"(%?)\[(.*)\](%?)", spec, re.S)
    if like is None:
        raise PsError(400, ERR_BAD_PARAM, f"The filter {spec!r} is malformed")
    before, inner, after = like.groups()
    if before or after:
        return inner in text if before and after else (
            text.endswith(inner) if before else text.startswith(inner))
    if "," in inner and "|" not in inner:
        low, high = inner.split(",", 1)
        try:
            return float(low) <= float(text) <= float(high)
        except ValueError:
            return low <= text <= high
    return text in inner.split("|")


class PsStore:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.rows: dict[str, dict[int, Row]] = {r: {} for r in RESOURCES}
            self.next_id: dict[str, int] = dict.fromkeys(RESOURCES, 1)
            self.add("countries", {"iso_code": "NL", "name": "Netherlands"})
            self.add("countries", {"iso_code": "BE", "name": "Belgium"})
            self.add("countries", {"iso_code": "DE", "name": "Germany"})
            self.add("currencies", {"iso_code": "EUR", "name": "Euro", "conversion_rate": "1"})
            for _, name, shipped, paid in ORDER_STATES:
                self.add("order_states", {"name": name, "shipped": str(shipped),
                                          "paid": str(paid)})
            self.add("carriers", {"name": "Sandbox carrier", "active": "1", "deleted": "0"})

    def add(self, resource: str, row: Mapping[str, Any]) -> Row:
        with self.lock:
            ident = self.next_id[resource]
            self.next_id[resource] = ident + 1
            stored = {"id": ident, **row}
            self.rows[resource][ident] = stored
            return stored

    def get(self, resource: str, ident: int) -> Row:
        row = self.rows[resource].get(ident)
        if row is None:
            raise PsError(404, ERR_NOT_FOUND,
                          f"Id(s) not exists: {ident}")
        return row

    # -- listing ------------------------------------------------------------------------

    def listing(self, resource: str, query: Mapping[str, str]) -> list[Row]:
        """Rows after ``filter[...]``, ``sort`` and ``limit``; date fields need ``date=1``."""
        dated = query.get("date") == "1"
        with self.lock:
            found = list(self.rows[resource].values())
        for key, spec in query.items():
            match = FILTER.match(key)
            if match is None:
                continue
            name = match.group(1)
            if name in DATE_FIELDS and not dated:
                raise PsError(400, ERR_BAD_PARAM,
                              f"Filtering on the date field {name} needs date=1")
            if found and name not in found[0] and name != "id":
                raise PsError(400, ERR_BAD_PARAM,
                              f"Unable to filter by this field: {name}")
            found = [r for r in found if _matches(r.get(name), spec)]
        sort = query.get("sort")
        if sort:
            keys = re.fullmatch(r"\[(\w+?)_(ASC|DESC)\]", sort)
            if keys is None:
                raise PsError(400, ERR_BAD_PARAM, f"The sort parameter {sort!r} is malformed")
            field, direction = keys.groups()
            if field in DATE_FIELDS and not dated:
                raise PsError(400, ERR_BAD_PARAM, f"Sorting on {field} needs date=1")

            def key_of(row: Row) -> Any:
                value = row.get(field)
                return (0, int(value)) if str(value).isdigit() else (1, str(value))

            found.sort(key=key_of, reverse=direction == "DESC")
        limit = query.get("limit")
        if limit:
            parts = limit.split(",")
            if not all(p.strip().isdigit() for p in parts) or len(parts) > 2:
                raise PsError(400, ERR_BAD_PARAM, f"The limit parameter {limit!r} is malformed")
            offset, count = (0, int(parts[0])) if len(parts) == 1 else map(int, parts)
            found = found[offset:offset + count]
        return found

    # -- writes ---------------------------------------------------------------------------

    def create(self, resource: str, fields: Row) -> Row:
        missing = [f for f in REQUIRED.get(resource, ()) if str(fields.get(f) or "") == ""]
        if missing:
            raise PsError(400, ERR_BAD_BODY, f"parameter {missing[0]} required")
        with self.lock:
            if resource == "orders":
                return self.create_order(fields)
            if resource == "order_histories":
                return self.change_state(int(fields["id_order"]), int(fields["id_order_state"]))
            if resource == "carts":
                fields = {**fields, "date_add": now(), "date_upd": now()}
            return self.add(resource, fields)

    def product_by_reference(self, sku: str) -> Row | None:
        return next((p for p in self.rows["products"].values() if p["reference"] == sku), None)

    def stock_row(self, product_id: int) -> Row:
        return next(s for s in self.rows["stock_availables"].values()
                    if int(s["id_product"]) == product_id
                    and str(s["id_product_attribute"]) == "0")

    def create_order(self, fields: Row) -> Row:
        cart = self.get("carts", int(fields["id_cart"]))
        self.get("customers", int(fields["id_customer"]))
        self.get("carriers", int(fields["id_carrier"]))
        rows = (cart.get("associations") or {}).get("cart_rows") or []
        if not rows:
            raise PsError(400, ERR_BAD_BODY, "The cart is empty")
        if any(o["id_cart"] == str(cart["id"]) for o in self.rows["orders"].values()):
            raise PsError(400, ERR_BAD_BODY, "An order has already been placed with this cart")
        order_rows = []
        for number, line in enumerate(rows, start=1):
            product = self.get("products", int(line["id_product"]))
            quantity = int(line["quantity"])
            stock = self.stock_row(product["id"])
            stock["quantity"] = str(int(stock["quantity"]) - quantity)
            order_rows.append({"id": str(number), "product_id": str(product["id"]),
                               "product_attribute_id": "0", "product_quantity": str(quantity),
                               "product_name": product["name"],
                               "product_reference": product["reference"],
                               "product_price": product["price"]})
        stamp = now()
        order = self.add("orders", {
            **{k: str(v) for k, v in fields.items() if k != "associations"},
            "current_state": "0", "reference": f"SBX{self.next_id['orders']:06d}",
            "valid": "0", "date_add": stamp, "date_upd": stamp, "shipping_number": "",
            "associations": {"order_rows": order_rows}})
        self.add("order_carriers", {"id_order": str(order["id"]),
                                    "id_carrier": str(fields["id_carrier"]),
                                    "id_order_invoice": "0", "weight": "0",
                                    "shipping_cost_tax_excl": "0", "shipping_cost_tax_incl": "0",
                                    "tracking_number": "", "date_add": stamp})
        self.change_state(order["id"], int(fields.get("current_state") or 2))
        return order

    def change_state(self, order_id: int, state: int) -> Row:
        """A new order history; ``current_state`` and ``date_upd`` follow; Canceled or
        Refunded give the stock back once."""
        order = self.get("orders", order_id)
        self.get("order_states", state)
        before = int(order["current_state"])
        stamp = now()
        if state in CANCELLED_STATES and before not in CANCELLED_STATES:
            for line in order["associations"]["order_rows"]:
                stock = self.stock_row(int(line["product_id"]))
                stock["quantity"] = str(int(stock["quantity"]) + int(line["product_quantity"]))
        order.update(current_state=str(state), date_upd=stamp,
                     valid="0" if state in CANCELLED_STATES else "1")
        return self.add("order_histories", {"id_order": str(order_id),
                                            "id_order_state": str(state),
                                            "id_employee": "0", "date_add": stamp})

    def update(self, resource: str, ident: int, fields: Row) -> Row:
        with self.lock:
            row = self.get(resource, ident)
            row.update({k: str(v) for k, v in fields.items() if k not in ("id", "associations")})
            return row
