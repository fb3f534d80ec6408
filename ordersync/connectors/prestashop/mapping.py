"""PrestaShop webservice <-> the hub: XML request bodies (8.x reads XML only) and the JSON
output read back into a ``WebshopOrderState``. Pure functions only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from ordersync.connectors.parsing import MappingError
from ordersync.connectors.prestashop.facts import (
    CANCELLED_STATES,
    COMPLETED_STATES,
    DATE_FORMAT,
    REFERENCE_FIELD,
)
from ordersync.orders import Address, ErrorReason, Parcel, Tracking, WebshopOrderState
from ordersync.orders.limits import tracking_problem

Json = Mapping[str, Any]


def xml_body(resource: str, fields: Mapping[str, Any],
             associations: Mapping[str, tuple[str, Sequence[Mapping[str, Any]]]] | None = None
             ) -> bytes:
    """``<prestashop><resource>...</resource></prestashop>``; ``associations`` maps an
    association name to (its row element name, the rows)."""
    root = ET.Element("prestashop")
    item = ET.SubElement(root, resource)
    for name, value in fields.items():
        ET.SubElement(item, name).text = "" if value is None else str(value)
    if associations:
        assoc = ET.SubElement(item, "associations")
        for name, (row_name, rows) in associations.items():
            holder = ET.SubElement(assoc, name)
            for row in rows:
                element = ET.SubElement(holder, row_name)
                for key, value in row.items():
                    ET.SubElement(element, key).text = str(value)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def ps_date(when: datetime, zone: str = "UTC") -> str:
    """A filter date in the shop's time zone, whole seconds (rounded down)."""
    return when.astimezone(ZoneInfo(zone)).strftime(DATE_FORMAT)


def parse_date(value: Any, zone: str = "UTC") -> datetime:
    """``YYYY-MM-DD HH:MM:SS`` in the shop's time zone as aware UTC; else a VALIDATION
    MappingError."""
    try:
        naive = datetime.strptime(str(value), DATE_FORMAT)
    except ValueError:
        raise MappingError(ErrorReason.VALIDATION,
                           f"date {value!r} is not PrestaShop's YYYY-MM-DD HH:MM:SS") from None
    return naive.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def items(payload: Any, resource: str) -> list[dict[str, Any]]:
    """A list response's items; an empty list may come as ``[]`` (see facts)."""
    if isinstance(payload, list):
        return []
    found = payload.get(resource) if isinstance(payload, dict) else None
    return list(found or [])


def customer_fields(address: Address, email: str) -> dict[str, Any]:
    return {"firstname": _name(address.first_name), "lastname": _name(address.last_name),
            "email": email, "passwd": "", "is_guest": 1, "active": 1, "id_default_group": 2}


def address_fields(address: Address, customer_id: str, country_id: str) -> dict[str, Any]:
    return {"id_customer": customer_id, "id_country": country_id, "alias": "ordersync",
            "firstname": _name(address.first_name), "lastname": _name(address.last_name),
            "company": address.company or "", "address1": address.address1 or "-",
            "address2": address.extra_address_info or "", "postcode": address.postal_code or "",
            "city": address.city or "-", "phone": address.phone or ""}


def _name(value: str | None) -> str:
    """PrestaShop requires a name (isName: letters, no digits); '-' when the marketplace
    gave none."""
    text = "".join(c for c in (value or "") if not c.isdigit()).strip()
    return text or "-"


def reference_of(order: Json) -> str | None:
    text = str(order.get(REFERENCE_FIELD) or "").strip()
    return text or None


def tracking_of(carrier_row: Json, carriers: Mapping[str, str]) -> Tracking:
    name = carriers.get(str(carrier_row.get("id_carrier")))
    return Tracking(number=str(carrier_row["tracking_number"]), company=name or None)


def order_state(order: Json, carrier_rows: Sequence[Json], carriers: Mapping[str, str],
                zone: str = "UTC") -> WebshopOrderState:
    """An order (``display=full``) with its ``order_carriers`` rows. Each row with a tracking
    number is one whole-order parcel (order_carriers name no lines). Tracking the hub cannot
    store is dropped and the state marked ``invalid``."""
    state = int(order.get("current_state") or 0)
    coded = [r for r in carrier_rows if str(r.get("tracking_number") or "").strip()]
    tracking = tuple(tracking_of(r, carriers) for r in coded)
    invalid = tracking_problem(tracking)
    parcels = tuple(Parcel(parcel_id=str(r["id"]), lines=(), tracking=(t,))
                    for r, t in zip(coded, tracking, strict=True))
    return WebshopOrderState(
        webshop_id=str(order["id"]), reference=reference_of(order),
        updated_at=parse_date(order.get("date_upd") or order.get("date_add"), zone),
        completed=state in COMPLETED_STATES, cancelled=state in CANCELLED_STATES,
        tracking=() if invalid else tracking, invalid=invalid,
        parcels=() if invalid else parcels,
    )
