"""Lightspeed eCom order JSON <-> the hub: the checkout bodies and the webshop state. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

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
REFERENCE_PREFIX = "ordersync "
COMPLETED = frozenset({"completed", "completed_shipped", "completed_picked_up"})
CANCELLED = frozenset({"cancelled"})
SHIPPED = frozenset({"shipped", "partially_shipped"})
CARRIER_KEY = "carrier"


def ls_date(value: Any) -> datetime:
    """A Lightspeed timestamp (``2019-08-21T17:15:00+00:00``) as an aware UTC datetime."""
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise MappingError(ErrorReason.VALIDATION, f"date {value!r} is not ISO 8601") from None
    if parsed.tzinfo is None:
        raise MappingError(ErrorReason.VALIDATION, f"date {value!r} has no offset")
    return parsed.astimezone(UTC)


def query_date(when: datetime) -> str:
    """A listing filter value: whole seconds (floored), UTC offset."""
    return when.astimezone(UTC).replace(microsecond=0).isoformat()


def _address(address: Address | None) -> dict[str, str]:
    if address is None:
        return {}
    name = " ".join(p for p in (address.first_name, address.last_name) if p)
    return {"name": name, "street": address.address1, "street2": address.extra_address_info or "",
            "zipcode": address.postal_code or "", "city": address.city or "",
            "country": (address.country or "").lower()}


def checkout_body(order: MarketplaceOrder) -> dict[str, Any]:
    """``POST /checkouts.json`` (unwrapped, S1): the buyer, both addresses, and the hub
    reference in ``comment`` (copied onto the order, where ``find_order`` reads it)."""
    ship = order.shipping_address
    return {
        "customer": {"email": ship.email or "", "firstname": ship.first_name or "",
                     "lastname": ship.last_name or "", "phone": ship.phone or ""},
        "billing_address": _address(order.billing_address or ship),
        "shipping_address": _address(ship),
        "comment": reference_text(order.reference),
        "currency": order.currency,
    }


def reference_text(reference: str) -> str:
    return f"{REFERENCE_PREFIX}{reference}"


def reference_of(order: Json) -> str | None:
    comment = str(order.get("comment") or "")
    if not comment.startswith(REFERENCE_PREFIX):
        return None
    return comment.removeprefix(REFERENCE_PREFIX).strip() or None


def carrier_of(metafields: Sequence[Json]) -> str | None:
    return next((str(m["value"]) for m in metafields
                 if m.get("key") == CARRIER_KEY and m.get("value")), None)


def order_state(order: Json,
                shipments: Sequence[tuple[Json, str | None]] = ()) -> WebshopOrderState:
    """``shipments``: the order's shipments with each one's carrier. Each shipped shipment is a
    whole-order parcel (the hub keys no Lightspeed line by marketplace line id); tracking the
    hub cannot store is dropped and the state marked ``invalid``."""
    if order.get("id") in (None, ""):
        raise MappingError(ErrorReason.VALIDATION, "order id missing")
    shipped = [(s, c) for s, c in shipments if s.get("status") in SHIPPED]
    tracking = tuple(Tracking(number=str(s["trackingCode"]), company=c)
                     for s, c in shipped if s.get("trackingCode"))
    invalid = tracking_problem(tracking)
    parcels = tuple(
        Parcel(parcel_id=str(s["id"]), lines=(),
               tracking=(Tracking(number=str(s["trackingCode"]), company=c),)
               if s.get("trackingCode") else (),
               shipped_at=ls_date(s["updatedAt"]) if s.get("updatedAt") else None)
        for s, c in shipped)
    status = order.get("status")
    return WebshopOrderState(
        webshop_id=str(order["id"]), reference=reference_of(order),
        updated_at=ls_date(order.get("updatedAt") or order.get("createdAt")),
        completed=status in COMPLETED or order.get("shipmentStatus") == "shipped",
        cancelled=status in CANCELLED,
        tracking=() if invalid else tracking, invalid=invalid,
        parcels=() if invalid else parcels,
    )
