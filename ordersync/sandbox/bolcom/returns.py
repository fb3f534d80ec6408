"""The bol.com twin's returns: the retailer's return routes and the buyer's control. A mixin
of ``BolcomTwin``.

- ``GET /retailer/returns?page=&handled=&fulfilment-method=`` -> ``{"returns": [...]}``
  ReducedReturns, newest registration first, 50 a page (``page`` >= 1, ``handled``
  true|false, ``fulfilment-method`` FBR|FBB, else 400 Problem with violations); a return is
  listed with the items that match ``handled``; past the last page ``{"returns": []}``.
- ``GET /retailer/returns/{return-id}`` -> Return (items with ``title``, ``customerDetails``,
  the return's ``trackAndTrace``/``transporterName``); 404 Problem when unknown.
- ``PUT /retailer/returns/{rma-id}`` ``{handlingResult, quantityReturned}`` -> 202
  ProcessStatus (``HANDLE_RETURN_ITEM``, entity id = the RMA id). A non-numeric or unknown RMA
  id, a handling result outside the spec's enum or a quantity outside 1..9999 -> 400 Problem.
  The process fails when the item is already handled or more is returned than expected;
  otherwise the item becomes ``handled`` with a processing result ``ACCEPTED``.

Control (no auth): ``POST /_sandbox/bolcom/returns`` ``{"orderId", "items"?: [{"orderItemId",
"quantity"?, "mainReason"?, "detailedReason"?, "customerComments"?}]}`` - the buyer returns
shipped items (every shipped unit when ``items`` is left out); 201 with the Return. Only
shipped, not yet returned quantities can be returned (400 otherwise). Python:
``create_return(order_id, items=None)``, ``stored_return(return_id)``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ordersync.sandbox.bolcom.listing import enum, int32
from ordersync.sandbox.bolcom.state import BolcomState, Process, iso

PAGE_SIZE = 50
HANDLING_RESULTS = ("RETURN_RECEIVED", "EXCHANGE_PRODUCT", "RETURN_DOES_NOT_MEET_CONDITIONS",
                    "REPAIR_PRODUCT", "CUSTOMER_KEEPS_PRODUCT_PAID", "STILL_APPROVED")
DEFAULT_REASON = {"mainReason": "Niet naar verwachting",
                  "detailedReason": "Niet naar verwachting",
                  "customerComments": "Kleur valt tegen"}


@dataclass
class ReturnBook:
    """The returns of one twin: return id -> stored Return (items keep the order item id)."""

    returns: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_rma: dict[str, tuple[str, int]] = field(default_factory=dict)  # rma -> (return, index)

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)

    def next_id(self, base: int) -> str:
        return str(base + next(self._ids))

    def item(self, rma_id: str) -> dict[str, Any] | None:
        found = self.by_rma.get(rma_id)
        return None if found is None else self.returns[found[0]]["returnItems"][found[1]]

    def returned(self, order_item_id: str) -> int:
        return sum(i["expectedQuantity"] for r in self.returns.values()
                   for i in r["returnItems"] if i["_orderItemId"] == order_item_id)


def _public_item(item: dict[str, Any], full: bool) -> dict[str, Any]:
    keys = ["rmaId", "orderId", "ean", "expectedQuantity", "returnReason", "handled",
            "processingResults"]
    if full:
        keys[3:3] = ["title"]
        keys += ["trackAndTrace", "transporterName", "customerDetails"]
    return {k: item[k] for k in keys if k in item}


class ReturnRoutes:
    """Needs ``state``, ``rmas`` and the twin's request helpers."""

    state: BolcomState
    rmas: ReturnBook
    _guard: Callable[..., tuple[str, dict[str, str]]]
    _ok: Callable[..., Response]
    _problem: Callable[..., Response]
    _json_body: Callable[..., Any]

    def return_routes(self) -> list[tuple[str, Any, list[str]]]:
        return [
            ("/retailer/returns", self._list_returns, ["GET"]),
            ("/retailer/returns/{return_id}", self._get_return, ["GET"]),
            ("/retailer/returns/{rma_id}", self._handle_return, ["PUT"]),
            ("/_sandbox/bolcom/returns", self._ctl_return, ["POST"]),
        ]

    # -- Python-side helpers --------------------------------------------------------------

    def create_return(self, order_id: str, items: list[dict[str, Any]] | None = None
                      ) -> dict[str, Any]:
        """The buyer returns shipped items of an order (all shipped units when ``items`` is
        None); the stored Return. ValueError when nothing (more) can be returned."""
        with self.state.lock:
            self.state.settle(f"order:{order_id}")
            order = self.state.orders.get(order_id)
            if order is None:
                raise ValueError(f"order {order_id} not found")
            by_id = {i.get("orderItemId"): i for i in order.get("orderItems") or []}
            wanted = items if items is not None else [
                {"orderItemId": i} for i in by_id if self._returnable(by_id[i]) > 0]
            if not wanted:
                raise ValueError(f"order {order_id} has nothing shipped to return")
            now = self.state.now()
            return_id = self.rmas.next_id(10_000_000)
            stored = []
            for spec in wanted:
                item = by_id.get(spec.get("orderItemId"))
                if item is None:
                    raise ValueError(f"order item {spec.get('orderItemId')} not in {order_id}")
                left = self._returnable(item)
                quantity = int(spec.get("quantity") or left)
                if not 0 < quantity <= left:
                    raise ValueError(f"order item {item['orderItemId']}: {left} can be returned"
                                     f", not {quantity}")
                reason = {k: spec.get(k) or v for k, v in DEFAULT_REASON.items()}
                stored.append({
                    "rmaId": self.rmas.next_id(30_000_000), "orderId": order_id,
                    "_orderItemId": item["orderItemId"],
                    "ean": (item.get("product") or {}).get("ean", ""),
                    "title": (item.get("product") or {}).get("title", "Sandbox product"),
                    "expectedQuantity": quantity, "returnReason": reason,
                    "trackAndTrace": "3SBOL0987654321", "transporterName": "PostNL",
                    "handled": False, "processingResults": [],
                    "customerDetails": _customer(order),
                })
            ret = {"returnId": return_id, "registrationDateTime": iso(now),
                   "fulfilmentMethod": "FBR", "returnItems": stored}
            self.rmas.returns[return_id] = ret
            for index, item in enumerate(stored):
                self.rmas.by_rma[item["rmaId"]] = (return_id, index)
            return ret

    def stored_return(self, return_id: str) -> dict[str, Any]:
        with self.state.lock:
            self._settle_return(self.rmas.returns[return_id])
            return self.rmas.returns[return_id]

    def _returnable(self, item: dict[str, Any]) -> int:
        return (item.get("quantityShipped") or 0) - self.rmas.returned(item["orderItemId"])

    def _settle_return(self, ret: dict[str, Any]) -> None:
        for item in ret["returnItems"]:
            self.state.settle(f"return:{item['rmaId']}")

    # -- retailer routes ------------------------------------------------------------------

    async def _list_returns(self, request: Request) -> Response:
        _, headers = self._guard(request)
        query, violations = request.query_params, []
        page = int32(query, "page", violations)
        page = 1 if page is None else page
        if page < 1:
            violations.append({"name": "page", "reason": "Must be an integer of at least 1."})
        handled = enum(query, "handled", ("true", "false"), "", violations) \
            if "handled" in query else ""
        method = enum(query, "fulfilment-method", ("FBR", "FBB"), "", violations) \
            if "fulfilment-method" in query else ""
        if violations:
            return self._problem(request, 400, "Bad request", violations, headers)
        with self.state.lock:
            rows = []
            for ret in sorted(self.rmas.returns.values(),
                              key=lambda r: (r["registrationDateTime"], int(r["returnId"])),
                              reverse=True):
                self._settle_return(ret)
                if method and ret["fulfilmentMethod"] != method:
                    continue
                items = [i for i in ret["returnItems"]
                         if not handled or i["handled"] == (handled == "true")]
                if items:
                    rows.append({**{k: ret[k] for k in ("returnId", "registrationDateTime",
                                                        "fulfilmentMethod")},
                                 "returnItems": [_public_item(i, False) for i in items]})
        return self._ok({"returns": rows[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]}, headers)

    async def _get_return(self, request: Request) -> Response:
        _, headers = self._guard(request)
        return_id = request.path_params["return_id"]
        with self.state.lock:
            ret = self.rmas.returns.get(return_id)
            if ret is None:
                return self._problem(request, 404, f"Return {return_id} not found.",
                                     headers=headers)
            self._settle_return(ret)
            body = {**{k: ret[k] for k in ("returnId", "registrationDateTime",
                                           "fulfilmentMethod")},
                    "returnItems": [_public_item(i, True) for i in ret["returnItems"]]}
        return self._ok(body, headers)

    async def _handle_return(self, request: Request) -> Response:
        _, headers = self._guard(request, body=True)
        body = await self._json_body(request)
        rma_id = request.path_params["rma_id"]
        violations = []
        if not rma_id.isdigit():
            violations.append({"name": "rma-id", "reason": "must be an integer"})
        elif self.rmas.item(rma_id) is None:
            violations.append({"name": "rma-id", "reason": f"Return item {rma_id} not found."})
        result = body.get("handlingResult") if isinstance(body, dict) else None
        quantity = body.get("quantityReturned") if isinstance(body, dict) else None
        if result not in HANDLING_RESULTS:
            violations.append({"name": "handlingResult", "reason": (
                f"Request contains invalid value(s): '{result}', allowed values: "
                + ", ".join(HANDLING_RESULTS) + ".")})
        if isinstance(quantity, bool) or not isinstance(quantity, int) \
                or not 1 <= quantity <= 9999:
            violations.append({"name": "quantityReturned",
                               "reason": "must be an integer from 1 to 9999"})
        if violations:
            return self._problem(request, 400, "Bad request", violations, headers)
        with self.state.lock:
            process = self._enqueue_handling(rma_id, result, quantity)
            return self._ok(process.json(), headers, 202)

    def _enqueue_handling(self, rma_id: str, result: str, quantity: int) -> Process:
        item = self.rmas.item(rma_id)
        assert item is not None

        def effect() -> str | None:
            if item["handled"]:
                return f"Return item {rma_id} has already been handled."
            if quantity > item["expectedQuantity"]:
                return (f"Return item {rma_id}: quantity {quantity} exceeds the expected "
                        f"quantity {item['expectedQuantity']}.")
            item["handled"] = True
            item["processingResults"].append({
                "quantity": quantity, "processingResult": "ACCEPTED", "handlingResult": result,
                "processingDateTime": iso(self.state.now())})
            return None

        return self.state.enqueue(rma_id, "HANDLE_RETURN_ITEM",
                                  f"Handling of return item {rma_id} ({result}).",
                                  {f"return:{rma_id}"}, effect)

    # -- control --------------------------------------------------------------------------

    async def _ctl_return(self, request: Request) -> Response:
        try:
            body = await request.json()
            ret = self.create_return(str(body.get("orderId")), body.get("items"))
        except (ValueError, TypeError, AttributeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({**ret, "returnItems": [_public_item(i, True)
                                                    for i in ret["returnItems"]]},
                            status_code=201)


def _customer(order: dict[str, Any]) -> dict[str, Any]:
    ship = order.get("shipmentDetails") or {}
    keys = ("salutation", "firstName", "surname", "streetName", "houseNumber",
            "houseNumberExtension", "zipCode", "city", "countryCode", "email")
    details = {k: ship[k] for k in keys if isinstance(ship.get(k), str)}
    details.setdefault("salutation", "UNKNOWN")
    return details
