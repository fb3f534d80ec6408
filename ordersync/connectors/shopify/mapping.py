"""Shopify order JSON <-> the hub's domain objects."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ordersync.connectors.shopify.parcels import cancelled_lines_of, parcels_of
from ordersync.orders import (
    Address,
    MarketplaceOrder,
    OrderLine,
    Tracking,
    WebshopOrderState,
)
from ordersync.orders.limits import tracking_problem

DEFAULT_INVENTORY_BEHAVIOUR = "decrement_ignoring_policy"
"""Marketplace orders are already sold: take the stock, but never refuse the order for it."""

STATE_FIELDS = ("id,source_identifier,updated_at,fulfillment_status,cancelled_at,fulfillments,"
                "line_items,refunds")
"""The ``fields`` a WebshopOrderState needs (smaller pages)."""

_CENT = Decimal("0.01")


def money(value: Decimal) -> str:
    """Shopify money: a string with two decimals."""
    return str(value.quantize(_CENT))


def iso(moment: datetime) -> str:
    """An ISO 8601 timestamp with offset (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat(timespec="seconds")


def parse_time(value: str) -> datetime:
    """A Shopify timestamp (``2008-01-10T11:00:00-05:00``) as an aware UTC datetime."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def address_payload(address: Address) -> dict[str, Any]:
    """A domain address in Shopify's shape."""
    return {
        "first_name": address.first_name,
        "last_name": address.last_name,
        "company": address.company,
        "address1": address.address1 or None,
        "address2": address.extra_address_info,
        "city": address.city,
        "zip": address.postal_code,
        "country_code": address.country,
        "phone": address.phone,
    }


def line_payload(line: OrderLine, variant_id: int | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "title": line.title or line.sku or line.ean or f"Item {line.line_id}",
        "quantity": line.quantity,
        "price": money(line.unit_price),
        "sku": line.sku,
        "requires_shipping": True,
        "properties": [{"name": "_marketplace_line_id", "value": line.line_id}],
    }
    if variant_id is not None:
        item["variant_id"] = variant_id
    return item


def order_payload(
    order: MarketplaceOrder,
    *,
    variants: Mapping[str, int] | None = None,
    inventory_behaviour: str = DEFAULT_INVENTORY_BEHAVIOUR,
) -> dict[str, Any]:
    """The body of ``POST /orders.json`` for a marketplace order.

    ``variants`` maps SKUs to the shop's variant ids, when known: such lines become real
    product lines (stock decremented), the others custom lines with title and price.
    """
    variants = variants or {}
    billing = order.billing_address or order.shipping_address
    email = order.shipping_address.email or billing.email
    tags = ["ordersync", order.platform, order.reference]
    if order.test:
        tags.append("test")
    body: dict[str, Any] = {
        "line_items": [line_payload(li, variants.get(li.sku or "")) for li in order.lines],
        "shipping_address": address_payload(order.shipping_address),
        "billing_address": address_payload(billing),
        "financial_status": "paid",
        "currency": order.currency,
        "taxes_included": True,
        "processed_at": iso(order.placed_at),
        "source_name": f"ordersync-{order.platform}",
        "source_identifier": order.reference,
        "tags": ", ".join(tags),
        "note": f"{order.platform} order {order.external_id} ({order.account})",
        "note_attributes": [
            {"name": "marketplace", "value": order.platform},
            {"name": "marketplace_order_id", "value": order.external_id},
        ],
        # a test order never takes stock: it is deleted once its loop is done
        "inventory_behaviour": "bypass" if order.test else inventory_behaviour,
        "send_receipt": False,
        "send_fulfillment_receipt": False,
    }
    if email:
        body["email"] = email
        body["customer"] = {
            "first_name": order.shipping_address.first_name,
            "last_name": order.shipping_address.last_name,
            "email": email,
        }
    if order.test:
        body["test"] = True
    return {"order": body}


def tracking_of(order: Mapping[str, Any]) -> tuple[Tracking, ...]:
    """Every tracking number of the order's successful fulfillments, in order, deduplicated."""
    found: dict[str, Tracking] = {}
    for fulfillment in order.get("fulfillments") or ():
        if fulfillment.get("status") != "success":
            continue
        numbers = list(fulfillment.get("tracking_numbers") or ())
        if not numbers and fulfillment.get("tracking_number"):
            numbers = [fulfillment["tracking_number"]]
        urls = list(fulfillment.get("tracking_urls") or ())
        if not urls and fulfillment.get("tracking_url"):
            urls = [fulfillment["tracking_url"]]
        company = fulfillment.get("tracking_company") or None
        for i, number in enumerate(numbers):
            if number and number not in found:
                url = urls[i] if i < len(urls) else None
                found[number] = Tracking(number=number, company=company, url=url or None)
    return tuple(found.values())


def order_state(order: Mapping[str, Any]) -> WebshopOrderState:
    """A Shopify order (full, or with ``STATE_FIELDS``) as the hub sees it. Tracking the hub
    cannot store (too long, NUL, ...) is dropped and the state marked ``invalid``."""
    try:
        tracking = tracking_of(order)
        invalid = tracking_problem(tracking)
        parcels, cancelled = parcels_of(order), cancelled_lines_of(order)
    except (TypeError, AttributeError, ValueError, KeyError) as exc:
        tracking, invalid = (), f"fulfillments unreadable ({type(exc).__name__})"
        parcels, cancelled = (), ()
    return WebshopOrderState(
        webshop_id=str(order["id"]),
        reference=order.get("source_identifier") or None,
        updated_at=parse_time(order["updated_at"]),
        completed=order.get("fulfillment_status") == "fulfilled",
        cancelled=order.get("cancelled_at") is not None,
        tracking=() if invalid else tracking,
        invalid=invalid,
        parcels=() if invalid else parcels,
        cancelled_lines=cancelled,
    )


def line_items_by_marketplace_line(order: Mapping[str, Any]) -> dict[str, int]:
    """{marketplace line id: Shopify line item id}, from the ``_marketplace_line_id`` property
    the hub puts on every line it creates."""
    found: dict[str, int] = {}
    for item in order.get("line_items") or ():
        for prop in item.get("properties") or ():
            if isinstance(prop, Mapping) and prop.get("name") == "_marketplace_line_id":
                found[str(prop.get("value"))] = int(item["id"])
    return found


