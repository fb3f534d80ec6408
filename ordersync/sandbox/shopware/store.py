"""In-memory state of one Shopware 6 shop: sales channel, currencies, countries, payment and
shipping methods, the state machines' states, products and orders, in the Admin API's JSON
shapes (ids 32 hex, dates ``Y-m-d\\TH:i:s.vP`` UTC, ``updatedAt`` null until a row changes).

Writes follow the DAL: ``create_order`` checks what adminapi.json marks required (400 write
errors with a JSON pointer) and the foreign keys (the database refuses: 500, nothing
written), assigns ``orderNumber`` and ``autoIncrement``, and takes the stock of product lines
(6.5+ stock handling: ``stock`` and ``availableStock`` drop when the order is written and come
back when it is cancelled). A state transition changes only its own row's ``updatedAt``."""

from __future__ import annotations

import copy
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ordersync.sandbox.shopware import states as sm
from ordersync.sandbox.shopware.errors import ShopwareError, blank, not_found, sql_error

Json = dict[str, Any]
NAMESPACE = uuid.UUID("0b5d7c2e-3f7a-4f7e-9a51-5e3c2d1b0a99")
COUNTRIES = ("NL", "BE", "DE", "FR", "GB", "AT", "LU", "US", "ES", "IT", "PL")
CURRENCIES = ("EUR", "GBP", "USD", "PLN")


def fixed_id(*parts: str) -> str:
    return uuid.uuid5(NAMESPACE, "|".join(parts)).hex


def random_id() -> str:
    return uuid.uuid4().hex


LIVE_VERSION = "0fa91ce3e96a4bc2be4bd9ce752c3425"  # Defaults::LIVE_VERSION
LANGUAGE_ID = "2fbb5fe2e29a4d70aa5854ce7ce3e20b"  # Defaults::LANGUAGE_SYSTEM
SALES_CHANNEL_ID = fixed_id("sales-channel", "Storefront")
PAYMENT_METHOD_ID = fixed_id("payment-method", "invoice")
STOREFRONT_TYPE = "8a243080f92e4c719546314b577cf82b"  # Defaults::SALES_CHANNEL_TYPE_STOREFRONT
API_TYPE = "f183ee5650cf4bdb8a774337575067a6"  # Defaults::SALES_CHANNEL_TYPE_API (headless)
ORDER_REQUIRED = ("billingAddressId", "currencyId", "languageId", "salesChannelId",
                  "orderDateTime", "currencyFactor", "stateId", "itemRounding", "totalRounding")
LINE_REQUIRED = ("identifier", "quantity", "label", "price")
DELIVERY_REQUIRED = ("shippingOrderAddressId", "shippingMethodId", "stateId",
                     "shippingDateEarliest", "shippingDateLatest")
ADDRESS_REQUIRED = ("countryId", "firstName", "lastName", "street", "city")


class ShopwareStore:
    """Thread-safe state; ``clock`` gives epoch seconds."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.reset()

    def now(self) -> str:
        moment = datetime.fromtimestamp(self.clock(), tz=UTC)
        return moment.isoformat(timespec="milliseconds")

    # -- setup --------------------------------------------------------------------------

    def reset(self) -> None:
        with self.lock:
            created = self.now()
            self.machines: dict[str, Json] = {}
            self.states: dict[str, Json] = {}
            for machine in sm.TRANSITIONS:
                mid = fixed_id("state-machine", machine)
                self.machines[machine] = {"id": mid, "technicalName": machine,
                                          "name": machine, "createdAt": created}
                for name in sm.states_of(machine):
                    sid = fixed_id("state", machine, name)
                    self.states[sid] = {"id": sid, "technicalName": name,
                                        "name": sm.LABELS.get(name, name),
                                        "stateMachineId": mid, "createdAt": created,
                                        "updatedAt": None}
            self.currencies = {fixed_id("currency", iso): {
                "id": fixed_id("currency", iso), "isoCode": iso, "factor": 1.0, "symbol": iso,
                "shortName": iso, "name": iso, "createdAt": created} for iso in CURRENCIES}
            self.countries = {fixed_id("country", iso): {
                "id": fixed_id("country", iso), "iso": iso, "name": iso, "active": True,
                "createdAt": created} for iso in COUNTRIES}
            self.shipping_methods: dict[str, Json] = {}
            self.default_shipping = self.add_shipping_method(
                "Standard", "https://tracking.example/?code=%s")["id"]
            self.payment_methods = {PAYMENT_METHOD_ID: {
                "id": PAYMENT_METHOD_ID, "technicalName": "payment_invoice", "name": "Invoice",
                "active": True, "createdAt": created}}
            headless = fixed_id("sales-channel", "Headless")
            self.sales_channels = {headless: {
                "id": headless, "name": "Headless", "active": True, "typeId": API_TYPE,
                "languageId": LANGUAGE_ID, "currencyId": fixed_id("currency", "EUR"),
                "paymentMethodId": PAYMENT_METHOD_ID, "shippingMethodId": self.default_shipping,
                "countryId": fixed_id("country", "NL"), "createdAt": created}}
            self.sales_channels[SALES_CHANNEL_ID] = {
                "id": SALES_CHANNEL_ID, "name": "Storefront", "active": True,
                "typeId": STOREFRONT_TYPE,
                "languageId": LANGUAGE_ID, "currencyId": fixed_id("currency", "EUR"),
                "paymentMethodId": PAYMENT_METHOD_ID, "shippingMethodId": self.default_shipping,
                "countryId": fixed_id("country", "NL"), "createdAt": created}
            self.products: dict[str, Json] = {}
            self.orders: dict[str, Json] = {}
            self._order_seq = 0
            self._product_seq = 0
            self.order_numbers = 10000

    def add_shipping_method(self, name: str, tracking_url: str | None = None) -> Json:
        with self.lock:
            mid = fixed_id("shipping-method", name)
            self.shipping_methods[mid] = {
                "id": mid, "name": name, "technicalName": f"shipping_{name.lower()}",
                "active": True, "trackingUrl": tracking_url, "deliveryTimeId": fixed_id(
                    "delivery-time", "1-3 days"), "createdAt": self.now(), "updatedAt": None}
            return self.shipping_methods[mid]

    def state_id(self, machine: str, name: str) -> str:
        return fixed_id("state", machine, name)

    def add_product(self, number: str, name: str, price: float = 10.0, stock: int = 100,
                    parent_id: str | None = None) -> Json:
        with self.lock:
            for product in self.products.values():
                if product["productNumber"] == number:
                    product.update(name=name, stock=stock, availableStock=stock,
                                   updatedAt=self.now())
                    return product
            self._product_seq += 1
            pid = fixed_id("product", number)
            self.products[pid] = {
                "id": pid, "versionId": LIVE_VERSION, "parentId": parent_id,
                "productNumber": number, "name": name, "autoIncrement": self._product_seq,
                "taxId": fixed_id("tax", "standard"), "active": True, "available": stock > 0,
                "isCloseout": False, "stock": stock, "availableStock": stock, "childCount": 0,
                "price": [{"currencyId": fixed_id("currency", "EUR"), "gross": price,
                           "net": round(price / 1.21, 2), "linked": True}],
                "createdAt": self.now(), "updatedAt": None}
            if parent_id is not None and parent_id in self.products:
                self.products[parent_id]["childCount"] += 1
            return self.products[pid]

    def _stock(self, order: Json, sign: int) -> None:
        for item in order["lineItems"]:
            product = self.products.get(item.get("productId") or "")
            if item.get("type") == "product" and product is not None:
                product["stock"] += sign * int(item["quantity"])
                product["availableStock"] = product["stock"]
                product["available"] = product["stock"] > 0
                product["updatedAt"] = self.now()

    # -- reads --------------------------------------------------------------------------

    def entities(self, alias: str) -> list[Json]:
        """Every entity of ``alias``, hydrated (associations resolved) for a search."""
        with self.lock:
            if alias == "order":
                return [self.hydrate(o) for o in sorted(self.orders.values(),
                                                        key=lambda o: o["autoIncrement"])]
            if alias == "state_machine_state":
                by_id = {m["id"]: m for m in self.machines.values()}
                return [{**s, "stateMachine": by_id[s["stateMachineId"]]}
                        for s in self.states.values()]
            source = {"product": self.products, "currency": self.currencies,
                      "country": self.countries, "sales_channel": self.sales_channels,
                      "shipping_method": self.shipping_methods,
                      "payment_method": self.payment_methods}.get(alias)
            if source is None:
                raise ShopwareError(400, "FRAMEWORK__DEFINITION_NOT_FOUND",
                                    f'Definition for entity "{alias}" does not exist.')
            return [copy.deepcopy(e) for e in source.values()]

    def hydrate(self, order: Json) -> Json:
        """The order with its associations resolved (state, shipping method, addresses)."""
        out = copy.deepcopy(order)
        addresses = {a["id"]: a for a in out["addresses"]}
        out["stateMachineState"] = copy.deepcopy(self.states[out["stateId"]])
        out["billingAddress"] = copy.deepcopy(addresses.get(out["billingAddressId"]))
        for delivery in out["deliveries"]:
            delivery["stateMachineState"] = copy.deepcopy(self.states[delivery["stateId"]])
            delivery["shippingMethod"] = copy.deepcopy(
                self.shipping_methods[delivery["shippingMethodId"]])
            delivery["shippingOrderAddress"] = copy.deepcopy(
                addresses.get(delivery["shippingOrderAddressId"]))
        for transaction in out["transactions"]:
            transaction["stateMachineState"] = copy.deepcopy(self.states[transaction["stateId"]])
        return out

    def order(self, order_id: str) -> Json:
        order = self.orders.get(order_id)
        if order is None:
            raise not_found("order", order_id)
        return order

    def delivery(self, delivery_id: str) -> tuple[Json, Json]:
        for order in self.orders.values():
            for delivery in order["deliveries"]:
                if delivery["id"] == delivery_id:
                    return order, delivery
        raise not_found("order_delivery", delivery_id)

    # -- writes -------------------------------------------------------------------------

    def create_order(self, body: Any) -> Json:
        """``POST /api/order``: validate, write, take stock."""
        with self.lock:
            if not isinstance(body, dict):
                raise ShopwareError(400, "FRAMEWORK__INVALID_REQUEST_PARAMETER",
                                    "The request payload must be an object.")
            problems = [blank(f"/0/{f}") for f in ORDER_REQUIRED if body.get(f) in (None, "")]
            customer = body.get("orderCustomer")
            if not isinstance(customer, dict):
                problems.append(blank("/0/orderCustomer"))
            else:
                problems += [blank(f"/0/orderCustomer/{f}") for f in
                             ("email", "firstName", "lastName") if not customer.get(f)]
            for kind, required in (("addresses", ADDRESS_REQUIRED), ("lineItems", LINE_REQUIRED),
                                   ("deliveries", DELIVERY_REQUIRED),
                                   ("transactions", ("paymentMethodId", "amount", "stateId"))):
                for n, row in enumerate(body.get(kind) or []):
                    problems += [blank(f"/0/{kind}/{n}/{f}") for f in required
                                 if row.get(f) in (None, "")]
            if problems:
                raise ShopwareError(400, "", "", errors=problems)
            oid = body.get("id") or random_id()
            if oid in self.orders:
                raise sql_error(f"1062 Duplicate entry '{oid}' for key 'order.PRIMARY'")
            self._foreign_keys(body)
            now = self.now()
            self._order_seq += 1
            self.order_numbers += 1
            order = self._order_row(body, oid, now)
            self.orders[oid] = order
            self._stock(order, -1)
            return order

    def _foreign_keys(self, body: Json) -> None:
        machine_of = {s["id"]: m for m, meta in self.machines.items()
                      for s in self.states.values() if s["stateMachineId"] == meta["id"]}
        checks = [(body["currencyId"] in self.currencies, "currency_id"),
                  (body["salesChannelId"] in self.sales_channels, "sales_channel_id"),
                  (machine_of.get(body["stateId"]) == "order.state", "state_id")]
        addresses = {a.get("id") for a in body.get("addresses") or []}
        checks.append((body["billingAddressId"] in addresses, "billing_address_id"))
        checks += [(a["countryId"] in self.countries, "country_id")
                   for a in body.get("addresses") or []]
        lines = {li.get("id") for li in body.get("lineItems") or []}
        checks += [(li.get("productId") in (None, *self.products), "product_id")
                   for li in body.get("lineItems") or []]
        for d in body.get("deliveries") or []:
            checks += [(d["shippingMethodId"] in self.shipping_methods, "shipping_method_id"),
                       (d["shippingOrderAddressId"] in addresses, "shipping_order_address_id"),
                       (machine_of.get(d["stateId"]) == "order_delivery.state", "state_id")]
            checks += [(p.get("orderLineItemId") in lines, "order_line_item_id")
                       for p in d.get("positions") or []]
        for t in body.get("transactions") or []:
            checks += [(t["paymentMethodId"] in self.payment_methods, "payment_method_id"),
                       (machine_of.get(t["stateId"]) == "order_transaction.state", "state_id")]
        for ok, column in checks:
            if not ok:
                raise sql_error(f"1452 Cannot add or update a child row: a foreign key "
                                f"constraint fails (`{column}`)")

    def _order_row(self, body: Json, oid: str, now: str) -> Json:
        version = {"versionId": LIVE_VERSION, "orderId": oid, "orderVersionId": LIVE_VERSION,
                   "createdAt": now, "updatedAt": None}
        addresses = [{**a, **version, "id": a.get("id") or random_id()}
                     for a in body.get("addresses") or []]
        lines = [{**li, **version, "id": li.get("id") or random_id(), "children": [],
                  "states": ["is-physical"] if li.get("type") == "product" else []}
                 for li in body.get("lineItems") or []]
        deliveries = []
        for d in body.get("deliveries") or []:
            did = d.get("id") or random_id()
            positions = [{**p, "id": p.get("id") or random_id(), "versionId": LIVE_VERSION,
                          "orderDeliveryId": did, "orderDeliveryVersionId": LIVE_VERSION,
                          "orderLineItemVersionId": LIVE_VERSION, "createdAt": now,
                          "updatedAt": None} for p in d.get("positions") or []]
            deliveries.append({**d, **version, "id": did, "positions": positions,
                               "trackingCodes": list(d.get("trackingCodes") or []),
                               "shippingOrderAddressVersionId": LIVE_VERSION})
        transactions = [{**t, **version, "id": t.get("id") or random_id()}
                        for t in body.get("transactions") or []]
        customer = {**body["orderCustomer"], **version,
                    "id": body["orderCustomer"].get("id") or random_id()}
        price = body.get("price") or {}
        order = {k: v for k, v in body.items() if k not in (
            "addresses", "lineItems", "deliveries", "transactions", "orderCustomer")}
        order.update(
            id=oid, versionId=LIVE_VERSION, autoIncrement=self._order_seq,
            orderNumber=str(body.get("orderNumber") or self.order_numbers),
            billingAddressVersionId=LIVE_VERSION, orderDate=body["orderDateTime"][:10],
            amountTotal=price.get("totalPrice", 0.0), amountNet=price.get("netPrice", 0.0),
            positionPrice=price.get("positionPrice", 0.0),
            taxStatus=price.get("taxStatus", "gross"),
            shippingTotal=(body.get("shippingCosts") or {}).get("totalPrice", 0.0),
            customFields=dict(body.get("customFields") or {}), createdAt=now, updatedAt=None,
            addresses=addresses, lineItems=lines, deliveries=deliveries,
            transactions=transactions, orderCustomer=customer,
            primaryOrderDeliveryId=deliveries[0]["id"] if deliveries else None,
            primaryOrderTransactionId=transactions[0]["id"] if transactions else None)
        order.setdefault("deepLinkCode", uuid.uuid4().hex)
        return order

    def transition(self, entity: str, entity_id: str, action: str) -> Json:
        """Apply a state machine transition; 400 ``SYSTEM__ILLEGAL_STATE_TRANSITION`` naming
        the possible ones when ``action`` is not allowed from the current state."""
        with self.lock:
            machine = sm.MACHINE_OF[entity]
            if entity == "order":
                order = row = self.order(entity_id)
            elif entity == "order_delivery":
                order, row = self.delivery(entity_id)
            else:
                order = next((o for o in self.orders.values() for t in o["transactions"]
                              if t["id"] == entity_id), None)
                if order is None:
                    raise not_found(entity, entity_id)
                row = next(t for t in order["transactions"] if t["id"] == entity_id)
            current = self.states[row["stateId"]]["technicalName"]
            to = sm.target(machine, current, action)
            if to is None:
                options = sm.possible(machine, current)
                raise ShopwareError(
                    400, "SYSTEM__ILLEGAL_STATE_TRANSITION",
                    f'Illegal transition "{action}" from state "{current}". Possible '
                    f"transitions are: {', '.join(options)}",
                    parameters={"transition": action, "currentState": current,
                                "possibleTransitionsString": ", ".join(options),
                                "possibleTransitions": options})
            row["stateId"] = self.state_id(machine, to)
            row["updatedAt"] = self.now()
            if entity == "order" and to == "cancelled":
                self._stock(order, +1)
            elif entity == "order" and current == "cancelled":
                self._stock(order, -1)
            return copy.deepcopy(self.states[row["stateId"]])

    def set_tracking(self, delivery_id: str, codes: list[str]) -> Json:
        """``PATCH /api/order-delivery/{id} {"trackingCodes": [...]}``."""
        with self.lock:
            _, delivery = self.delivery(delivery_id)
            delivery["trackingCodes"] = list(codes)
            delivery["updatedAt"] = self.now()
            return delivery
