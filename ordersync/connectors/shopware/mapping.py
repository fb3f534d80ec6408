"""Shopware 6 order JSON <-> the hub. Pure functions only.

Create: the full ``POST /api/order`` body an integration writes (Shopware's quick start
"Create an order" plus the fields adminapi.json 6.7 marks required): sales channel, language,
currency, initial state ids, rounding, price, shipping costs, ``orderCustomer``, addresses,
line items, one delivery (shipping method, address, positions) and one transaction (payment
method, amount). Ids are generated client-side (the DAL accepts them): the order id is a UUID5
of the hub reference, so even a blind repeat could not make a second order. The reference is
stored in ``customFields.ordersync_reference`` (not ``orderNumber``, which is the shop's own
number range for invoices, nor ``affiliateCode``, which is marketing data the merchant may
filter on); custom fields are filterable in a search, so ``find_order`` finds it again.

Completion comes from the **order_delivery** state machine: a delivery in ``shipped`` (or
later ``returned*``) is a parcel with its ``trackingCodes`` and, from its ``positions``, the
marketplace lines it holds; ``shipped_partially`` on a core delivery does not say which lines
(Shopware keeps no per-line shipment), so it adds its codes to ``tracking`` but no parcel.
The carrier is the delivery's shipping method name (its ``trackingUrl`` with ``%s`` filled).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from ordersync.connectors.parsing import MappingError
from ordersync.connectors.shopware.criteria import LINE_FIELD, REFERENCE_FIELD, sw_date
from ordersync.orders import (
    Address,
    ErrorReason,
    MarketplaceOrder,
    Parcel,
    ParcelLine,
    Tracking,
    WebshopOrderState,
)
from ordersync.orders.limits import tracking_problem
from ordersync.stock.model import WebshopStock

Json = dict[str, Any]
ID_NAMESPACE = uuid.UUID("6f1c0f5e-5a43-4b4e-9a5e-0c2b7d1e8a10")
SHIPPED = frozenset({"shipped", "returned", "returned_partially"})
PARTIAL = "shipped_partially"
CANCELLED = "cancelled"


def new_id(*parts: str) -> str:
    """A Shopware id (32 hex) derived from ``parts``: stable across retries."""
    return uuid.uuid5(ID_NAMESPACE, "|".join(parts)).hex


@dataclass(frozen=True)
class ShopContext:
    """The shop's ids a create needs, read once per connector (see ``connector.context``)."""

    sales_channel_id: str
    language_id: str
    payment_method_id: str
    shipping_method_id: str
    order_state_id: str
    delivery_state_id: str
    transaction_state_id: str
    currencies: Mapping[str, str] = field(default_factory=dict)  # ISO -> currency id
    countries: Mapping[str, str] = field(default_factory=dict)  # ISO alpha-2 -> country id


def _money(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01")))


def _price(unit: Decimal, quantity: int) -> Json:
    """A CalculatedPrice (gross, taxes unknown to the hub: the marketplace sold gross)."""
    return {"unitPrice": _money(unit), "totalPrice": _money(unit * quantity),
            "quantity": quantity, "calculatedTaxes": [], "taxRules": []}


def _address(address: Address, address_id: str, country_id: str) -> Json:
    extra = address.extra_address_info
    return _present({"id": address_id, "countryId": country_id,
            "firstName": address.first_name or "-", "lastName": address.last_name or "-",
            "street": address.address1 or "-", "zipcode": address.postal_code or "",
            "city": address.city or "-", "company": address.company,
            "phoneNumber": address.phone, "additionalAddressLine1": extra})


def _present(values: Json) -> Json:
    """Without the None values (the DAL takes a missing optional field, not a null string)."""
    return {k: v for k, v in values.items() if v is not None}


def _country(ctx: ShopContext, address: Address, reference: str) -> str:
    country = (address.country or "").upper()
    if country not in ctx.countries:
        raise MappingError(ErrorReason.VALIDATION,
                           f"{reference}: the shop has no country {country or '(none)'}")
    return ctx.countries[country]


def order_payload(order: MarketplaceOrder, ctx: ShopContext,
                  products: Mapping[str, Json]) -> Json:
    """``POST /api/order`` body. ``products`` maps SKUs (productNumber) to the shop's product
    (lines of unknown SKUs become ``custom`` lines: the order still arrives, without stock)."""
    if order.currency not in ctx.currencies:
        raise MappingError(ErrorReason.CURRENCY_MISMATCH,
                           f"{order.reference}: the shop has no currency {order.currency}")
    ref = order.reference
    oid = new_id(ref)
    ship = order.shipping_address
    bill = order.billing_address or ship
    ship_id, bill_id = new_id(ref, "shipping"), new_id(ref, "billing")
    addresses = [_address(bill, bill_id, _country(ctx, bill, ref))]
    if bill is not ship:
        addresses.append(_address(ship, ship_id, _country(ctx, ship, ref)))
    else:
        ship_id = bill_id
    lines, positions = [], []
    for n, line in enumerate(order.lines, start=1):
        line_id = new_id(ref, "line", line.line_id)
        product = products.get(line.sku or "")
        item: Json = {
            "id": line_id, "identifier": product["id"] if product else line_id,
            "quantity": line.quantity, "label": line.title or line.sku or line.line_id,
            "position": n, "good": True, "removable": False, "stackable": True,
            "price": _price(line.unit_price, line.quantity),
            "priceDefinition": {"type": "quantity", "price": _money(line.unit_price),
                                "quantity": line.quantity, "taxRules": [], "isCalculated": True},
            "unitPrice": _money(line.unit_price), "totalPrice": _money(line.total),
            "customFields": {LINE_FIELD: line.line_id},
            "payload": {"productNumber": line.sku} if line.sku else {},
        }
        if product:
            item.update(type="product", productId=product["id"], referencedId=product["id"])
        else:
            item["type"] = "custom"
        lines.append(item)
        positions.append({"id": new_id(ref, "position", line.line_id),
                          "orderLineItemId": line_id, "quantity": line.quantity,
                          "price": _price(line.unit_price, line.quantity),
                          "unitPrice": _money(line.unit_price),
                          "totalPrice": _money(line.total)})
    total = _money(order.total)
    placed = order.placed_at.astimezone(UTC)
    email = ship.email or bill.email or f"{order.external_id}@{order.platform}.invalid"
    return {
        "id": oid, "salesChannelId": ctx.sales_channel_id, "languageId": ctx.language_id,
        "currencyId": ctx.currencies[order.currency], "currencyFactor": 1.0,
        "stateId": ctx.order_state_id, "orderDateTime": sw_date(placed),
        "billingAddressId": bill_id,
        "itemRounding": {"decimals": 2, "interval": 0.01, "roundForNet": True},
        "totalRounding": {"decimals": 2, "interval": 0.01, "roundForNet": True},
        "price": {"netPrice": total, "totalPrice": total, "positionPrice": total,
                  "rawTotal": total, "taxStatus": "gross", "calculatedTaxes": [],
                  "taxRules": []},
        "shippingCosts": _price(Decimal("0"), 1),
        "orderCustomer": _present({"email": email, "firstName": bill.first_name or "-",
                                   "lastName": bill.last_name or "-",
                                   "company": bill.company}),
        "addresses": addresses,
        "lineItems": lines,
        "deliveries": [{
            "id": new_id(ref, "delivery"), "shippingOrderAddressId": ship_id,
            "shippingMethodId": ctx.shipping_method_id, "stateId": ctx.delivery_state_id,
            "trackingCodes": [], "shippingDateEarliest": sw_date(placed),
            "shippingDateLatest": sw_date(placed + timedelta(days=3)),
            "shippingCosts": _price(Decimal("0"), 1), "positions": positions,
        }],
        "transactions": [{
            "id": new_id(ref, "transaction"), "paymentMethodId": ctx.payment_method_id,
            "stateId": ctx.transaction_state_id,
            "amount": _price(order.total, 1),
        }],
        "customerComment": f"{order.platform} order {order.external_id}",
        "customFields": {REFERENCE_FIELD: ref, "ordersync_marketplace": order.platform,
                         "ordersync_external_id": order.external_id},
    }


# -- Shopware -> hub ----------------------------------------------------------------------

def parse_date(value: Any) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def state_of(entity: Mapping[str, Any]) -> str | None:
    state = entity.get("stateMachineState") or {}
    return state.get("technicalName")


def reference_of(order: Mapping[str, Any]) -> str | None:
    value = (order.get("customFields") or {}).get(REFERENCE_FIELD)
    return str(value) if value else None


def _trackings(delivery: Mapping[str, Any]) -> list[Tracking]:
    method = delivery.get("shippingMethod") or {}
    name = method.get("name") or (method.get("translated") or {}).get("name")
    url = method.get("trackingUrl") or None
    return [Tracking(number=str(code), company=name or None,
                     url=url.replace("%s", str(code)) if url and "%s" in url else None)
            for code in delivery.get("trackingCodes") or () if str(code).strip()]


def _lines(delivery: Mapping[str, Any], line_ids: Mapping[str, str]) -> tuple[ParcelLine, ...]:
    return tuple(ParcelLine(line_ids[p["orderLineItemId"]], int(p.get("quantity") or 0))
                 for p in delivery.get("positions") or ()
                 if p.get("orderLineItemId") in line_ids and p.get("quantity"))


def order_state(order: Mapping[str, Any]) -> WebshopOrderState:
    """An order searched with ``criteria.ORDER_ASSOCIATIONS`` as the hub sees it."""
    line_ids = {li["id"]: str((li.get("customFields") or {}).get(LINE_FIELD))
                for li in order.get("lineItems") or ()
                if (li.get("customFields") or {}).get(LINE_FIELD)}
    deliveries = sorted(order.get("deliveries") or (),
                        key=lambda d: (d.get("createdAt") or "", d.get("id") or ""))
    states = [state_of(d) for d in deliveries]
    order_status = state_of(order)
    cancelled = order_status == CANCELLED or (bool(states) and all(s == CANCELLED
                                                                    for s in states))
    live = [s for s in states if s != CANCELLED]
    completed = not cancelled and (order_status == "completed"
                                   or (bool(live) and all(s in SHIPPED for s in live)))
    tracking: list[Tracking] = []
    parcels: list[Parcel] = []
    cancelled_lines: list[ParcelLine] = []
    for delivery, status in zip(deliveries, states, strict=True):
        if status in SHIPPED or status == PARTIAL:
            codes = _trackings(delivery)
            tracking.extend(codes)
            if status in SHIPPED:
                parcels.append(Parcel(parcel_id=str(delivery["id"]),
                                      lines=_lines(delivery, line_ids), tracking=tuple(codes),
                                      shipped_at=parse_date(delivery.get("updatedAt"))))
        elif status == CANCELLED and not cancelled:
            cancelled_lines.extend(_lines(delivery, line_ids))
    stamps = [parse_date(order.get("updatedAt")), parse_date(order.get("createdAt")),
              *(parse_date(d.get("updatedAt")) for d in deliveries)]
    updated = max(s for s in stamps if s is not None)
    invalid = tracking_problem(tracking)
    return WebshopOrderState(
        webshop_id=str(order["id"]), reference=reference_of(order), updated_at=updated,
        completed=completed, cancelled=cancelled,
        tracking=() if invalid else tuple(tracking), invalid=invalid,
        parcels=() if invalid else tuple(parcels), cancelled_lines=tuple(cancelled_lines),
    )


def stock_of(products: Iterable[Mapping[str, Any]]) -> WebshopStock:
    """productNumber -> ``availableStock`` (``stock`` when absent). Shopware manages stock of
    every product; a parent with variants (``childCount`` > 0) sells only through its
    variants, so its number is reported untracked."""
    found: dict[str, int] = {}
    untracked: set[str] = set()
    duplicates: set[str] = set()
    for product in products:
        sku = str(product.get("productNumber") or "").strip()
        if not sku:
            continue
        if sku in found or sku in untracked:
            duplicates.add(sku)
            continue
        quantity = product.get("availableStock")
        if not isinstance(quantity, int) or isinstance(quantity, bool):
            quantity = product.get("stock")
        if (product.get("childCount") or 0) > 0 or not isinstance(quantity, int):
            untracked.add(sku)
            continue
        found[sku] = quantity
    return WebshopStock(found, frozenset(untracked), frozenset(duplicates))


def errors_of(body: Any) -> list[Json]:
    """The JSON:API ``errors`` list of a Shopware error body ([] when it is not one)."""
    errors = body.get("errors") if isinstance(body, dict) else None
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []
