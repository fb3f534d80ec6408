"""MagentoTwin: an in-memory Magento 2.4 admin REST API (the parts ordersync uses).

Auth: ``Authorization: Bearer <integration access token>``; a missing or wrong token is 401
``The consumer isn't authorized to access %resources.``. Errors are Magento's
``{"message", "parameters"}`` body; an unknown route or wrong method is 404 ``Request does not
match any route.``. Routes are served under ``/rest/V1`` and ``/rest/{store_code}/V1``:

- ``GET orders`` (``searchCriteria`` required; see ``search``), ``POST orders``
  ``{"entity": ...}`` (repository save), ``GET orders/{id}``, ``POST orders/{id}/cancel``
  (``true``, or ``false`` when it cannot be cancelled).
- ``POST order/{orderId}/ship`` ``{items: [{order_item_id, qty}], notify, tracks:
  [{track_number, title, carrier_code}]}`` -> the shipment id; ``GET shipments``;
  ``POST shipment/track`` ``{"entity": {order_id, parent_id, track_number, title,
  carrier_code}}``.
- ``GET products``; ``GET inventory/source-items``, ``POST inventory/source-items``
  ``{"sourceItems": [{sku, source_code, quantity, status}]}`` (MSI).

Control routes (the merchant in the admin; never faulted), under ``/_sandbox/magento/``:
``POST products`` ``{sku, name, price, stock}``; ``POST orders/{id}/ship`` ``{"lines":
{line id: qty} | null, "track_number", "carrier"}``; ``POST orders/{id}/tracks``
``{"track_number", "carrier"}``; ``POST orders/{id}/cancel``; ``POST orders/{id}/invoice``.
Common ones (``ordersync.sandbox.common``): faults, rate-limits (Magento has no REST rate limit
by default: a no-op), stats, reset.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ordersync.sandbox.common import TwinControls, build_app
from ordersync.sandbox.magento import search
from ordersync.sandbox.magento.errors import (
    UNAUTHORIZED,
    MagentoError,
    error_body,
    no_route,
)
from ordersync.sandbox.magento.store import MagentoStore

Handler = Callable[[Request], Awaitable[Response]]
ACL = {"orders": "Magento_Sales::sales", "order": "Magento_Sales::ship",
       "shipments": "Magento_Sales::shipment", "shipment": "Magento_Sales::shipment",
       "products": "Magento_Catalog::products", "inventory": "Magento_InventoryApi::source"}


class MagentoTwin:
    """The twin of one Magento store; ``app`` is the ASGI app."""

    def __init__(self, token: str = "magento-sandbox-token", *,
                 clock: Callable[[], float] = time.time) -> None:
        self.token = token
        self.store = MagentoStore(clock)
        self.controls = TwinControls(rate_limits=False)
        self.app = build_app(self._routes(), self.controls, self.reset, error_body,
                             no_route=no_route)

    def reset(self) -> None:
        with self.store.lock:
            self.store.reset()

    # -- Python helpers (the merchant adapter uses these) ----------------------------------

    def add_product(self, sku: str, name: str | None = None, price: float = 10.0,
                    stock: float | None = 100) -> dict[str, Any]:
        with self.store.lock:
            product = self.store.save_product(sku, name or sku, price)
            if stock is not None:
                self.store.save_source_item(sku, stock)
            return product

    def get(self, order_id: str | int) -> dict[str, Any]:
        """A copy of one order as ``GET /V1/orders/{id}`` serves it."""
        with self.store.lock:
            return copy.deepcopy(self.store.order(int(order_id)))

    def orders_with_reference(self, reference: str) -> list[dict[str, Any]]:
        return [o for o in self.store.orders.values() if o.get("ext_order_id") == reference]

    # -- plumbing ---------------------------------------------------------------------------

    def _api(self, handler: Handler) -> Handler:
        async def wrapped(request: Request) -> Response:
            try:
                if request.headers.get("authorization", "") != f"Bearer {self.token}":
                    area = request.url.path.split("/V1/", 1)[-1].split("/", 1)[0]
                    raise MagentoError(401, UNAUTHORIZED,
                                       {"resources": ACL.get(area, "Magento_Backend::admin")})
                with self.store.lock:
                    return await handler(request)
            except MagentoError as exc:
                return JSONResponse(exc.body, status_code=exc.status)

        return wrapped

    def _control(self, handler: Handler) -> Handler:
        async def wrapped(request: Request) -> Response:
            try:
                with self.store.lock:
                    return await handler(request)
            except MagentoError as exc:
                return JSONResponse(exc.body, status_code=exc.status)

        return wrapped

    @staticmethod
    def _criteria(request: Request) -> dict[str, Any]:
        return search.parse(parse_qsl(request.url.query, keep_blank_values=True))

    @staticmethod
    async def _json(request: Request) -> Any:
        raw = await request.body()
        if not raw:
            return {}
        try:
            return await request.json()
        except ValueError:
            raise MagentoError(400, "Decoding error: %1", ["Syntax error"]) from None

    # -- API routes -------------------------------------------------------------------------

    async def list_orders(self, request: Request) -> Response:
        return JSONResponse(search.search(list(self.store.orders.values()),
                                          self._criteria(request)))

    async def create_order(self, request: Request) -> Response:
        body = await self._json(request)
        entity = body.get("entity") if isinstance(body, dict) else None
        if not isinstance(entity, dict):
            raise MagentoError(400, '"%fieldName" is required. Enter and try again.',
                               {"fieldName": "entity"})
        if entity.get("entity_id"):
            raise MagentoError(400, "The order can't be saved: updates are out of scope.")
        return JSONResponse(self.store.save_order(entity))

    async def get_order(self, request: Request) -> Response:
        return JSONResponse(self.store.order(int(request.path_params["id"])))

    async def cancel_order(self, request: Request) -> Response:
        return JSONResponse(self.store.cancel(int(request.path_params["id"])))

    async def ship(self, request: Request) -> Response:
        body = await self._json(request)
        shipment = self.store.ship(int(request.path_params["id"]), body.get("items"),
                                   body.get("tracks"))
        return JSONResponse(shipment["entity_id"])

    async def list_shipments(self, request: Request) -> Response:
        return JSONResponse(search.search(list(self.store.shipments.values()),
                                          self._criteria(request)))

    async def add_track(self, request: Request) -> Response:
        body = await self._json(request)
        return JSONResponse(self.store.add_track(body.get("entity") or {}))

    async def list_products(self, request: Request) -> Response:
        return JSONResponse(search.search(list(self.store.products.values()),
                                          self._criteria(request), default_sort="id"))

    async def source_items(self, request: Request) -> Response:
        if request.method == "POST":
            body = await self._json(request)
            for item in body.get("sourceItems") or ():
                self.store.save_source_item(str(item.get("sku")), float(item.get("quantity") or 0),
                                            item.get("status"),
                                            item.get("source_code") or "default")
            return JSONResponse([])
        return JSONResponse(search.search(list(self.store.source_items.values()),
                                          self._criteria(request), default_sort="sku"))

    # -- control routes ---------------------------------------------------------------------

    async def c_product(self, request: Request) -> Response:
        body = await self._json(request)
        return JSONResponse(self.add_product(body["sku"], body.get("name"),
                                             float(body.get("price", 10)),
                                             body.get("stock", 100)), status_code=201)

    async def c_ship(self, request: Request) -> Response:
        body = await self._json(request)
        shipment = self.store.ship_lines(int(request.path_params["id"]), body.get("lines"),
                                         body.get("track_number"), body.get("carrier"))
        return JSONResponse({"shipment_id": shipment["entity_id"]}, status_code=201)

    async def c_track(self, request: Request) -> Response:
        body = await self._json(request)
        self.store.track_latest(int(request.path_params["id"]), body["track_number"],
                                body.get("carrier"))
        return Response(status_code=204)

    async def c_cancel(self, request: Request) -> Response:
        return JSONResponse(self.store.cancel(int(request.path_params["id"])))

    async def c_invoice(self, request: Request) -> Response:
        self.store.invoice(int(request.path_params["id"]))
        return Response(status_code=204)

    def _routes(self) -> list[Route]:
        a, c = self._api, self._control
        api = [
            ("/orders", a(self.list_orders), ["GET"]),
            ("/orders", a(self.create_order), ["POST"]),
            ("/orders/{id:int}", a(self.get_order), ["GET"]),
            ("/orders/{id:int}/cancel", a(self.cancel_order), ["POST"]),
            ("/order/{id:int}/ship", a(self.ship), ["POST"]),
            ("/shipments", a(self.list_shipments), ["GET"]),
            ("/shipment/track", a(self.add_track), ["POST"]),
            ("/products", a(self.list_products), ["GET"]),
            ("/inventory/source-items", a(self.source_items), ["GET", "POST"]),
        ]
        routes = [Route(f"{prefix}{path}", handler, methods=methods)
                  for prefix in ("/rest/V1", "/rest/{store}/V1")
                  for path, handler, methods in api]
        ctl = "/_sandbox/magento"
        return routes + [
            Route(f"{ctl}/products", c(self.c_product), methods=["POST"]),
            Route(f"{ctl}/orders/{{id:int}}/ship", c(self.c_ship), methods=["POST"]),
            Route(f"{ctl}/orders/{{id:int}}/tracks", c(self.c_track), methods=["POST"]),
            Route(f"{ctl}/orders/{{id:int}}/cancel", c(self.c_cancel), methods=["POST"]),
            Route(f"{ctl}/orders/{{id:int}}/invoice", c(self.c_invoice), methods=["POST"]),
        ]
