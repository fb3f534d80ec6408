"""CCV Shop order JSON <-> the hub: the create payload and the webshop state. Pure functions."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ordersync.connectors.ccvshop.facts import (
    CANCELLED_STATUSES,
    CODE_SEPARATOR,
    IN_PROCESS,
    REFERENCE_FIELD,
    SHIPPED_STATUSES,
    WAIT_FOR_PAYMENT,
)
from ordersync.connectors.parsing import MappingError
from ordersync.orders import (
    Address,
    ErrorReason,
    MarketplaceOrder,
    Parcel,
    Tracking,
    WebshopOrderState,
)
from ordersync.orders.limits import tracking_problem

Json = Mapping[str, Any]
TEST_NOTE = "TEST ORDER placed by ordersync - do not ship"


def iso(when: datetime) -> str:
    """A query date (``min_create_date``): ISO 8601 UTC, whole seconds."""
    return when.astimezone(UTC).replace(microsecond=0).isoformat()


def moment(value: Any) -> datetime:
    """A CCV date (ISO 8601 UTC; naive = UTC) as an aware datetime; VALIDATION error else."""
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except (TypeError, ValueError):
        raise MappingError(ErrorReason.VALIDATION, f"date {value!r} is not ISO 8601") from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def _address(address: Address | None, *, billing: bool) -> dict[str, Any]:
    if address is None:
        return {}
    body: dict[str, Any] = {
        "company": address.company or "", "street": address.street or address.address1,
        "housenumber_suffix": address.house_number_extension or "",
        "zipcode": address.postal_code or "", "city": address.city or "",
        "country_code": address.country or "", "telephone": address.phone or "",
    }
    number = (address.house_number or "").strip()
    if number.isdigit():  # ``housenumber`` is an int in the schema
        body["housenumber"] = int(number)
    elif number:
        body["housenumber_suffix"] = f"{number}{body['housenumber_suffix']}"
    if address.extra_address_info:
        body["address_line_2"] = address.extra_address_info
    if billing:
        body.update(first_name=address.first_name or "", last_name=address.last_name or "")
    else:
        body["full_name"] = " ".join(p for p in (address.first_name, address.last_name) if p)
    return body


def order_payload(order: MarketplaceOrder, products: Mapping[str, int]) -> dict[str, Any]:
    """``POST /orders/`` body; ``products`` maps each line's SKU (``productnumber``) to its
    product id. Paid, "In process", the reference in ``reservationnumber``."""
    rows = [{"product_id": products[line.sku or ""], "count": line.quantity,
             "price": float(line.unit_price), "memo": line.line_id}
            for line in order.lines]
    billing = order.billing_address or order.shipping_address
    body: dict[str, Any] = {
        "status": IN_PROCESS, "paid": True, "is_platform_sale": True,
        "currency": order.currency, "total_shipping": 0.0, REFERENCE_FIELD: order.reference,
        "customer": {"email": billing.email or order.shipping_address.email or "",
                     "reference": order.external_id,
                     "billingaddress": _address(billing, billing=True),
                     "deliveryaddress": _address(order.shipping_address, billing=False)},
        "orderrows": rows,
    }
    if order.test:  # CCV has no test order kind: unpaid, waiting for payment, marked
        body.update(status=WAIT_FOR_PAYMENT, paid=False, extra_costs_description=TEST_NOTE)
    return body


def reference_of(order: Json) -> str | None:
    value = order.get(REFERENCE_FIELD)
    text = str(value).strip() if value is not None else ""
    return text or None


def _split(value: Any) -> list[str]:
    return [p.strip() for p in str(value or "").split(CODE_SEPARATOR)]


def trackings(order: Json) -> tuple[Tracking, ...]:
    """The order's codes (comma-separated in one field), carriers paired by position (a
    single carrier applies to every code); the deeplink goes with a single code."""
    codes = [c for c in _split(order.get("track_and_trace_code")) if c]
    carriers = [c for c in _split(order.get("track_and_trace_carrier"))]
    deeplink = str(order.get("track_and_trace_deeplink") or "").strip() or None
    found = []
    for n, code in enumerate(codes):
        carrier = carriers[n] if n < len(carriers) else (carriers[0] if len(carriers) == 1
                                                         else "")
        found.append(Tracking(number=code, company=carrier or None,
                              url=deeplink if len(codes) == 1 else None))
    return tuple(found)


def order_state(order: Json) -> WebshopOrderState:
    """CCV keeps no modification time: ``updated_at`` is the create date. Whole-order parcels
    only (one track & trace field per order, no rows per shipment)."""
    if order.get("id") in (None, ""):
        raise MappingError(ErrorReason.VALIDATION, "order id missing")
    status = order.get("status")
    completed = status in SHIPPED_STATUSES
    found = trackings(order) if completed else ()
    invalid = tracking_problem(found)
    parcels = () if invalid else tuple(
        Parcel(parcel_id=f"{order['id']}-{t.number}", lines=(), tracking=(t,)) for t in found)
    return WebshopOrderState(
        webshop_id=str(order["id"]), reference=reference_of(order),
        updated_at=moment(order.get("create_date")), completed=completed,
        cancelled=status in CANCELLED_STATUSES, tracking=() if invalid else found,
        invalid=invalid, parcels=parcels,
    )
