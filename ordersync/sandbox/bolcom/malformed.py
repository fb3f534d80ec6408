"""Ready-made malformed orders in the bol.com twin (``PUT /_sandbox/bolcom/orders/{id}/raw``
stores any JSON; these are the defects an independent trial planted, by name).

Control route (no auth):
- ``POST /_sandbox/bolcom/orders/malformed`` ``{"kind": KIND, "orderId"?}`` - a well-formed
  order with one ``KINDS`` defect (absurd numbers, ancient/far-future dates, over-long ids and
  strings, NUL and control characters, duplicate item ids, missing required fields). 201
  ``{"orderId", "kind"}``; 400 for an unknown kind.
Python helper: ``plant_malformed``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ordersync.sandbox.bolcom.state import BolcomState

Order = dict[str, Any]


def _item(key: str, value: Any, part: str | None = None) -> Callable[[Order], None]:
    def change(order: Order) -> None:
        item = order["orderItems"][0]
        (item[part] if part else item)[key] = value
    return change


def _order(key: str, value: Any) -> Callable[[Order], None]:
    def change(order: Order) -> None:
        order[key] = value
    return change


def _drop(key: str, item: bool = False) -> Callable[[Order], None]:
    def change(order: Order) -> None:
        (order["orderItems"][0] if item else order).pop(key, None)
    return change


def _duplicate(order: Order) -> None:
    order["orderItems"].append(dict(order["orderItems"][0]))


def _city(value: str) -> Callable[[Order], None]:
    def change(order: Order) -> None:
        order["shipmentDetails"]["city"] = value
    return change


KINDS: dict[str, Callable[[Order], None]] = {
    "huge_price": _item("unitPrice", 1e30),
    "price_beyond_store": _item("unitPrice", 1e15),
    "negative_price": _item("unitPrice", -5.0),
    "huge_quantity": _item("quantity", 10**12),
    "ancient_date": _order("orderPlacedDateTime", "0001-01-01T00:30+01:00"),
    "far_future_date": _order("orderPlacedDateTime", "9999-12-31T23:59:59-05:00"),
    "bad_date": _order("orderPlacedDateTime", "yesterday"),
    "long_item_id": _item("orderItemId", "2" * 100),
    "long_ean": _item("ean", "8" * 40, "product"),
    "long_offer_reference": _item("reference", "R" * 200, "offer"),
    "long_title": _item("title", "T" * 5000, "product"),
    "nul_title": _item("title", "Mug\x00with NUL", "product"),
    "control_title": _item("title", "Mug\x07\x1b", "product"),
    "nul_city": _city("Utre\x00cht"),
    "duplicate_item_ids": _duplicate,
    "missing_address": _drop("shipmentDetails"),
    "missing_date": _drop("orderPlacedDateTime"),
    "missing_price": _drop("unitPrice", item=True),
    "missing_item_id": _drop("orderItemId", item=True),
}
LONG_ORDER_ID = "long_order_id"  # the order id itself: 200 characters


class MalformedRoutes:
    """Mixin for ``BolcomTwin``: plant malformed orders (see the module docstring)."""

    state: BolcomState

    def plant_malformed(self, kind: str, order_id: str | None = None) -> str:
        """A well-formed order with one defect planted in it; its (stored) orderId."""
        if kind not in KINDS and kind != LONG_ORDER_ID:
            known = ", ".join(sorted([*KINDS, LONG_ORDER_ID]))
            raise ValueError(f"unknown kind {kind!r}; known: {known}")
        with self.state.lock:
            spec: dict[str, Any] = {"items": [{"ean": "8712345678906", "title": "Sandbox mug",
                                               "quantity": 1, "unitPrice": 12.99}]}
            if order_id or kind == LONG_ORDER_ID:
                spec["orderId"] = order_id or "1" * 200
            order = self.state.place_order(spec)
            if kind in KINDS:
                KINDS[kind](order)
            return str(order["orderId"])

    def malformed_routes(self) -> list[tuple[str, Callable, list[str]]]:
        return [("/_sandbox/bolcom/orders/malformed", self._ctl_malformed, ["POST"])]

    async def _ctl_malformed(self, request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"error": "body is not JSON"}, status_code=400)
        if not isinstance(body, dict):
            return JSONResponse({"error": "an object is required"}, status_code=400)
        try:
            order_id = self.plant_malformed(str(body.get("kind")), body.get("orderId"))
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"orderId": order_id, "kind": body.get("kind")}, status_code=201)
