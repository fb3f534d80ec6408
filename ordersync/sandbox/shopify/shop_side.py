"""The shop's own side of the Shopify twin (a mixin of ``ShopifyTwin``): shoppers' orders one by
one or in bulk, the merchant's changes to them, the plan (Basic hides customer data from apps)
and ``GET shop.json``.

Control routes (never rate limited or faulted):
- ``POST /_sandbox/shopify/shop-orders`` ``{"lines": [{"sku", "quantity", "price"?,
  "discount"?}], "status": "open|partial|fulfilled|cancelled|refunded|pending",
  "customer": {"first_name", "last_name", "email", "phone", "address1", "city", "zip",
  "country_code"} | null, "created_at": ISO, "shipping": {"title", "price"}, "currency"}``
  -> 201 ``{"order"}`` (as the API renders it).
- ``POST /_sandbox/shopify/seed`` ``{"orders": N, "since": ISO, "until": ISO, "products": 20,
  "customers": null, "mix": {"open": 30, ...}, "seed": 1}`` -> 201 ``{"first_id", "count"}``.
- ``PUT /_sandbox/shopify/shop-orders/{id}/lines/{line_id}`` ``{"quantity": n}``: an order edit.
- ``PUT /_sandbox/shopify/plan`` ``{"plan": "basic"|"professional", "currency": "EUR"}``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ordersync.sandbox.shopify.catalog import Catalog
from ordersync.sandbox.shopify.seeding import (
    STRIDE,
    Batch,
    Product,
    make_customers,
    status_slots,
)
from ordersync.sandbox.shopify.shopper import (
    STATUSES,
    Customer,
    Line,
    ShopperOrder,
    money,
    money_set,
    redact_basic,
    render,
    shop_json,
)
from ordersync.sandbox.shopify.store import COUNTRIES, ShopError, ShopStore

Json = dict[str, Any]
PLANS = ("basic", "professional", "unlimited", "shopify_plus")
PRODUCT_TYPES = ("Mugs", "T-shirts", "Posters", "Bags", "Caps")


class ShopperSide:
    """Needs ``store`` and ``catalog`` (from ShopifyTwin)."""

    store: ShopStore
    catalog: Catalog
    shop: str
    plan: str = "professional"
    currency: str = "EUR"

    # -- plan and shop ------------------------------------------------------------------

    def set_plan(self, plan: str, currency: str | None = None) -> None:
        """``basic``: apps get orders without customer data (Basic-plan shops)."""
        if plan not in PLANS:
            raise ValueError(f"plan must be one of {', '.join(PLANS)}")
        self.plan = plan
        if currency:
            self.currency = currency

    def present(self, order: Json) -> Json:
        """An order as this shop's plan lets an app see it."""
        return redact_basic(order) if self.plan == "basic" else order

    # -- shoppers' orders ----------------------------------------------------------------

    def place_shop_order(self, lines: Iterable[Json], *, status: str = "open",
                         customer: Json | None = None, guest: bool = False,
                         created_at: datetime | None = None,
                         shipping: tuple[str, str] | None = ("Standard", "4.95"),
                         currency: str | None = None) -> Json:
        """A shopper's order through the storefront. ``lines``: ``{"sku", "quantity",
        "price"?, "discount"?}`` (SKUs of catalogue products, or ``title`` for a custom
        line); ``customer`` fields override a default shopper; ``guest`` True: no customer.
        Returns the stored order (full data, whatever the plan)."""
        if status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}")
        store = self.store
        with store.lock:
            order_id = store.next_id()
            built = [self._line(store.next_id(), spec) for spec in lines]
            person = None if guest else self._customer(customer or {})
            store._number += 1
            stamp = (created_at.astimezone(store.tz).replace(microsecond=0).isoformat()
                     if created_at else store.stamp())
            title, price = shipping if shipping else (None, "0")
            order = ShopperOrder(
                id=order_id, number=1000 + store._number, created_at=stamp,
                updated_at=max(stamp, store.stamp()) if created_at else stamp,
                currency=currency or self.currency, lines=built, customer=person,
                status=status, shipping_title=title, shipping_price=Decimal(price),
                ids=[store.next_id() for _ in range(4)])
            return store.adopt(render(order, self.shop))

    def _line(self, ident: int, spec: Json) -> Line:
        quantity = int(spec.get("quantity", 1))
        sku = spec.get("sku")
        if sku and spec.get("title") is None:
            variant = self.catalog.variant_by_sku(sku)
            product = self.catalog.products[variant["product_id"]]
            return Line(id=ident, product_id=product["id"], variant_id=variant["id"],
                        sku=sku, title=product["title"], quantity=quantity,
                        price=Decimal(str(spec.get("price", variant["price"]))),
                        discount=Decimal(str(spec.get("discount", "0"))))
        return Line(id=ident, product_id=None, variant_id=None, sku=sku,
                    title=str(spec.get("title") or "Custom item"), quantity=quantity,
                    price=Decimal(str(spec.get("price", "10.00"))),
                    discount=Decimal(str(spec.get("discount", "0"))))

    def _customer(self, fields: Json) -> Customer:
        store = self.store
        code = str(fields.get("country_code", "NL")).upper()
        return Customer(
            id=store.next_id(), address_id=store.next_id(),
            first_name=fields.get("first_name", "Jan"), last_name=fields.get("last_name", "Smit"),
            email=fields.get("email", "jan.smit@example.nl"),
            phone=fields.get("phone", "+31612345678"),
            address1=fields.get("address1", "Dorpsweg 3"), city=fields.get("city", "Utrecht"),
            zip=fields.get("zip", "3511 AB"), country_code=code,
            country=COUNTRIES.get(code, code), created_at=store.stamp())

    def seed_orders(self, count: int, *, since: datetime, until: datetime,
                    products: int = 20, customers: int | None = None,
                    mix: dict[str, int] | None = None, seed: int = 1,
                    currency: str | None = None) -> range:
        """``count`` shopper orders created evenly between ``since`` and ``until`` (ids and
        times rising together) over the catalogue's products (``products`` new ones are added
        when it is empty), ``customers`` distinct shoppers (default count / 4), statuses in
        the proportions of ``mix``. Milliseconds for 50,000; nothing is rendered until asked
        for. Returns the order ids."""
        if count < 1 or until <= since:
            raise ValueError("seed at least one order over a non-empty window")
        store = self.store
        with store.lock:
            pool = self._product_pool(products)
            people = customers if customers is not None else max(1, count // 4)
            first_customer = store._ids + 1
            store._ids += 2 * people
            base = store._ids + 1
            store._ids += count * STRIDE
            batch = Batch(
                base=base, count=count, number_base=1001 + store._number,
                since=int(since.timestamp()), span=int((until - since).total_seconds()),
                currency=currency or self.currency, products=pool,
                customers=make_customers(first_customer, people, store.stamp()),
                statuses=status_slots(mix), salt=seed, tz=store.tz)
            store._number += count
            store.seeded.batches.append(batch)
            return batch.ids

    def _product_pool(self, wanted: int) -> list[Product]:
        catalog = self.catalog
        if not catalog.products:
            for n in range(1, wanted + 1):
                kind = PRODUCT_TYPES[n % len(PRODUCT_TYPES)]
                price = f"{5 + (n * 37) % 60}.95"
                catalog.add_product(f"{kind[:-1]} no. {n}", [{"sku": f"SEED-{n:05d}",
                                                              "price": price, "quantity": 500}],
                                    product_type=kind,
                                    body_html=f"<p>A {kind[:-1].lower()} from the sandbox "
                                              f"collection, <strong>no. {n}</strong>.</p>")
        pool = []
        for pid, product in sorted(catalog.products.items()):
            variant = product["variants"][0]
            pool.append(Product(pid, variant["id"], variant.get("sku"), product["title"],
                                Decimal(str(variant["price"]))))
        return pool

    # -- the merchant's changes -----------------------------------------------------------

    def edit_quantity(self, order_id: int | str, line_id: int | str, quantity: int) -> Json:
        """An order edit: the line's ``current_quantity`` changes, totals follow."""
        store = self.store
        with store.lock:
            order = store.order(int(order_id))
            line = next((x for x in order["line_items"] if x["id"] == int(line_id)), None)
            if line is None or quantity < 0:
                raise ShopError(422, {"errors": ["Invalid line item or quantity"]})
            line["current_quantity"] = line["fulfillable_quantity"] = quantity
            subtotal = sum(Decimal(x["price"]) * x["current_quantity"]
                           for x in order["line_items"])
            discounts = sum(Decimal(a["amount"]) for x in order["line_items"]
                            for a in x.get("discount_allocations") or [])
            shipping = sum(Decimal(s["price"]) for s in order["shipping_lines"])
            cur = order["currency"]
            total = money(subtotal - discounts + shipping)
            order.update(current_subtotal_price=money(subtotal), current_total_price=total,
                         updated_at=store.stamp())
            order["current_total_price_set"] = money_set(total, cur)
            return order

    def refund(self, order_id: int | str) -> Json:
        """The merchant refunds the whole order (it is closed, financial status refunded)."""
        store = self.store
        with store.lock:
            order = store.order(int(order_id))
            now = store.stamp()
            order.update(financial_status="refunded", updated_at=now,
                         closed_at=order["closed_at"] or now)
            return order

    # -- HTTP ---------------------------------------------------------------------------

    async def _shop(self, request: Request) -> Response:
        offset = self.store.now().strftime("%z")
        return JSONResponse(shop_json(self.shop, self.currency, self.plan,
                                      self.store.location["created_at"],
                                      f"{offset[:3]}:{offset[3:]}"))

    async def _control_shop_order(self, request: Request) -> Response:
        body = await request.json()
        try:
            created = body.get("created_at")
            shipping = body.get("shipping")
            order = self.place_shop_order(
                body.get("lines") or [], status=body.get("status", "open"),
                customer=body.get("customer") or None, guest=body.get("customer", {}) is None,
                created_at=datetime.fromisoformat(created) if created else None,
                shipping=(shipping["title"], str(shipping["price"])) if shipping else
                ("Standard", "4.95"), currency=body.get("currency"))
        except (KeyError, ValueError) as exc:
            return JSONResponse({"errors": str(exc)}, status_code=422)
        return JSONResponse({"order": self.present(order)}, status_code=201)

    async def _control_seed(self, request: Request) -> Response:
        body = await request.json()
        now = self.store.now()
        try:
            since = datetime.fromisoformat(body["since"]) if body.get("since") else \
                now - timedelta(days=60)
            until = datetime.fromisoformat(body["until"]) if body.get("until") else now
            ids = self.seed_orders(int(body["orders"]), since=since, until=until,
                                   products=int(body.get("products", 20)),
                                   customers=body.get("customers"), mix=body.get("mix"),
                                   seed=int(body.get("seed", 1)))
        except (KeyError, ValueError) as exc:
            return JSONResponse({"errors": str(exc)}, status_code=422)
        return JSONResponse({"first_id": ids.start, "count": len(ids)}, status_code=201)

    async def _control_edit(self, request: Request) -> Response:
        body = await request.json()
        try:
            order = self.edit_quantity(request.path_params["order_id"],
                                       request.path_params["line_id"], int(body["quantity"]))
        except ShopError as exc:
            return JSONResponse(exc.body, status_code=exc.status)
        return JSONResponse({"order": order})

    async def _control_plan(self, request: Request) -> Response:
        body = await request.json()
        try:
            self.set_plan(body.get("plan", self.plan), body.get("currency"))
        except ValueError as exc:
            return JSONResponse({"errors": str(exc)}, status_code=422)
        return JSONResponse({"plan": self.plan, "currency": self.currency})
