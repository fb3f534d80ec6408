"""PrestaShopTwin: an in-memory PrestaShop 8.x webservice (the parts ordersync uses).

- ``/api/{resource}`` and ``/api/{resource}/{id}``; the key is the Basic-auth user (empty
  password) or ``?ws_key=``; none: 401 with ``WWW-Authenticate`` (code 17), a wrong one: 401
  (code 18). Resources: orders, order_histories, order_carriers, order_states, carriers,
  products, stock_availables, customers, addresses, carts, countries, currencies.
- Output is XML unless JSON is asked (``output_format=JSON``/``io_format=JSON`` or the
  ``Output-Format``/``Io-Format: JSON`` header). A list without ``display`` holds ids only;
  ``display=full`` or ``display=[f1,f2]`` the fields; an empty list is ``[]`` (see
  ``connectors/prestashop/facts.py``). Single: ``{"order": {...}}``. Errors:
  ``{"errors": [{"code": n, "message": "..."}]}`` (400 bad parameter or body, 401, 404 unknown
  id, 405 a method the resource does not take).
- Lists take ``filter[field]=[a|b]`` / ``[a,b]`` / ``%[x]%``, ``sort=[field_ASC|DESC]``,
  ``limit=n`` or ``limit=offset,n``; a date field in a filter or sort needs ``date=1`` (400).
- Writes read XML only (``<prestashop><order>...</order></prestashop>``; JSON bodies are 400,
  as 8.x). POST customers, addresses, carts (``associations/cart_rows``), orders (from a cart:
  takes stock, one order_carrier row, an order history for ``current_state``),
  order_histories (a state change; Canceled/Refunded give stock back); PUT order_carriers/{id},
  stock_availables/{id} (the body's ``id`` must be the URL's).
- No rate limit: PrestaShop core has none (``rate_limits`` is accepted and ignored).

The merchant's admin actions are in-process (``merchant.py``); the common ``/_sandbox``
controls are in ``ordersync.sandbox.common``.
"""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ordersync.connectors.prestashop.facts import (
    ERR_BAD_BODY,
    ERR_BAD_KEY,
    ERR_BAD_PARAM,
    ERR_NO_KEY,
)
from ordersync.sandbox.common import TwinControls, build_app
from ordersync.sandbox.prestashop.auth import key_of
from ordersync.sandbox.prestashop.store import RESOURCES, SINGULAR, WRITABLE, PsError, PsStore, Row

REALM = 'Basic realm="Welcome to PrestaShop Webservice, please enter the authentication key ' \
        'as the login. No password required."'


def error_body(status: int, code: int = 0, message: str = "Internal error") -> dict[str, Any]:
    return {"errors": [{"code": code, "message": message}]}


def _no_route(status: int, path: str) -> tuple[int, dict[str, Any]]:
    if status == 405:
        return 405, error_body(405, 100, "Method not allowed for this resource")
    return 400, error_body(400, 20, "Resource of type not found")


def wants_json(request: Request) -> bool:
    q, h = request.query_params, request.headers
    return "JSON" in {str(q.get("output_format", "")).upper(), str(q.get("io_format", "")).upper(),
                      h.get("output-format", "").upper(), h.get("io-format", "").upper()}


def _to_xml(parent: ET.Element, name: str, value: Any) -> None:
    node = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, inner in value.items():
            _to_xml(node, key, inner)
    elif isinstance(value, list):
        for inner in value:
            _to_xml(node, name[:-1] if name.endswith("s") else name, inner)
    else:
        node.text = "" if value is None else str(value)


def render(request: Request, payload: Any, status: int = 200) -> Response:
    if wants_json(request):
        return JSONResponse(payload, status_code=status)
    root = ET.Element("prestashop")
    if isinstance(payload, dict):
        for key, value in payload.items():
            _to_xml(root, key, value)
    return Response(ET.tostring(root, encoding="utf-8", xml_declaration=True), status,
                    media_type="text/xml")


def read_xml(body: bytes, resource: str) -> Row:
    """The fields (and associations) of ``<prestashop><singular>...</singular></prestashop>``."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        raise PsError(400, ERR_BAD_BODY, "Invalid XML: the webservice reads XML bodies only") \
            from None
    item = root.find(SINGULAR[resource]) if root.tag == "prestashop" else None
    if item is None:
        raise PsError(400, ERR_BAD_BODY, f"XML error: no <{SINGULAR[resource]}> in <prestashop>")
    fields: Row = {}
    for child in item:
        if child.tag == "associations":
            fields["associations"] = {
                assoc.tag: [{f.tag: (f.text or "") for f in row} for row in assoc]
                for assoc in child}
        else:
            fields[child.tag] = (child.text or "").strip()
    return fields


class PrestaShopTwin:
    platform = "prestashop"

    def __init__(self, keys: tuple[str, ...] = (), *, rate_limits: bool = False) -> None:
        self.keys = set(keys)
        self.store = PsStore()
        self.controls = TwinControls(rate_limits=False)
        self.app = build_app(self._routes(), self.controls, self.reset,
                             lambda status: error_body(status), no_route=_no_route)

    def reset(self) -> None:
        self.store.reset()

    def get(self, shop_id: str | int) -> Row:
        """An order (a copy) with its delivery address row as ``address_delivery``."""
        with self.store.lock:
            order = dict(self.store.get("orders", int(shop_id)))
            address = self.store.rows["addresses"].get(int(order["id_address_delivery"]))
            return {**order, "address_delivery": dict(address or {})}

    # -- HTTP ---------------------------------------------------------------------------

    def _check(self, request: Request, resource: str) -> None:
        key = key_of(request)
        if key is None:
            raise PsError(401, ERR_NO_KEY, "Authentication key is empty")
        if key not in self.keys:
            raise PsError(401, ERR_BAD_KEY, "Authentication key is not valid")
        if resource not in RESOURCES:
            raise PsError(400, 20, f"Resource of type \"{resource}\" not found")

    def _handle(self, request: Request, work) -> Response:
        try:
            self._check(request, request.path_params["resource"])
            return work()
        except PsError as err:
            headers = {"WWW-Authenticate": REALM} if err.status == 401 else None
            response = render(request, error_body(err.status, err.code, err.message),
                              err.status)
            if headers:
                response.headers.update(headers)
            return response

    def _display(self, rows: list[Row], display: str | None) -> list[Row]:
        if display is None:
            return [{"id": r["id"]} for r in rows]
        if display == "full":
            return [dict(r) for r in rows]
        if not (display.startswith("[") and display.endswith("]")):
            raise PsError(400, ERR_BAD_PARAM, f"The display parameter {display!r} is malformed")
        names = [n.strip() for n in display[1:-1].split(",") if n.strip()]
        if rows and any(n not in rows[0] for n in names):
            raise PsError(400, ERR_BAD_PARAM, "Unable to display this field")
        return [{n: r.get(n) for n in names} for r in rows]

    async def list_or_create(self, request: Request) -> Response:
        resource = request.path_params["resource"]
        body = await request.body()

        def work() -> Response:
            if request.method == "POST":
                if resource not in WRITABLE["POST"]:
                    raise PsError(405, 100, f"Method POST is not allowed for {resource}")
                row = self.store.create(resource, read_xml(body, resource))
                return render(request, {SINGULAR[resource]: row}, 201)
            rows = self.store.listing(resource, request.query_params)
            shown = self._display(rows, request.query_params.get("display"))
            return render(request, {resource: shown} if shown else [])

        return self._handle(request, work)

    async def item(self, request: Request) -> Response:
        resource, ident = request.path_params["resource"], request.path_params["id"]
        body = await request.body()

        def work() -> Response:
            if request.method == "PUT":
                if resource not in WRITABLE["PUT"]:
                    raise PsError(405, 100, f"Method PUT is not allowed for {resource}")
                fields = read_xml(body, resource)
                if str(fields.get("id")) != str(ident):
                    raise PsError(400, ERR_BAD_BODY, "id is required when modifying a resource")
                return render(request, {SINGULAR[resource]: self.store.update(
                    resource, ident, fields)})
            with self.store.lock:
                return render(request, {SINGULAR[resource]: dict(self.store.get(resource,
                                                                                  ident))})

        return self._handle(request, work)

    def _routes(self) -> list[Route]:
        return [Route("/api/{resource}", self.list_or_create, methods=["GET", "POST"]),
                Route("/api/{resource}/{id:int}", self.item, methods=["GET", "PUT"])]
