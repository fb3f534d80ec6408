"""WooCommerce order JSON <-> the hub: the create payload, the webshop state, and the neutral
``ShopOrder`` the hub's own order import reads (PRODUCT.md §3). Pure functions only."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ordersync.connectors.parsing import MappingError, amount
from ordersync.orders import (
    Address,
    ErrorReason,
    MarketplaceOrder,
    Parcel,
    Tracking,
    WebshopOrderState,
)
from ordersync.orders.limits import tracking_problem
from ordersync.orders.shop import ShopCustomer, ShopLine, ShopOrder, ShopShipping

Json = Mapping[str, Any]
TEST_KEY = "_ordersync_test_order"
TEST_NOTE = "TEST ORDER placed by ordersync - do not ship; it is deleted once completed"
REFERENCE_KEY = "_ordersync_reference"
COMPLETED = frozenset({"completed"})
CANCELLED = frozenset({"cancelled", "refunded", "failed", "trash"})
FINISHED = COMPLETED | CANCELLED
"""Statuses the initial backfill leaves out."""
DATE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", re.ASCII)


def iso(when: datetime) -> str:
    """UTC ``YYYY-MM-DDTHH:MM:SS`` for query dates (sent with ``dates_are_gmt=true``)."""
    return when.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat()


def wc_date(value: str) -> datetime:
    """A WooCommerce date field exactly as the REST API prints it (``Y-m-d\\TH:i:s``: whole
    seconds, no zone suffix, local or gmt alike) as a naive datetime; anything else (a fraction,
    a ``Z`` or offset, a bare date) is a VALIDATION ``MappingError``."""
    if not isinstance(value, str) or not DATE.fullmatch(value):
        raise MappingError(ErrorReason.VALIDATION,
                           f"date {value!r} is not WooCommerce's YYYY-MM-DDTHH:MM:SS")
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        raise MappingError(ErrorReason.VALIDATION, f"date {value!r} does not exist") from None


def gmt(value: str | None) -> datetime | None:
    """A ``*_gmt`` field as an aware UTC datetime (None when empty; strict, see ``wc_date``)."""
    if not value:
        return None
    return wc_date(value).replace(tzinfo=UTC)


def _text(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


# -- hub -> WooCommerce ------------------------------------------------------------------

def _address(address: Address | None, *, with_contact: bool) -> dict[str, str]:
    if address is None:
        return {}
    body = {
        "first_name": address.first_name or "", "last_name": address.last_name or "",
        "company": address.company or "", "address_1": address.address1,
        "address_2": address.extra_address_info or "", "city": address.city or "",
        "postcode": address.postal_code or "", "country": address.country or "",
    }
    if with_contact:
        body.update(email=address.email or "", phone=address.phone or "")
    return body


def order_payload(order: MarketplaceOrder, products: Mapping[str, int]) -> dict[str, Any]:
    """``POST /orders`` body; ``products`` maps each line's SKU to its product id."""
    lines = []
    for line in order.lines:
        total = f"{line.total:.2f}"
        lines.append({"product_id": products[line.sku or ""], "quantity": line.quantity,
                      "subtotal": total, "total": total})
    billing = order.billing_address or order.shipping_address
    bill = _address(billing, with_contact=True)
    bill["email"] = bill["email"] or (order.shipping_address.email or "")
    bill["phone"] = bill["phone"] or (order.shipping_address.phone or "")
    body = {
        "status": "processing", "set_paid": True, "currency": order.currency,
        "created_via": "ordersync", "payment_method": order.platform,
        "payment_method_title": f"Paid on {order.platform}",
        "billing": bill, "shipping": _address(order.shipping_address, with_contact=False),
        "line_items": lines,
        "meta_data": [{"key": REFERENCE_KEY, "value": order.reference},
                      {"key": "_ordersync_marketplace_order_id", "value": order.external_id}],
    }
    if order.test:  # WooCommerce has no test order kind: marked in the order itself, and
        body["status"] = "pending"  # pending payment, which takes no stock
        body["set_paid"] = False
        body["customer_note"] = TEST_NOTE
        body["meta_data"].append({"key": TEST_KEY, "value": "yes"})
    return body


# -- WooCommerce -> hub ------------------------------------------------------------------

def reference_of(order: Json) -> str | None:
    for meta in order.get("meta_data") or []:
        if meta.get("key") == REFERENCE_KEY:
            return _text(meta.get("value"))
    return None


def tracking_of(entry: Json) -> Tracking:
    company = _text(entry.get("custom_tracking_provider")) or _text(entry.get("tracking_provider"))
    url = _text(entry.get("tracking_link")) or _text(entry.get("custom_tracking_link"))
    return Tracking(number=str(entry.get("tracking_number")), company=company, url=url)


def parcels_of(trackings: Sequence[Json]) -> tuple[Parcel, ...]:
    """One whole-order parcel per Shipment Tracking item: WooCommerce core has no per-line
    fulfilment and the extension's items carry no line data (tracking_id, provider, number,
    link, date_shipped only), so a parcel says nothing about which lines it holds."""
    return tuple(Parcel(parcel_id=str(t.get("tracking_id") or t.get("tracking_number")),
                        lines=(), tracking=(tracking_of(t),))
                 for t in trackings if t.get("tracking_number"))


def order_state(order: Json, trackings: Sequence[Json] = ()) -> WebshopOrderState:
    """Tracking the hub cannot store (too long, NUL, ...) is dropped and the state marked
    ``invalid``. Line cancellations are not read: WooCommerce shows them only as refunds
    (``GET /orders/{id}/refunds``), which the hub does not map yet."""
    status = order.get("status")
    updated = gmt(order.get("date_modified_gmt")) or gmt(order.get("date_created_gmt"))
    assert updated is not None
    tracking = tuple(tracking_of(t) for t in trackings if t.get("tracking_number"))
    invalid = tracking_problem(tracking)
    return WebshopOrderState(
        webshop_id=str(order["id"]), reference=reference_of(order), updated_at=updated,
        completed=status in COMPLETED, cancelled=status in CANCELLED,
        tracking=() if invalid else tracking, invalid=invalid,
        parcels=() if invalid else parcels_of(trackings),
    )


def _customer(billing: Json, shipping: Json) -> ShopCustomer | None:
    first = _text(billing.get("first_name")) or _text(shipping.get("first_name"))
    last = _text(billing.get("last_name")) or _text(shipping.get("last_name"))
    phone = _text(billing.get("phone")) or _text(shipping.get("phone"))
    email = _text(billing.get("email"))
    if not any((first, last, phone, email)):
        return None
    return ShopCustomer(first_name=first, last_name=last, phone=phone, email=email)


def _shop_address(shipping: Json, billing: Json) -> Address | None:
    source = shipping if _text(shipping.get("address_1")) or _text(shipping.get("city")) \
        else billing
    if not any(_text(source.get(k)) for k in ("address_1", "city", "postcode")):
        return None
    street = " ".join(p for p in (_text(source.get("address_1")),
                                  _text(source.get("address_2"))) if p)
    return Address(
        first_name=_text(source.get("first_name")), last_name=_text(source.get("last_name")),
        company=_text(source.get("company")), street=street or None,
        postal_code=_text(source.get("postcode")), city=_text(source.get("city")),
        country=_text(source.get("country")), phone=_text(source.get("phone")),
        email=_text(source.get("email")),
    )


def _line(item: Json) -> ShopLine:
    """A line item; ``price`` is the unit price after discounts (``total`` / quantity)."""
    quantity = int(item.get("quantity") or 0)
    total = amount(item.get("total"))
    price = (total / quantity).quantize(Decimal("0.01")) if quantity else amount(item.get("price"))
    pid = item.get("product_id")
    return ShopLine(product_id=str(pid) if pid else None, sku=_text(item.get("sku")),
                    name=str(item.get("name") or ""), quantity=quantity, price=price,
                    line_id=str(item["id"]) if item.get("id") is not None else None)


def shop_order(order: Json) -> ShopOrder:
    """A WooCommerce order (``GET /orders`` item) as a ``ShopOrder``."""
    billing, shipping = order.get("billing") or {}, order.get("shipping") or {}
    created = gmt(order.get("date_created_gmt"))
    if created is None:
        raise MappingError(ErrorReason.VALIDATION, "date_created_gmt missing")
    if order.get("id") in (None, ""):
        raise MappingError(ErrorReason.VALIDATION, "id missing")
    return ShopOrder(
        id=str(order["id"]), number=str(order.get("number") or order["id"]), created_at=created,
        status=str(order.get("status")), currency=str(order.get("currency") or ""),
        total=amount(order.get("total")), customer=_customer(billing, shipping),
        lines=tuple(_line(i) for i in order.get("line_items") or [] if i.get("quantity")),
        shipping=tuple(ShopShipping(str(s.get("method_title") or ""), amount(s.get("total")))
                       for s in order.get("shipping_lines") or []),
        shipping_address=_shop_address(shipping, billing),
        updated_at=gmt(order.get("date_modified_gmt")) or created,
        hub_reference=reference_of(order),
    )
