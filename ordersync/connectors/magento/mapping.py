"""Magento 2 order JSON <-> the hub (pure functions).

The hub's reference (``MarketplaceOrder.reference``) is the order's ``ext_order_id`` (a column
of ``sales_order``, so ``GET /V1/orders`` can filter on it), and each marketplace line id is its
item's ``ext_order_item_id``: shipments name order items, and the parcels map them back.

State vs status (order-states.json): ``state`` is Magento's fixed set (new, pending_payment,
processing, complete, closed, canceled, holded, payment_review), ``status`` a merchant label
mapped to a state; the hub reads ``state`` and the items' quantities only. An order counts as
completed once every item is shipped or cancelled (with something shipped), or in state
``complete``: an order saved through ``POST /V1/orders`` and not invoiced stays ``processing``
after its last shipment (Magento completes only invoiced + shipped orders).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from ordersync.connectors.magento.search import parse_date
from ordersync.orders import (
    Address,
    MarketplaceOrder,
    Parcel,
    ParcelLine,
    Tracking,
    WebshopOrderState,
)
from ordersync.orders.limits import tracking_problem

Json = Mapping[str, Any]
CANCELED, COMPLETE, CLOSED = "canceled", "complete", "closed"
CUSTOM_CARRIER = "custom"  # Magento's carrier_code for a track with a free title
NO_PHONE = "-"  # telephone is required on a Magento address by default


def render_message(body: Any) -> str:
    """Magento's error ``message`` with its ``parameters`` filled in: a list fills ``%1``,
    ``%2``...; an object fills ``%name`` (e.g. ``%resources``). Nested ``errors`` appended."""
    if not isinstance(body, Mapping):
        return str(body)[:200]
    message = str(body.get("message") or "")
    params = body.get("parameters")
    if isinstance(params, Sequence) and params and all(isinstance(p, Mapping) for p in params):
        params = {k: v for p in params for k, v in p.items()}  # the schema's array form
    if isinstance(params, Mapping):
        for key in sorted(params, key=len, reverse=True):
            message = message.replace(f"%{key}", str(params[key]))
    elif isinstance(params, Sequence) and not isinstance(params, str):
        for i in range(len(params), 0, -1):
            message = message.replace(f"%{i}", str(params[i - 1]))
    extra = [render_message(e) for e in body.get("errors") or () if isinstance(e, Mapping)]
    return " - ".join([message, *extra])[:500]


# -- hub -> Magento ------------------------------------------------------------------------

def _money(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01")))


def address_payload(address: Address, kind: str, fallback: Address | None = None) -> dict:
    """A ``sales-data-order-address-interface`` (``kind`` billing or shipping)."""
    other = fallback or Address()
    street = [address.address1 or other.address1 or "-"]
    if address.extra_address_info:
        street.append(address.extra_address_info)
    body = {
        "address_type": kind,
        "firstname": address.first_name or other.first_name or "-",
        "lastname": address.last_name or other.last_name or "-",
        "street": street,
        "city": address.city or other.city or "-",
        "postcode": address.postal_code or other.postal_code or "-",
        "country_id": address.country or other.country or "NL",
        "telephone": address.phone or other.phone or NO_PHONE,
    }
    email = address.email or other.email
    if email:
        body["email"] = email
    if address.company:
        body["company"] = address.company
    return body


def order_payload(order: MarketplaceOrder, products: Mapping[str, int], *,
                  payment_method: str, shipping_method: str) -> dict[str, Any]:
    """``POST /V1/orders`` body ``{"entity": ...}``: a paid, processing guest order at the
    marketplace's prices, reference in ``ext_order_id``, line ids in ``ext_order_item_id``.
    ``products`` maps each line's SKU to its product id."""
    billing = order.billing_address or order.shipping_address
    email = order.shipping_address.email or billing.email or f"{order.external_id}@invalid"
    items = [{
        "sku": line.sku, "name": line.title or line.sku, "product_id": products[line.sku or ""],
        "product_type": "simple", "qty_ordered": line.quantity,
        "price": _money(line.unit_price), "base_price": _money(line.unit_price),
        "original_price": _money(line.unit_price), "row_total": _money(line.total),
        "base_row_total": _money(line.total), "ext_order_item_id": line.line_id,
    } for line in order.lines]
    total = _money(order.total)
    shipping = address_payload(order.shipping_address, "shipping")
    return {"entity": {
        "ext_order_id": order.reference,
        "state": "processing", "status": "processing",
        "customer_email": email, "customer_is_guest": 1,
        "customer_firstname": billing.first_name or order.shipping_address.first_name or "-",
        "customer_lastname": billing.last_name or order.shipping_address.last_name or "-",
        "order_currency_code": order.currency, "base_currency_code": order.currency,
        "global_currency_code": order.currency, "store_currency_code": order.currency,
        "subtotal": total, "base_subtotal": total, "grand_total": total,
        "base_grand_total": total, "total_paid": total, "base_total_paid": total,
        "total_qty_ordered": sum(line.quantity for line in order.lines),
        "items": items,
        "billing_address": address_payload(billing, "billing", order.shipping_address),
        "payment": {"method": payment_method, "account_status": None, "cc_last4": None,
                    "additional_information": [f"Paid on {order.platform}",
                                               order.external_id]},
        "extension_attributes": {"shipping_assignments": [{
            "shipping": {"address": shipping, "method": shipping_method},
            "items": items,
        }]},
    }}


def ship_payload(items: Mapping[int, int], track: Json | None = None,
                 notify: bool = False) -> dict[str, Any]:
    """``POST /V1/order/{id}/ship`` body: order item id -> qty, and at most one track."""
    body: dict[str, Any] = {"items": [{"order_item_id": i, "qty": q} for i, q in items.items()],
                            "notify": notify}
    if track:
        body["tracks"] = [dict(track)]
    return body


# -- Magento -> hub ------------------------------------------------------------------------

def line_ids(order: Json) -> dict[int, str]:
    """Order item id -> the marketplace line id kept in ``ext_order_item_id`` (or the item id
    itself for orders the hub did not create)."""
    return {int(i["item_id"]): str(i.get("ext_order_item_id") or i["item_id"])
            for i in order.get("items") or () if i.get("item_id") is not None
            and not i.get("parent_item_id")}


def tracking_of(track: Json) -> Tracking:
    """A track: the merchant's ``title`` names the carrier; the code when it is a real carrier
    code (``ups``, ``dhl``, ``fedex``, ``usps``) and the title is empty."""
    code = str(track.get("carrier_code") or "").strip()
    title = str(track.get("title") or "").strip()
    company = title or (code if code and code != CUSTOM_CARRIER else None)
    return Tracking(number=str(track.get("track_number") or "").strip(), company=company)


def parcel_of(shipment: Json, lines: Mapping[int, str]) -> Parcel:
    """One shipment: its items (order item -> marketplace line) and its tracks."""
    parcel_lines = tuple(
        ParcelLine(lines.get(int(i["order_item_id"]), str(i["order_item_id"])), int(i["qty"]))
        for i in shipment.get("items") or () if float(i.get("qty") or 0) > 0)
    tracking = tuple(tracking_of(t) for t in shipment.get("tracks") or ()
                     if str(t.get("track_number") or "").strip())
    created = shipment.get("created_at")
    return Parcel(parcel_id=str(shipment["entity_id"]), lines=parcel_lines, tracking=tracking,
                  shipped_at=parse_date(created) if created else None)


def _qty(item: Json, key: str) -> float:
    return float(item.get(key) or 0)


def taken_out(item: Json) -> float:
    """Units that will never ship: cancelled, or refunded by a credit memo before shipment
    (Magento ships ``ordered - max(shipped, refunded) - cancelled``)."""
    return _qty(item, "qty_canceled") + max(0.0, _qty(item, "qty_refunded")
                                            - _qty(item, "qty_shipped"))


def fully_handled(order: Json) -> bool:
    """Every item shipped, cancelled or refunded unshipped, and something shipped."""
    items = [i for i in order.get("items") or () if not i.get("parent_item_id")]
    shipped = any(_qty(i, "qty_shipped") > 0 for i in items)
    return shipped and all(_qty(i, "qty_shipped") + taken_out(i)
                           >= _qty(i, "qty_ordered") for i in items)


def has_shipments(order: Json) -> bool:
    return any(_qty(i, "qty_shipped") > 0 for i in order.get("items") or ())


def order_state(order: Json, shipments: Iterable[Json] = ()) -> WebshopOrderState:
    """The hub's view of one order and its shipments (oldest first). Tracking the hub
    cannot store is dropped and the state marked ``invalid``."""
    lines = line_ids(order)
    parcels = tuple(parcel_of(s, lines) for s in sorted(
        shipments, key=lambda s: (s.get("created_at") or "", int(s["entity_id"]))))
    tracking = tuple(t for p in parcels for t in p.tracking)
    invalid = tracking_problem(tracking)
    if invalid:
        parcels = tuple(Parcel(p.parcel_id, p.lines, (), p.shipped_at) for p in parcels)
    state = order.get("state")
    shipped = has_shipments(order)
    cancelled = state == CANCELED or (state == CLOSED and not shipped)
    cancelled_lines = tuple(
        ParcelLine(lines.get(int(i["item_id"]), str(i["item_id"])), int(taken_out(i)))
        for i in order.get("items") or ()
        if not i.get("parent_item_id") and taken_out(i) > 0)
    updated = order.get("updated_at") or order.get("created_at")
    return WebshopOrderState(
        webshop_id=str(order["entity_id"]),
        reference=(str(order["ext_order_id"]).strip() or None)
        if order.get("ext_order_id") else None,
        updated_at=parse_date(str(updated)),
        completed=not cancelled and (state in (COMPLETE, CLOSED) or fully_handled(order)),
        cancelled=cancelled,
        tracking=() if invalid else tracking,
        invalid=invalid,
        parcels=parcels,
        cancelled_lines=cancelled_lines,
    )
