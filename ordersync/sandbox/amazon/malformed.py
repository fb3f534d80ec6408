"""Malformed orders in the Amazon twin: payloads served exactly as planted, so tests and the
demo can check that one bad order never stops an account.

Control routes (no auth):
- ``PUT /_sandbox/amazon/orders/{id}/raw`` ``{"order": {...}, "items": [...]}`` - getOrders,
  getOrder and getOrderItems serve these JSON objects as they are (``AmazonOrderId`` defaults
  to ``{id}``; send ``"AmazonOrderId": null`` to plant an order without one). The order is
  listed as updated now, with its ``OrderStatus`` (default ``Unshipped``). 200 with the body.
- ``POST /_sandbox/amazon/orders/malformed`` ``{"kind": KIND, "AmazonOrderId"?}`` - plant one
  of the ready-made ``KINDS`` (absurd numbers, ancient/far-future dates, over-long ids and
  strings, NUL and other odd unicode, duplicate item ids, missing required fields) on top of
  a well-formed order. 201 ``{"AmazonOrderId", "kind"}``; 400 for an unknown kind.
Python helpers: ``put_raw_order``, ``plant_malformed``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ordersync.sandbox.amazon.state import AmazonState, OrderRecord

Change = Callable[[dict[str, Any], list[dict[str, Any]]], None]


@dataclass
class RawOrder(OrderRecord):
    """An order the twin serves exactly as planted."""

    raw_order: dict[str, Any] = field(default_factory=dict)
    raw_items: list[Any] = field(default_factory=list)

    def public(self) -> dict[str, Any]:
        return copy.deepcopy(self.raw_order)

    def public_items(self) -> list[dict[str, Any]]:
        return copy.deepcopy(self.raw_items)


def _set_item(key: str, value: Any) -> Change:
    def change(order: dict[str, Any], items: list[dict[str, Any]]) -> None:
        items[0][key] = value
    return change


def _set_order(key: str, value: Any) -> Change:
    def change(order: dict[str, Any], items: list[dict[str, Any]]) -> None:
        order[key] = value
    return change


def _drop_order(key: str) -> Change:
    def change(order: dict[str, Any], items: list[dict[str, Any]]) -> None:
        order.pop(key, None)
    return change


def _price(amount: str) -> Change:
    def change(order: dict[str, Any], items: list[dict[str, Any]]) -> None:
        items[0]["ItemPrice"] = {"CurrencyCode": "EUR", "Amount": amount}
    return change


def _duplicate_item(order: dict[str, Any], items: list[dict[str, Any]]) -> None:
    items.append({**items[0], "SellerSKU": "SANDBOX-DUPLICATE"})


def _address(key: str, value: Any) -> Change:
    def change(order: dict[str, Any], items: list[dict[str, Any]]) -> None:
        order.setdefault("ShippingAddress", {})[key] = value
    return change


KINDS: dict[str, Change] = {
    "huge_price": _price("1e30"),
    "price_beyond_store": _price("1000000000000000"),
    "negative_price": _price("-5.00"),
    "huge_quantity": _set_item("QuantityOrdered", 10**12),
    "ancient_date": _set_order("PurchaseDate", "0001-01-01T00:30:00+01:00"),
    "far_future_date": _set_order("PurchaseDate", "9999-12-31T23:59:59Z"),
    "bad_date": _set_order("PurchaseDate", "yesterday"),
    "long_order_id": _set_order("AmazonOrderId", "402-" + "9" * 196),
    "long_item_id": _set_item("OrderItemId", "1" * 100),
    "long_sku": _set_item("SellerSKU", "SKU-" + "X" * 196),
    "long_title": _set_item("Title", "T" * 5000),
    "nul_title": _set_item("Title", "Mug\x00with NUL"),
    "control_sku": _set_item("SellerSKU", "SKU\x07\x1b"),
    "nul_address": _address("City", "Utre\x00cht"),
    "long_currency": _set_item("ItemPrice", {"CurrencyCode": "EURO" * 50, "Amount": "1.00"}),
    "duplicate_item_ids": _duplicate_item,
    "missing_order_id": _set_order("AmazonOrderId", None),
    "missing_items": lambda order, items: items.clear(),
    "missing_address": _drop_order("ShippingAddress"),
    "missing_date": _drop_order("PurchaseDate"),
    "items_not_objects": lambda order, items: items.__setitem__(0, "not an object"),  # type: ignore[arg-type]
}


class MalformedRoutes:
    """Mixin for ``AmazonTwin``: plant malformed orders (see the module docstring)."""

    state: AmazonState
    now: Callable[[], datetime]

    def put_raw_order(self, order_id: str, order: dict[str, Any],
                      items: list[Any] | None = None) -> str:
        """Serve ``order`` and ``items`` as they are; stored under their AmazonOrderId when it
        is text (so getOrderItems finds it), else under ``order_id``; the storage id."""
        body = {"AmazonOrderId": order_id, **order}
        if isinstance(body["AmazonOrderId"], str) and body["AmazonOrderId"]:
            order_id = body["AmazonOrderId"]
        now = self.now()
        status = body.get("OrderStatus") if isinstance(body.get("OrderStatus"), str) else None
        record = RawOrder(
            order_id=order_id, marketplace_id=self.state.marketplace_id, purchased=now,
            updated=now, status=status or "Unshipped", currency="EUR", address={}, email="",
            items=[], raw_order=body, raw_items=list(items or []),
        )
        with self.state.lock:
            self.state.orders[order_id] = record
        return order_id

    def plant_malformed(self, kind: str, order_id: str | None = None) -> str:
        """A well-formed order with one ``KINDS`` defect planted in it; its storage id."""
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; known: {', '.join(sorted(KINDS))}")
        with self.state.lock:
            good = self.state.place_order({"AmazonOrderId": order_id} if order_id else {})
            order, items = good.public(), good.public_items()
            del self.state.orders[good.order_id]
        KINDS[kind](order, items)
        return self.put_raw_order(good.order_id, order, items)

    def malformed_routes(self) -> list[tuple[str, Callable, list[str]]]:
        return [
            ("/_sandbox/amazon/orders/malformed", self._ctl_malformed, ["POST"]),
            ("/_sandbox/amazon/orders/{order_id}/raw", self._ctl_raw, ["PUT"]),
        ]

    async def _ctl_raw(self, request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"error": "body is not JSON"}, status_code=400)
        if not isinstance(body, dict) or not isinstance(body.get("order"), dict):
            return JSONResponse({"error": "an object with an 'order' object is required"},
                                status_code=400)
        items = body.get("items")
        if items is not None and not isinstance(items, list):
            return JSONResponse({"error": "'items' must be a list"}, status_code=400)
        self.put_raw_order(request.path_params["order_id"], body["order"], items)
        return JSONResponse(body)

    async def _ctl_malformed(self, request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"error": "body is not JSON"}, status_code=400)
        if not isinstance(body, dict):
            return JSONResponse({"error": "an object is required"}, status_code=400)
        try:
            order_id = self.plant_malformed(str(body.get("kind")), body.get("AmazonOrderId"))
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"AmazonOrderId": order_id, "kind": body.get("kind")},
                            status_code=201)
